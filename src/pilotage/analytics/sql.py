"""Stage 4: one aggregate statement per ``Part``, built once as a sqlglot tree.

``statement()`` builds the tree; ``generate()`` writes it for DuckDB or ClickHouse.
ClickHouse needs one generator patch: sqlglot writes a time-zone conversion as
``AT TIME ZONE``, which ClickHouse lacks, so we emit ``toTimeZone`` instead.
Columns are aliased ``d0..`` (dimensions), ``x0..`` (extra keys) and ``m0..`` (stats):
ClickHouse lets a SELECT alias shadow a column of the same name in WHERE, and these
names cannot clash.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.dialects.clickhouse import ClickHouse
from sqlglot.dialects.dialect import Dialect
from sqlglot.generators.clickhouse import ClickHouseGenerator

from pilotage.analytics import filters as flt
from pilotage.analytics.conditions import condition, dimension, goals_matching, time_column
from pilotage.analytics.goals import Goal, goal_condition
from pilotage.analytics.periods import TimeRange
from pilotage.analytics.query import Part, Plan, Table, is_visit_level


class _ClickHouseGenerator(ClickHouseGenerator):
    TRANSFORMS = {  # noqa: RUF012 - sqlglot's own pattern for dialect patches
        **ClickHouseGenerator.TRANSFORMS,
        exp.ConvertTimezone: lambda self, e: self.func(
            "toTimeZone", e.args["timestamp"], e.args["target_tz"]
        ),
    }


class PilotageClickHouse(ClickHouse):
    Generator = _ClickHouseGenerator


DIALECTS: dict[str, str | type[Dialect]] = {"duckdb": "duckdb", "clickhouse": PilotageClickHouse}


def generate(tree: exp.Expr, dialect: str) -> str:
    return tree.sql(dialect=DIALECTS[dialect])


@dataclass(frozen=True)
class Statement:
    tree: exp.Select
    dimensions: int
    extras: int
    stats: tuple[str, ...]


def _count_if(cond: exp.Expr) -> exp.Expr:
    return exp.Sum(this=exp.If(this=cond, true=exp.Literal.number(1), false=exp.Literal.number(0)))


def _distinct(column: str) -> exp.Expr:
    return exp.Count(this=exp.Distinct(expressions=[exp.column(column)]))


def stat_expr(stat: str, table: Table, bounce_cond: exp.Expr) -> exp.Expr:
    count_all = exp.Count(this=exp.Star())
    if stat in ("visitors", "base_visitors"):
        return _distinct("visitor_id")
    if stat == "visits":
        return _distinct("session_id") if table == "events" else count_all
    if stat in ("events", "bot_events", "session_visits"):
        return count_all
    if stat == "pageviews":
        return _count_if(exp.column("name").eq(exp.Literal.string("pageview")))
    if stat == "session_pageviews":
        return exp.Sum(this=exp.column("pageviews"))
    if stat == "duration_sum":
        return exp.Sum(this=exp.column("duration"))
    if stat == "bounces":
        return _count_if(exp.and_(bounce_cond, exp.column("is_bounce")))
    if stat == "bounce_visits":
        return _count_if(bounce_cond)
    if stat == "revenue_sum":
        return exp.Sum(this=exp.column("revenue_amount"))
    if stat == "revenue_count":
        return exp.Count(this=exp.column("revenue_amount"))
    raise ValueError(stat)


def _base_where(table: Table, site: str, rng: TimeRange, bots: str) -> list[exp.Expr]:
    col = time_column(table)
    where: list[exp.Expr] = [
        exp.column("site").eq(exp.Literal.string(site)),
        col >= exp.Literal.string(rng.start.isoformat(sep=" ")),
        col < exp.Literal.string(rng.end.isoformat(sep=" ")),
    ]
    if bots == "exclude":
        where.append(exp.not_(exp.column("is_bot")))
    elif bots == "only":
        where.append(exp.column("is_bot"))
    return where


def _semi_join(
    other: Table, item: flt.FilterExpr, plan: Plan, rng: TimeRange, bots: str
) -> exp.Expr:
    """``session_id IN (visits of the other table meeting item)``."""
    q, tz = plan.query, rng.timezone
    where = [*_base_where(other, q.site, rng, bots), condition(item, other, tz, q.goals)]
    sub = (
        exp.select("session_id")
        .from_(exp.table_(other), copy=False)
        .where(exp.and_(*where, copy=False), copy=False)
    )
    return exp.column("session_id").isin(query=sub)


def _filter_where(
    part: Part, plan: Plan, rng: TimeRange, filters: tuple[flt.FilterExpr, ...], bots: str
) -> list[exp.Expr]:
    q, tz = plan.query, rng.timezone
    where = _base_where(part.table, q.site, rng, bots)
    for item in filters:
        dims = flt.dimensions_of(item)
        if part.table == "events" and "exit_page" in dims:
            where.append(_semi_join("sessions", item, plan, rng, bots))
        elif part.table == "sessions" and not all(is_visit_level(d) for d in dims):
            where.append(_semi_join("events", item, plan, rng, bots))
        else:
            where.append(condition(item, part.table, tz, q.goals))
    return where


def _bounce_condition(plan: Plan, tz: str) -> exp.Expr:
    """Plausible's rule: with a page filter, only visits entering on that page count."""
    pages = flt.toplevel(plan.filters, "page")
    conds = [condition(f, "sessions", tz, plan.query.goals, "entry_page") for f in pages]
    return exp.and_(*conds) if conds else exp.true()


