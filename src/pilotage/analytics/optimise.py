"""Stage 3: refine a ``Plan`` with a list of small named ``Plan -> Plan`` steps.

A new rule is one function and one entry in ``STEPS`` (Plausible's
``query_optimizer.ex`` pipeline). ``choose_tables`` decides which table answers which
metric, with the rules of docs/metrics.md ("Which table answers").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pilotage.analytics import filters as flt
from pilotage.analytics import periods
from pilotage.analytics.query import (
    EITHER_METRICS,
    REVENUE_METRICS,
    SESSION_ONLY_DIMENSIONS,
    SESSION_ONLY_METRICS,
    Part,
    Plan,
    Role,
    is_visit_level,
)

# Raw aggregates ("stats") each metric is computed from, by the table that gives them.
SESSION_STATS: dict[str, tuple[str, ...]] = {
    "bounce_rate": ("bounces", "bounce_visits"),
    "visit_duration": ("duration_sum", "session_visits"),
    "views_per_visit": ("session_pageviews", "session_visits"),
}
EVENT_STATS: dict[str, tuple[str, ...]] = {
    "pageviews": ("pageviews",),
    "events": ("events",),
    "conversion_rate": ("visitors",),
}
SQL_ORDERABLE = frozenset({"visitors", "visits", "pageviews", "events", "bot_events"})


def resolve_time_granularity(plan: Plan) -> Plan:
    """A bare ``time`` dimension becomes hours, days or months by period length."""
    if "time" not in plan.dimensions:
        return plan
    chosen = "time:" + periods.default_granularity(plan.range)
    dims = tuple(chosen if d == "time" else d for d in plan.dimensions)
    order = tuple((chosen if k == "time" else k, d) for k, d in plan.order_by)
    return replace(plan, dimensions=dims, order_by=order)


def default_order(plan: Plan) -> Plan:
    """Time series read in time order; other breakdowns by their first metric, largest first."""
    if plan.order_by:
        return plan
    if plan.time_dimension is not None:
        return replace(plan, order_by=((plan.time_dimension, "asc"),))
    if plan.dimensions:
        return replace(plan, order_by=((plan.metrics[0], "desc"),))
    return plan


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def choose_tables(plan: Plan) -> Plan:
    metrics = plan.metrics
    visit_dims = all(is_visit_level(d) for d in plan.dimensions)
    visit_filters = all(is_visit_level(d) for d in flt.all_dimensions(plan.filters))
    either = [m for m in metrics if m in EITHER_METRICS]
    session = [s for m in metrics if m in SESSION_ONLY_METRICS for s in SESSION_STATS[m]]
    event = [s for m in metrics if m in EVENT_STATS for s in EVENT_STATS[m]]
    plain = set(metrics) <= EITHER_METRICS | SESSION_ONLY_METRICS
    # Only sessions know exit pages: with an event-level filter (a goal, say), they keep
    # the visits that had a matching event.
    exits = any(d in SESSION_ONLY_DIMENSIONS for d in plan.dimensions)
    if visit_dims and (session or (plain and (visit_filters or exits))):
        session, either = either + session, []
    parts: list[Part] = []
    if either or event:
        parts.append(Part("events", _unique(either + event), plan.dimensions))
    if session:
        role: Role = "main" if visit_dims else "lookup"
        parts.append(Part("sessions", _unique(session), plan.dimensions, role))
    if "conversion_rate" in metrics:
        base_dims = tuple(d for d in plan.dimensions if d != "goal")
        parts.append(Part("events", ("base_visitors",), base_dims, "base"))
    if set(metrics) & REVENUE_METRICS:
        parts.append(Part("events", ("revenue_sum", "revenue_count"), plan.dimensions, "revenue"))
    if "bot_events" in metrics:
        parts.append(Part("events", ("bot_events",), plan.dimensions, "bots"))
    return replace(plan, parts=tuple(parts))


def push_down_order(plan: Plan) -> Plan:
    """Sort and page in SQL when one statement gives every ordered value."""
    if len(plan.parts) != 1 or plan.parts[0].role != "main" or plan.query.time_labels:
        return plan
    if not plan.dimensions:
        return plan
    keys = {k for k, _ in plan.order_by}
    if keys <= SQL_ORDERABLE | set(plan.dimensions) and keys - set(plan.dimensions) <= set(
        plan.parts[0].stats
    ):
        return replace(plan, push_down=True)
    return plan


STEPS: list[Callable[[Plan], Plan]] = [
    resolve_time_granularity,
    default_order,
    choose_tables,
    push_down_order,
]


def optimise(plan: Plan) -> Plan:
    for step in STEPS:
        plan = step(plan)
    return plan
