"""A hit as it arrives, before enrichment: the common input of the collector and importers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa


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


# The columnar form of hits, as importers hand them to the ingestion pipeline.
# ``ts`` is UTC. Columns an importer does not know stay empty ('' / 0 / NULL).
def raw_hit_schema() -> pa.Schema:
    return pa.schema(
        [
            ("site", pa.string()),
            ("ts", pa.timestamp("us", tz="UTC")),
            ("name", pa.string()),
            ("url", pa.string()),
            ("referrer", pa.string()),
            ("ip", pa.string()),
            ("user_agent", pa.string()),
            ("props", pa.map_(pa.string(), pa.string())),
            ("revenue_amount", pa.decimal128(18, 4)),
            ("revenue_currency", pa.string()),
            ("interactive", pa.bool_()),
            ("screen_width", pa.uint16()),
            ("source_kind", pa.string()),
        ]
    )


def hits_to_table(hits: Iterable[Hit]) -> pa.Table:
    """Build the columnar form from Hit objects (for tests, the collector and small imports)."""
    rows = list(hits)
    schema = raw_hit_schema()
    columns: dict[str, list[object]] = {name: [] for name in schema.names}
    for h in rows:
        columns["site"].append(h.site)
        columns["ts"].append(h.ts.astimezone(UTC))
        columns["name"].append(h.name)
        columns["url"].append(h.url)
        columns["referrer"].append(h.referrer)
        columns["ip"].append(h.ip)
        columns["user_agent"].append(h.user_agent)
        columns["props"].append(list(h.props.items()))
        columns["revenue_amount"].append(h.revenue_amount)
        columns["revenue_currency"].append(h.revenue_currency)
        columns["interactive"].append(h.interactive)
        columns["screen_width"].append(h.screen_width)
        columns["source_kind"].append(h.source_kind)
    return pa.Table.from_pydict(columns, schema=schema)