def _part_filters(part: Part, plan: Plan) -> tuple[flt.FilterExpr, ...]:
    if part.role == "base" or "goal" in part.dimensions:
        return flt.without_goals(plan.filters)
    return plan.filters


def _breakdown_goals(part: Part, plan: Plan) -> tuple[Goal, ...]:
    goals = plan.query.goals
    if part.role == "revenue":
        goals = tuple(g for g in goals if g.currency)
    for cond in flt.toplevel(plan.filters, "goal"):
        chosen = set(goals_matching(cond, goals))
        negative = cond.op.endswith("_not")
        goals = tuple(g for g in goals if (g in chosen) != negative)
    return goals


def _source(part: Part, plan: Plan, where: list[exp.Expr]) -> exp.Select | None:
    """With a goal dimension, a UNION ALL of one branch per goal; else None."""
    if "goal" not in part.dimensions:
        return None
    branches = [
        exp.select(exp.alias_(exp.Literal.string(g.name), "goal"), exp.Star())
        .from_(exp.table_(part.table), copy=False)
        .where(exp.and_(goal_condition(g), *[w.copy() for w in where], copy=False), copy=False)
        for g in _breakdown_goals(part, plan)
    ]
    if not branches:  # no goal left: an empty source with the right columns
        return (
            exp.select(exp.alias_(exp.Literal.string(""), "goal"), exp.Star())
            .from_(part.table)
            .where(exp.false())
        )
    union: exp.Select = branches[0]
    for branch in branches[1:]:
        union = exp.union(union, branch, distinct=False, copy=False)  # type: ignore[assignment]
    return union


def _extras(part: Part, plan: Plan, rng: TimeRange) -> list[exp.Expr]:
    if part.role != "revenue":
        return []
    extras: list[exp.Expr] = [exp.column("revenue_currency")]
    if plan.query.rates is not None and plan.query.rates.dated:
        extras.append(dimension("time:day", "events", rng.timezone, rng))
    return extras


def statement(plan: Plan, part: Part, rng: TimeRange) -> Statement:
    q, tz = plan.query, rng.timezone
    bots = "only" if part.role == "bots" else ("keep" if q.include_bots else "exclude")
    where = _filter_where(part, plan, rng, _part_filters(part, plan), bots)
    if part.role == "revenue":
        revenue_goals = [goal_condition(g) for g in q.goals if g.currency]
        where.append(exp.or_(*revenue_goals) if revenue_goals else exp.false())
    dims = [dimension(d, part.table, tz, rng) for d in part.dimensions]
    keys = dims + _extras(part, plan, rng)
    bounce = _bounce_condition(plan, tz) if part.table == "sessions" else exp.true()
    stats = [stat_expr(s, part.table, bounce) for s in part.stats]
    # sqlglot's builders deep-copy their arguments unless told not to: with copy=False
    # the tree is built once (a few ms less per statement); nodes used twice (the GROUP
    # BY keys, the WHERE of each goal branch) are copied explicitly.
    select = [exp.alias_(k.copy(), f"d{i}", copy=False) for i, k in enumerate(dims)]
    select += [exp.alias_(k.copy(), f"x{i}", copy=False) for i, k in enumerate(keys[len(dims) :])]
    select += [exp.alias_(s, f"m{i}", copy=False) for i, s in enumerate(stats)]
    union = _source(part, plan, where)
    tree = exp.select(*select, copy=False)
    if union is not None:
        sub = exp.alias_(exp.paren(union, copy=False), "e", table=True, copy=False)
        tree = tree.from_(sub, copy=False)
    else:
        tree = tree.from_(exp.table_(part.table), copy=False).where(
            exp.and_(*where, copy=False), copy=False
        )
    if keys:
        tree = tree.group_by(*keys, copy=False)
    if _per_visitor(part, keys):
        tree = _visitors_first(tree, keys, part.stats)
    if plan.push_down:
        tree = _order_and_page(tree, plan, part)
    return Statement(tree, len(dims), len(keys) - len(dims), part.stats)


