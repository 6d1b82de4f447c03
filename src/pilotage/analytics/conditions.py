"""SQL expressions for dimensions and filter conditions, built once with sqlglot.

Everything here is an engine-neutral ``sqlglot.exp`` tree; ``sql.py`` generates it
for DuckDB or ClickHouse. Time buckets are computed in the site's time zone and
labelled (``2024-03-31``, ``2024-03-31 02:00:00``) by the run stage, so both engines
give the same values. sqlglot's builders are called with ``copy=False``: by default they
deep-copy their arguments, which was most of a query's Python time, and every node here
is built for the one tree it goes into.
"""

from __future__ import annotations

import re

from sqlglot import exp

from pilotage.analytics.filters import Filter, FilterExpr, Not, Or
from pilotage.analytics.goals import Goal, goal_condition, prop_value
from pilotage.analytics.periods import TimeRange, utc_offsets
from pilotage.analytics.query import EVENT_DIMENSIONS, VISIT_DIMENSIONS, Table

NONE_VALUE = "(none)"  # Plausible's label for an absent custom property
TIME_FORMATS = {
    "hour": "%Y-%m-%d %H:00:00",
    "day": "%Y-%m-%d",
    "week": "%Y-%m-%d",
    "month": "%Y-%m-%d",
}


def time_column(table: Table) -> exp.Column:
    return exp.column("ts" if table == "events" else "start", quoted=table == "sessions")


def _shifted(col: exp.Expr, seconds: int) -> exp.Expr:
    if seconds == 0:
        return col
    step = exp.Interval(this=exp.Literal.number(abs(seconds)), unit=exp.var("SECOND"))
    return (exp.Add if seconds > 0 else exp.Sub)(this=col, expression=step)


def local_time(table: Table, tz: str, rng: TimeRange | None = None) -> exp.Expr:
    """Local wall-clock time of a row. Within ``rng`` it is the UTC time plus the zone's
    offset, switched at each DST change (``periods.utc_offsets``): the same value as a
    time-zone conversion, without its per-row cost."""
    col = time_column(table)
    if tz == "UTC":
        return col
    if rng is None:  # no range to bound the offsets: convert each row
        return exp.ConvertTimezone(
            source_tz=exp.Literal.string("UTC"), target_tz=exp.Literal.string(tz), timestamp=col
        )
    (_, first), *changes = utc_offsets(rng)
    if not changes:
        return _shifted(col, first)
    case, before = exp.Case(), first
    for since, seconds in changes:
        limit = exp.Literal.string(since.isoformat(sep=" "))
        case = case.when(exp.LT(this=col.copy(), expression=limit), _shifted(col.copy(), before))
        before = seconds
    return case.else_(_shifted(col.copy(), before))


def time_label(table: Table, tz: str, granularity: str, rng: TimeRange | None = None) -> exp.Expr:
    """The local start of the bucket; the run stage formats it with ``TIME_FORMATS``
    (formatting in SQL costs a string per row: 2.5x slower on DuckDB)."""
    local = local_time(table, tz, rng)
    return exp.TimestampTrunc(this=local, unit=exp.var(granularity.upper()))


def dimension(dim: str, table: Table, tz: str, rng: TimeRange | None = None) -> exp.Expr:
    """The value of ``dim`` on a row of ``table``; ``page`` of a visit is its entry page.
    Time buckets of rows within ``rng`` are computed from its UTC offsets."""
    if dim.startswith("time:"):
        return time_label(table, tz, dim.split(":", 1)[1], rng)
    if dim.startswith("prop:"):
        return prop_value(dim.split(":", 1)[1])
    if dim == "goal":
        return exp.column("goal")
    if dim == "page" and table == "sessions":
        return exp.column("entry_page")
    if dim == "exit_page":
        return exp.column("exit_page")
    return exp.column(EVENT_DIMENSIONS.get(dim) or VISIT_DIMENSIONS[dim])


def _any(items: list[exp.Expr]) -> exp.Expr:
    if not items:
        return exp.false()
    return exp.or_(*items, copy=False) if len(items) > 1 else items[0]


def _value_tests(cond: Filter, col: exp.Expr) -> list[exp.Expr]:
    values = ["" if v == NONE_VALUE else v for v in cond.values]
    if not cond.case_sensitive and not cond.op.startswith("matches"):
        col = exp.Lower(this=col)
        values = [v.lower() for v in values]
    if cond.op in ("is", "is_not"):
        return [col.isin(*[exp.Literal.string(v) for v in values])]
    if cond.op in ("contains", "contains_not"):
        return [
            exp.GT(
                this=exp.StrPosition(this=col, substr=exp.Literal.string(v)),
                expression=exp.Literal.number(0),
            )
            for v in values
        ]
    flags = "" if cond.case_sensitive else "(?i)"
    return [exp.RegexpLike(this=col, expression=exp.Literal.string(flags + v)) for v in values]


def goals_matching(cond: Filter, goals: tuple[Goal, ...]) -> tuple[Goal, ...]:
    """The goals whose names a positive goal condition selects (names, not events)."""

    def hit(name: str, value: str) -> bool:
        a, b = (name, value) if cond.case_sensitive else (name.lower(), value.lower())
        if cond.op.startswith("is"):
            return a == b
        if cond.op.startswith("contains"):
            return b in a
        return re.search(value, name, 0 if cond.case_sensitive else re.IGNORECASE) is not None

    return tuple(g for g in goals if any(hit(g.name, v) for v in cond.values))


def condition(
    expr: FilterExpr, table: Table, tz: str, goals: tuple[Goal, ...], page_column: str = ""
) -> exp.Expr:
    """SQL for a filter expression; ``page_column`` redirects page conditions (bounce rate)."""
    if isinstance(expr, Not):
        inner = condition(expr.item, table, tz, goals, page_column)
        return exp.not_(exp.paren(inner, copy=False), copy=False)
    if not isinstance(expr, Filter):
        parts = [
            exp.paren(condition(i, table, tz, goals, page_column), copy=False) for i in expr.items
        ]
        combine = exp.or_ if isinstance(expr, Or) else exp.and_
        return combine(*parts, copy=False)
    if expr.dimension == "goal":
        matched = _any([goal_condition(g) for g in goals_matching(expr, goals)])
    else:
        col = (
            exp.column(page_column)
            if page_column and expr.dimension == "page"
            else dimension(expr.dimension, table, tz)
        )
        matched = _any(_value_tests(expr, col))
    if expr.op.endswith("_not"):
        return exp.not_(exp.paren(matched, copy=False), copy=False)
    return matched
