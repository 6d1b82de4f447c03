"""Column buffers for the demo's hits, turned into the raw-hit Arrow table at the end.

One tuple per hit, transposed once into Arrow columns, is what keeps a
120-day demo (a few hundred thousand hits) at about a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter

import pyarrow as pa

from pilotage.collect.hit import raw_hit_schema

SOURCE_KIND = "demo"
NO_PROPS: list[tuple[str, str]] = []  # shared by every hit without props; never mutated


@dataclass(frozen=True, slots=True)
class Visitor:
    ip: str
    user_agent: str
    screen_width: int
    country: str
    zone: str  # IANA zone whose local hours drive the visitor's daily rhythm


# (ts in microseconds since the epoch, name, url, referrer, visitor, props, revenue)
Row = tuple[int, str, str, str, Visitor, list[tuple[str, str]] | None, tuple[Decimal, str] | None]


class HitBuffer:
    """Collects hits as one tuple each (one append per hit), transposed into columns once."""

    def __init__(self, site: str) -> None:
        self.site = site
        self.base = f"https://{site}"
        self.rows: list[Row] = []

    def add(
        self,
        ts: int,
        name: str,
        url: str,
        referrer: str,
        visitor: Visitor,
        props: list[tuple[str, str]] | None = None,
        revenue: tuple[Decimal, str] | None = None,
    ) -> None:
        self.rows.append((ts, name, url, referrer, visitor, props, revenue))

    def __len__(self) -> int:
        return len(self.rows)

    def rollback(self, size: int) -> None:
        """Forget every hit added after the buffer held ``size`` hits (a visit left out)."""
        del self.rows[size:]

    def to_table(self) -> pa.Table:
        """The hits in the raw-hit schema, ordered by time."""
        schema = raw_hit_schema()
        n = len(self.rows)
        self.rows.sort(key=itemgetter(0))  # cheaper on tuples than a take on the Arrow table
        ts, name, url, referrer, visitors, props, revenue = (
            zip(*self.rows, strict=True) if n else ((),) * 7
        )
        columns = {
            "site": pa.array([self.site] * n, pa.string()),
            "ts": pa.array(ts, pa.int64()).cast(schema.field("ts").type),
            "name": pa.array(name, pa.string()),
            "url": pa.array(url, pa.string()),
            "referrer": pa.array(referrer, pa.string()),
            "ip": pa.array([v.ip for v in visitors], pa.string()),
            "user_agent": pa.array([v.user_agent for v in visitors], pa.string()),
            "props": pa.array([p or NO_PROPS for p in props], schema.field("props").type),
            "revenue_amount": pa.array(
                [r[0] if r else None for r in revenue], schema.field("revenue_amount").type
            ),
            "revenue_currency": pa.array([r[1] if r else "" for r in revenue], pa.string()),
            "interactive": pa.array([True] * n, pa.bool_()),
            "screen_width": pa.array([v.screen_width for v in visitors], pa.uint16()),
            "source_kind": pa.array([SOURCE_KIND] * n, pa.string()),
        }
        return pa.Table.from_pydict(columns, schema=schema)
