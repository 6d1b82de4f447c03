"""Funnels: how many visitors went through 2 to 8 goals in order, within a time window.

Visitor-scoped, unlike Plausible's visit-scoped funnels (docs "Funnel analysis"): a
visitor reaches step k when they completed step 1 at some time t1, then step 2 after
it, ..., then step k after step k-1, and step k no later than ``t1 + window``; every
event must be inside the period. For a given start t1 taking the earliest next step
is optimal, so the SQL keeps, per (visitor, t1), the earliest time each step was
reached. Cookieless visitor ids change with the daily salt, so a window beyond one
day rarely links more events; the default window is one day.

Conversion of step k = visitors(k) / visitors(1) × 100; drop-off of step k =
visitors(k-1) − visitors(k), and its rate is relative to visitors(k-1) (rates with
2 decimals, half away from zero).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlglot import exp

from pilotage.analytics import periods, sql
from pilotage.analytics.conditions import condition
from pilotage.analytics.filters import FilterExpr
from pilotage.analytics.goals import Goal, goal_condition
from pilotage.analytics.periods import Period
from pilotage.analytics.result import rounded
from pilotage.analytics.run import Backend, fetch_rows
from pilotage.errors import InvalidInput


@dataclass(frozen=True)
class Funnel:
    name: str
    steps: tuple[Goal, ...]
    window: timedelta = field(default=timedelta(days=1))

    def __post_init__(self) -> None:
        if not 2 <= len(self.steps) <= 8:
            raise InvalidInput(
                f"funnel {self.name!r} has {len(self.steps)} steps; use 2 to 8", field="steps"
            )
        if self.window <= timedelta(0):
            raise InvalidInput(f"funnel window {self.window} must be positive", field="window")


@dataclass(frozen=True)
class FunnelStep:
    name: str
    visitors: int
    conversion_rate: float  # % of the visitors who entered the funnel (step 1)
    dropoff: int  # visitors of the previous step who did not reach this one
    dropoff_rate: float  # % of the previous step


@dataclass(frozen=True)
class FunnelResult:
    name: str
    steps: tuple[FunnelStep, ...]
    all_visitors: int  # visitors of the period (with the filters), in the funnel or not
    date_range: tuple[str, str]

    @property
    def conversion_rate(self) -> float:
        """Visitors who completed the funnel, % of the period's visitors."""
        last = self.steps[-1].visitors
        return rounded(last / self.all_visitors * 100, 2) if self.all_visitors else 0.0


def _qualified(table: str, column: str) -> exp.Column:
    return exp.column(column, table=table)


def _flagged_events(
    site: str,
    rng: periods.TimeRange,
    funnel: Funnel,
    filters: tuple[FilterExpr, ...],
    include_bots: bool,
) -> exp.Select:
    """The period's events with one boolean column per step (``c1``..)."""
    where: list[exp.Expr] = [
        exp.column("site").eq(exp.Literal.string(site)),
        exp.column("ts") >= exp.Literal.string(rng.start.isoformat(sep=" ")),
        exp.column("ts") < exp.Literal.string(rng.end.isoformat(sep=" ")),
        *(condition(f, "events", rng.timezone, ()) for f in filters),
    ]
    if not include_bots:
        where.append(exp.not_(exp.column("is_bot")))
    flags = [exp.alias_(goal_condition(g), f"c{i + 1}") for i, g in enumerate(funnel.steps)]
    return exp.select("visitor_id", "ts", *flags).from_("events").where(exp.and_(*where))


def _next_step(k: int, window: timedelta) -> exp.Select:
    """Per (visitor, start t1), the earliest step-k event after step k-1, within the window."""

    def s(column: str) -> exp.Column:
        return _qualified("s", column)

    def e(column: str) -> exp.Column:
        return _qualified("e", column)

    limit = exp.DateAdd(
        this=s("t1"),
        expression=exp.Literal.number(int(window.total_seconds())),
        unit=exp.var("SECOND"),
    )
    return (
        exp.select(s("visitor_id"), s("t1"), exp.alias_(exp.Min(this=e("ts")), "t"))
        .from_(exp.alias_(exp.to_table(f"s{k - 1}"), "s", table=True))
        .join(
            exp.alias_(exp.to_table("f"), "e", table=True), on=e("visitor_id").eq(s("visitor_id"))
        )
        # Inequalities stay in WHERE: ClickHouse joins on equalities only.
        .where(exp.and_(e(f"c{k}"), e("ts") > s("t"), e("ts") <= limit))
        .group_by(s("visitor_id"), s("t1"))
    )


def funnel_statement(
    site: str,
    rng: periods.TimeRange,
    funnel: Funnel,
    filters: tuple[FilterExpr, ...],
    include_bots: bool,
) -> exp.Select:
    """``SELECT step, n``: distinct visitors for step 0 (all visitors) to the last step."""
    first = exp.select("visitor_id", exp.alias_("ts", "t1"), exp.alias_("ts", "t"))
    ctes = {
        "f": _flagged_events(site, rng, funnel, filters, include_bots),
        "s1": first.from_("f").where(exp.column("c1")),
    }
    for k in range(2, len(funnel.steps) + 1):
        ctes[f"s{k}"] = _next_step(k, funnel.window)
    distinct = exp.Count(this=exp.Distinct(expressions=[exp.column("visitor_id")]))
    counts = [
        exp.select(
            exp.alias_(exp.Literal.number(k), "step"), exp.alias_(distinct.copy(), "n")
        ).from_("f" if k == 0 else f"s{k}")
        for k in range(len(funnel.steps) + 1)
    ]
    tree = counts[0]
    for branch in counts[1:]:
        tree = exp.union(tree, branch, distinct=False)  # type: ignore[assignment]
    outer = exp.select("step", "n").from_(exp.alias_(exp.paren(tree), "u", table=True))
    for name, cte in ctes.items():
        outer = outer.with_(name, as_=cte)
    return outer


def run_funnel(
    backend: Backend,
    site: str,
    period: Period,
    funnel: Funnel,
    *,
    timezone: str = "UTC",
    now: datetime | None = None,
    filters: tuple[FilterExpr, ...] = (),
    include_bots: bool = False,
) -> FunnelResult:
    rng = periods.resolve(period, timezone, now)
    tree = funnel_statement(site, rng, funnel, filters, include_bots)
    counts = {int(s): int(n) for s, n in fetch_rows(backend, sql.generate(tree, backend.dialect))}
    reached = [counts.get(k, 0) for k in range(1, len(funnel.steps) + 1)]
    steps = []
    for k, goal in enumerate(funnel.steps):
        before = reached[k - 1] if k else reached[0]
        lost = before - reached[k]
        steps.append(
            FunnelStep(
                name=goal.name,
                visitors=reached[k],
                conversion_rate=rounded(reached[k] / reached[0] * 100, 2) if reached[0] else 0.0,
                dropoff=lost,
                dropoff_rate=rounded(lost / before * 100, 2) if before else 0.0,
            )
        )
    return FunnelResult(
        funnel.name, tuple(steps), counts.get(0, 0), (rng.first.isoformat(), rng.last.isoformat())
    )
