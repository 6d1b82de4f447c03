"""A hit as it arrives, before enrichment: the common input of the collector and importers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Hit:
    """One pageview or custom event, as a browser, a log line or an export file gives it.

    ``ip`` and ``user_agent`` are used to derive the visitor id and the device, then
    dropped: they are never stored.
    """

    site: str
    ts: datetime  # timezone-aware, any zone; stored as UTC
    name: str
    url: str
    referrer: str = ""
    ip: str = ""
    user_agent: str = ""
    props: dict[str, str] = field(default_factory=dict)
    revenue_amount: Decimal | None = None
    revenue_currency: str = ""
    interactive: bool = True
    screen_width: int = 0
    source_kind: str = "collector"
