"""Column buffers for the demo's hits, turned into the raw-hit Arrow table at the end.

Appending to plain lists and building each Arrow column once is what keeps a
120-day demo (a few hundred thousand hits) at about a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa

from pilotage.collect.hit import raw_hit_schema

SOURCE_KIND = "demo"


@dataclass(frozen=True, slots=True)
class Visitor:
    ip: str
    user_agent: str
    screen_width: int
    country: str
    zone: str  # IANA zone whose local hours drive the visitor's daily rhythm


@dataclass(slots=True)
class HitBuffer:
    """Appends hits column by column; timestamps are integer microseconds since the epoch."""

    site: str
    base: str = ""
    ts: list[int] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    url: list[str] = field(default_factory=list)
    referrer: list[str] = field(default_factory=list)
    ip: list[str] = field(default_factory=list)
    user_agent: list[str] = field(default_factory=list)
    props: list[list[tuple[str, str]]] = field(default_factory=list)
    revenue_amount: list[Decimal | None] = field(default_factory=list)
    revenue_currency: list[str] = field(default_factory=list)
    screen_width: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base = f"https://{self.site}"

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
        self.ts.append(ts)
        self.name.append(name)
        self.url.append(url)
        self.referrer.append(referrer)
        self.ip.append(visitor.ip)
        self.user_agent.append(visitor.user_agent)
        self.props.append(props or [])
        self.revenue_amount.append(revenue[0] if revenue else None)
        self.revenue_currency.append(revenue[1] if revenue else "")
        self.screen_width.append(visitor.screen_width)

    def rollback(self, size: int) -> None:
        """Forget every hit added after the buffer held ``size`` hits (a visit cut short)."""
        for column in self._columns():
            del column[size:]

    def _columns(self) -> tuple[list[Any], ...]:
        return (
            self.ts, self.name, self.url, self.referrer, self.ip, self.user_agent,
            self.props, self.revenue_amount, self.revenue_currency, self.screen_width,
        )  # fmt: skip

    def to_table(self) -> pa.Table:
        """The hits in the raw-hit schema, ordered by time."""
        schema = raw_hit_schema()
        n = len(self.ts)
        columns = {
            "site": pa.array([self.site] * n, pa.string()),
            "ts": pa.array(self.ts, pa.int64()).cast(schema.field("ts").type),
            "name": pa.array(self.name, pa.string()),
            "url": pa.array(self.url, pa.string()),
            "referrer": pa.array(self.referrer, pa.string()),
            "ip": pa.array(self.ip, pa.string()),
            "user_agent": pa.array(self.user_agent, pa.string()),
            "props": pa.array(self.props, schema.field("props").type),
            "revenue_amount": pa.array(self.revenue_amount, schema.field("revenue_amount").type),
            "revenue_currency": pa.array(self.revenue_currency, pa.string()),
            "interactive": pa.array([True] * n, pa.bool_()),
            "screen_width": pa.array(self.screen_width, pa.uint16()),
            "source_kind": pa.array([SOURCE_KIND] * n, pa.string()),
        }
        table = pa.Table.from_pydict(columns, schema=schema)
        return table.sort_by([("ts", "ascending")])