# Stats that are counts of rows: a group's count is the sum of its visitors' counts.
_SUMMABLE = frozenset({"events", "pageviews"})


def _per_visitor(part: Part, keys: list[exp.Expr]) -> bool:
    """Goal breakdowns counting visitors and rows: see :func:`_visitors_first`."""
    stats = set(part.stats)
    return (
        "goal" in part.dimensions
        and len(keys) == len(part.dimensions)
        and "visitors" in stats
        and len(stats) > 1
        and stats <= _SUMMABLE | {"visitors"}
    )


def _visitors_first(tree: exp.Select, keys: list[exp.Expr], stats: tuple[str, ...]) -> exp.Select:
    """``tree`` (``SELECT keys AS d.., stats AS m.. FROM .. GROUP BY keys``) as two steps:
    group by keys and visitor first (row counts per visitor), then by keys (visitors =
    number of rows, counts = sums). Same values; DuckDB plans COUNT(DISTINCT) beside other
    aggregates as a second aggregate joined back, about 7 ms more on the goals breakdown
    of 1.6M events."""
    visitor = exp.column("visitor_id")
    inner = tree.copy()
    inner.set("expressions", [])
    inner = inner.select(
        *[exp.alias_(k.copy(), f"d{i}", copy=False) for i, k in enumerate(keys)],
        visitor.copy(),
        *[
            exp.alias_(e.this.copy(), f"m{j}", copy=False)
            for j, (s, e) in enumerate(zip(stats, tree.expressions[len(keys) :], strict=True))
            if s != "visitors"
        ],
        copy=False,
    ).group_by(visitor, copy=False)
    outer: list[exp.Expr] = [exp.column(f"d{i}") for i in range(len(keys))]
    for j, s in enumerate(stats):
        total = exp.Count(this=exp.Star()) if s == "visitors" else exp.Sum(this=exp.column(f"m{j}"))
        outer.append(exp.alias_(total, f"m{j}", copy=False))
    sub = exp.alias_(exp.paren(inner, copy=False), "v", table=True, copy=False)
    return (
        exp.select(*outer, copy=False)
        .from_(sub, copy=False)
        .group_by(*[exp.column(f"d{i}") for i in range(len(keys))], copy=False)
    )


def _order_and_page(tree: exp.Select, plan: Plan, part: Part) -> exp.Select:
    order: list[exp.Expr] = []
    for key, direction in plan.order_by:
        alias = (
            f"d{plan.dimensions.index(key)}"
            if key in plan.dimensions
            else f"m{part.stats.index(key)}"
        )
        order.append(exp.Ordered(this=exp.column(alias), desc=direction == "desc"))
    ordered = {k for k, _ in plan.order_by}
    order += [
        exp.Ordered(this=exp.column(f"d{i}"))
        for i, d in enumerate(plan.dimensions)
        if d not in ordered
    ]
    tree = tree.order_by(*order, copy=False)
    if plan.query.limit is not None:
        tree = tree.limit(plan.query.limit, copy=False)
    if plan.query.offset:
        tree = tree.offset(plan.query.offset, copy=False)
    return tree


def first_day_statement(site: str) -> exp.Select:
    """The earliest event of a site (for the ``all`` period)."""
    earliest = exp.Min(this=exp.column("ts"))
    return (
        exp.select(exp.alias_(earliest, "first"))
        .from_("events")
        .where(exp.column("site").eq(exp.Literal.string(site)))
    )
