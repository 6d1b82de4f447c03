"""Journeys read from the event store: one touch per visit, before each conversion.

A conversion is an event matching the goal (``pilotage.analytics.goals``) in the
period, made by a non-bot visitor; its value is the event's revenue when the goal is a
revenue goal and the revenue is in the goal's currency, else 0. Its touches are the
visitor's visits (``sessions`` rows, one touch each, labelled by channel, source or
utm_campaign) that start within ``lookback_days`` before the conversion, at or before
it, and after the visitor's previous conversion (a touch serves one conversion). A
conversion left with no touch (a second conversion in the same visit) is counted as
unattributed. A null path is a visitor's visits after their last conversion (all
visits when they never converted) whose last visit starts in the period, cut to the
lookback window before that last visit.

DuckDB does the grouping: one row per conversion (its touches and their ages in days,
as lists) and one row per distinct null path with its count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import pyarrow as pa

from pilotage.analytics import Backend, Goal, Period, resolve
from pilotage.analytics.goals import goal_condition
from pilotage.attribution.journeys import DIRECT, Journey, Journeys
from pilotage.errors import InvalidInput

TouchBy = Literal["channel", "source", "campaign"]
NO_CAMPAIGN = "(none)"
DEFAULT_LOOKBACK_DAYS = 30
_LABELS: dict[str, tuple[str, str]] = {
    "channel": ("channel", DIRECT),
    "source": ("referrer_source", DIRECT),
    "campaign": ("utm_campaign", NO_CAMPAIGN),
}

_SQL = """
WITH conv AS (
  SELECT visitor_id, ts, {value} AS value,
         lag(ts) OVER (PARTITION BY visitor_id ORDER BY ts) AS prev_ts,
         row_number() OVER () AS conv_id
  FROM events
  WHERE site = $1 AND ts >= $2 AND ts < $3 AND NOT is_bot AND ({goal})
),
touch AS (
  SELECT visitor_id, start, CASE WHEN {column} = '' THEN $4 ELSE {column} END AS label
  FROM sessions
  WHERE site = $1 AND start >= $6 AND start < $3 AND NOT is_bot
)
"""

_CONVERSIONS = """
SELECT list(t.label ORDER BY t.start) FILTER (WHERE t.start IS NOT NULL) AS channels,
       list(date_diff('millisecond', t.start, c.ts) / 86400000.0 ORDER BY t.start)
         FILTER (WHERE t.start IS NOT NULL) AS ages,
       any_value(c.value) AS value
FROM conv c LEFT JOIN touch t
  ON t.visitor_id = c.visitor_id AND t.start <= c.ts
 AND t.start >= c.ts - to_milliseconds($5) AND (c.prev_ts IS NULL OR t.start > c.prev_ts)
GROUP BY c.conv_id
"""

_NULLS = """,
tail AS (
  SELECT t.*, max(t.start) OVER (PARTITION BY t.visitor_id) AS last_start
  FROM touch t LEFT JOIN (SELECT visitor_id, max(ts) AS last_ts FROM conv GROUP BY 1) l
    USING (visitor_id)
  WHERE l.last_ts IS NULL OR t.start > l.last_ts
),
paths AS (
  SELECT list(label ORDER BY start) AS channels FROM tail
  WHERE last_start >= $2 AND start >= last_start - to_milliseconds($5)
  GROUP BY visitor_id
)
SELECT channels, count(*) AS nulls FROM paths GROUP BY channels
"""


def _rows(backend: Backend, sql: str, params: Sequence[object]) -> list[dict[str, Any]]:
    got = backend.fetch(sql, params)
    if isinstance(got, pa.Table):
        return list(got.to_pylist())
    raise InvalidInput("attribution needs a store that returns Arrow tables", field="store")


def _value_sql(goal: Goal) -> str:
    if goal.currency is None:
        return "0.0"
    currency = goal.currency.replace("'", "''")
    return (
        f"CASE WHEN revenue_currency = '{currency}' "
        "THEN coalesce(CAST(revenue_amount AS DOUBLE), 0.0) ELSE 0.0 END"
    )


def journeys_from_store(
    backend: Backend,
    site: str,
    period: Period,
    goal: Goal,
    *,
    timezone: str = "UTC",
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    by: TouchBy = "channel",
    now: datetime | None = None,
) -> Journeys:
    """The journeys of ``site`` to ``goal`` over ``period`` (see the module doc)."""
    if lookback_days < 1:
        raise InvalidInput(f"lookback {lookback_days} must be at least 1 day", field="lookback")
    if by not in _LABELS:
        raise InvalidInput(
            f"unknown touch label {by!r}; use channel, source or campaign", field="by"
        )
    rng = resolve(period, timezone, now)
    column, empty = _LABELS[by]
    head = _SQL.format(
        value=_value_sql(goal), goal=goal_condition(goal).sql("duckdb"), column=column
    )
    # $1..$6 in the SQL, in this order.
    since = rng.start - timedelta(days=lookback_days)
    params = (site, rng.start, rng.end, empty, lookback_days * 86_400_000, since)
    conversions = _rows(backend, head + _CONVERSIONS, params)
    nulls = _rows(backend, head + _NULLS, params)
    return _journeys(conversions, nulls, empty)


def _journeys(
    conversions: Sequence[dict[str, Any]], nulls: Sequence[dict[str, Any]], direct: str
) -> Journeys:
    paths: list[Journey] = []
    lost, lost_value = 0.0, 0.0
    for row in conversions:
        if not row["channels"]:
            lost, lost_value = lost + 1, lost_value + float(row["value"])
            continue
        ages = tuple(max(0.0, float(a)) for a in row["ages"])
        paths.append(Journey(tuple(row["channels"]), 1.0, float(row["value"]), 0.0, ages))
    for row in nulls:
        paths.append(Journey(tuple(row["channels"]), nulls=float(row["nulls"])))
    return Journeys(tuple(paths), lost, lost_value, direct)
