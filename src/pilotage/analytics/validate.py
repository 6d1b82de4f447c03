"""Stage 2: check a ``Query`` and build a ``Plan`` with its period resolved to UTC.

Every error is an ``InvalidInput`` naming the bad field (``metrics``, ``dimensions``,
``filters``, ``period``, ``timezone``, ``order_by``, ...). The compatibility rules
follow Plausible's query builder (``validate_metric``, ``validate_no_metrics_filters_
conflict``, top-level-only goal and hostname filters); ours are listed in
docs/metrics.md.
"""

from __future__ import annotations

from datetime import date, datetime

from pilotage.analytics import filters as flt
from pilotage.analytics import periods
from pilotage.analytics.goals import find_goal
from pilotage.analytics.query import (
    METRICS,
    REVENUE_METRICS,
    SESSION_ONLY_METRICS,
    Plan,
    Query,
    is_known_dimension,
    is_visit_level,
)
from pilotage.errors import InvalidInput

EVENT_ONLY_FILTER_DIMS = ("page", "hostname", "event_name", "goal")


def build(query: Query, now: datetime | None = None, first_day: date | None = None) -> Plan:
    """Validate ``query`` and resolve its period (``now`` defaults to the clock)."""
    if not query.site:
        raise InvalidInput("a query needs a site", field="site")
    periods.zone(query.timezone)
    _check_metrics(query)
    _check_dimensions(query)
    _check_filters(query)
    _check_compatibility(query)
    _check_paging(query)
    current = periods.resolve(query.period, query.timezone, now, first_day)
    comparison = None
    if query.comparison is not None:
        if periods.is_minutes(query.period):
            raise InvalidInput("a period of minutes has no comparison", field="comparison")
        if query.comparison not in ("previous_period", "year_over_year"):
            raise InvalidInput(f"unknown comparison {query.comparison!r}", field="comparison")
        now_day = periods.today(now, query.timezone)
        comparison = periods.comparison_range(current, query.comparison, now_day)
    return Plan(
        query=query,
        metrics=query.metrics,
        dimensions=query.dimensions,
        filters=query.filters,
        range=current,
        comparison=comparison,
        order_by=query.order_by,
        currency=_revenue_currency(query),
    )


def _check_metrics(query: Query) -> None:
    if not query.metrics:
        raise InvalidInput("a query needs at least one metric", field="metrics")
    for metric in query.metrics:
        if metric not in METRICS:
            raise InvalidInput(
                f"unknown metric {metric!r}; known: {', '.join(METRICS)}", field="metrics"
            )
    if len(set(query.metrics)) != len(query.metrics):
        raise InvalidInput("a metric is listed twice", field="metrics")


def _check_dimensions(query: Query) -> None:
    for dim in query.dimensions:
        if not is_known_dimension(dim):
            raise InvalidInput(f"unknown dimension {dim!r}", field="dimensions")
    if len(set(query.dimensions)) != len(query.dimensions):
        raise InvalidInput("a dimension is listed twice", field="dimensions")
    if sum(d.startswith("time") for d in query.dimensions) > 1:
        raise InvalidInput("at most one time dimension", field="dimensions")
    if "goal" in query.dimensions and not query.goals:
        raise InvalidInput("dimension 'goal' needs goals", field="dimensions")
    if query.time_labels and not any(d.startswith("time") for d in query.dimensions):
        raise InvalidInput("time_labels needs a time dimension", field="include")


def _check_filters(query: Query) -> None:
    for top in query.filters:
        for cond, depth in flt.conditions(top):
            _check_condition(query, cond, depth)
        dims = flt.dimensions_of(top)
        event_only = any(d in EVENT_ONLY_FILTER_DIMS or d.startswith("prop:") for d in dims)
        if "exit_page" in dims and event_only:
            raise InvalidInput(
                "exit_page cannot be combined with event filters inside one and/or/not",
                field="filters",
            )


def _check_condition(query: Query, cond: flt.Filter, depth: int) -> None:
    if cond.op not in flt.OPS:
        raise InvalidInput(f"unknown filter operator {cond.op!r}", field="filters")
    if cond.dimension.startswith("time") or not is_known_dimension(cond.dimension):
        raise InvalidInput(f"cannot filter on {cond.dimension!r}", field="filters")
    if not cond.values:
        raise InvalidInput(f"filter on {cond.dimension!r} has no value", field="filters")
    if cond.dimension in ("goal", "hostname") and depth > 0:
        raise InvalidInput(
            f"{cond.dimension} can only be filtered at the top level", field="filters"
        )
    if cond.dimension == "goal" and cond.op in ("is", "is_not"):
        for name in cond.values:
            find_goal(query.goals, name, "filters")


def _check_compatibility(query: Query) -> None:
    metrics, dims = set(query.metrics), query.dimensions
    has_goal = "goal" in dims or any(flt.is_goal_filter(f) for f in query.filters)
    if "conversion_rate" in metrics and not has_goal:
        raise InvalidInput(
            "conversion_rate needs a goal filter or the goal dimension", field="metrics"
        )
    session_metrics = sorted(metrics & SESSION_ONLY_METRICS)
    event_dims = [d for d in dims if not is_visit_level(d) and d != "page"]
    if session_metrics and event_dims:
        raise InvalidInput(
            f"session metric(s) {', '.join(session_metrics)} cannot be split by "
            f"event dimension(s) {', '.join(event_dims)}",
            field="metrics",
        )
    if "views_per_visit" in metrics and (
        "page" in dims or "page" in flt.all_dimensions(query.filters)
    ):
        raise InvalidInput(
            "views_per_visit cannot be used with a page filter or dimension", field="metrics"
        )
    if "exit_page" in dims and metrics - SESSION_ONLY_METRICS - {"visitors", "visits"}:
        raise InvalidInput(
            "exit_page only splits visitors, visits and session metrics", field="dimensions"
        )


def _check_paging(query: Query) -> None:
    valid = set(query.metrics) | set(query.dimensions)
    for key, direction in query.order_by:
        if key not in valid:
            raise InvalidInput(
                f"order_by {key!r} is not a queried metric or dimension", field="order_by"
            )
        if direction not in ("asc", "desc"):
            raise InvalidInput(f"order_by direction {direction!r}", field="order_by")
    if query.limit is not None and query.limit < 1:
        raise InvalidInput(f"limit {query.limit} must be at least 1", field="limit")
    if query.offset < 0:
        raise InvalidInput(f"offset {query.offset} must not be negative", field="offset")


def _revenue_currency(query: Query) -> str | None:
    if not set(query.metrics) & REVENUE_METRICS:
        return None
    if query.rates is not None:
        return query.rates.currency
    currencies = {g.currency.upper() for g in query.goals if g.currency}
    if not currencies:
        raise InvalidInput("revenue metrics need a goal with a currency", field="metrics")
    if len(currencies) > 1:
        raise InvalidInput(
            f"revenue goals use {', '.join(sorted(currencies))}: give rates", field="rates"
        )
    return currencies.pop()
