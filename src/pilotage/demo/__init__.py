"""Seeded demo data: a realistic French-speaking online shop built on the REES46 catalogue.

from datetime import date
from pilotage.demo import generate
demo = generate(start=date(2026, 7, 1))  # demo.hits is a raw-hit Arrow table
"""

from pilotage.demo.generator import CampaignSpec, DemoData, FunnelSpec, GoalSpec, generate

__all__ = ["CampaignSpec", "DemoData", "FunnelSpec", "GoalSpec", "generate"]
