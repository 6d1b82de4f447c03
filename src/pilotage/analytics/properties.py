"""The custom property names seen on a site's events, most used first.

The dashboard offers a breakdown per property (``prop:NAME``, a dimension of the query
model); this lists which names exist in a period. Robots' events are left out.
"""

from __future__ import annotations

from datetime import datetime

from sqlglot import exp

from pilotage.analytics import periods
from pilotage.analytics.fetch import Backend, fetch_rows
from pilotage.analytics.periods import Period

KEYS = {"duckdb": "unnest(map_keys(props))", "clickhouse": "arrayJoin(mapKeys(props))"}


def property_keys(
    backend: Backend,
    site: str,
    period: Period,
    *,
    timezone: str = "UTC",
    limit: int = 10,
    now: datetime | None = None,
) -> list[str]:
    rng = periods.resolve(period, timezone, now)

    def literal(value: str) -> str:
        return exp.Literal.string(value).sql(dialect=backend.dialect)

    keys = KEYS[backend.dialect]
    text = (
        f"SELECT k FROM (SELECT {keys} AS k FROM events"  # noqa: S608 - literals escaped above
        f" WHERE site = {literal(site)} AND NOT is_bot"
        f" AND ts >= {literal(rng.start.isoformat(sep=' '))}"
        f" AND ts < {literal(rng.end.isoformat(sep=' '))}) AS t"
        f" GROUP BY k ORDER BY count(*) DESC, k LIMIT {int(limit)}"
    )
    return [str(row[0]) for row in fetch_rows(backend, text)]
