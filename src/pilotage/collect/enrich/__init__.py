"""Enrichment of raw hits: device and browser, bots, traffic source and channel, country.

Every function is pure, never raises on bad input, and is cached (``lru_cache``):
the ingestion pipeline calls them once per distinct value. See docs/enrichment.md.
"""

from __future__ import annotations

from pilotage.collect.enrich.bots import is_bot, is_bot_path
from pilotage.collect.enrich.channels import CHANNELS
from pilotage.collect.enrich.geo import country
from pilotage.collect.enrich.referrer import Acquisition, classify
from pilotage.collect.enrich.useragent import Agent, parse

parse_user_agent = parse

__all__ = [
    "CHANNELS",
    "Acquisition",
    "Agent",
    "classify",
    "country",
    "is_bot",
    "is_bot_path",
    "parse_user_agent",
]
