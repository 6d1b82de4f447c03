"""Each optimiser step on a bare plan, asserting the one thing it changes."""

from __future__ import annotations

from datetime import datetime

from pilotage.analytics import Filter, Goal, Query, build
from pilotage.analytics.optimise import (
    STEPS,
    choose_tables,
    default_order,
    push_down_order,
    resolve_time_granularity,
)
from pilotage.analytics.query import Part, Plan

NOW = datetime(2024, 3, 15, 12, 0)
GOAL = Goal("Signup", "page", page_pattern="/signup")


def plan(**kw: object) -> Plan:
    return build(Query("s", **kw), now=NOW)  # type: ignore[arg-type]


def test_steps_are_listed_in_order() -> None:
    assert [s.__name__ for s in STEPS] == [
        "resolve_time_granularity",
        "default_order",
        "choose_tables",
        "push_down_order",
    ]


def test_time_becomes_day_for_a_month() -> None:
    assert resolve_time_granularity(plan(dimensions=("time",))).dimensions == ("time:day",)


def test_time_becomes_hour_for_a_day() -> None:
    p = plan(dimensions=("time",), period="day", order_by=(("time", "desc"),))
    assert resolve_time_granularity(p).order_by == (("time:hour", "desc"),)


def test_default_order_time_ascending() -> None:
    assert default_order(plan(dimensions=("time:day",))).order_by == (("time:day", "asc"),)


def test_default_order_first_metric_descending() -> None:
    p = plan(metrics=("pageviews", "visitors"), dimensions=("page",))
    assert default_order(p).order_by == (("pageviews", "desc"),)


def test_visit_level_query_reads_sessions() -> None:
    p = plan(metrics=("visitors", "visits", "bounce_rate"), dimensions=("source",))
    assert choose_tables(p).parts == (
        Part("sessions", ("visitors", "visits", "bounces", "bounce_visits"), ("source",)),
    )


def test_page_breakdown_reads_events_and_looks_up_entries() -> None:
    p = plan(metrics=("visitors", "bounce_rate"), dimensions=("page",))
    assert choose_tables(p).parts == (
        Part("events", ("visitors",), ("page",)),
        Part("sessions", ("bounces", "bounce_visits"), ("page",), "lookup"),
    )


def test_event_filter_keeps_visitors_on_events() -> None:
    p = plan(metrics=("visitors",), filters=(Filter("is", "page", ("/",)),))
    assert choose_tables(p).parts == (Part("events", ("visitors",), ()),)


def test_conversion_rate_adds_a_base_without_goal() -> None:
    p = plan(metrics=("conversion_rate",), dimensions=("goal", "source"), goals=(GOAL,))
    assert choose_tables(p).parts[-1] == Part("events", ("base_visitors",), ("source",), "base")


def test_push_down_for_top_pages() -> None:
    p = choose_tables(default_order(plan(metrics=("visitors",), dimensions=("page",), limit=5)))
    assert push_down_order(p).push_down


def test_no_push_down_for_computed_order() -> None:
    p = plan(metrics=("bounce_rate", "visits"), dimensions=("source",), limit=5)
    assert not push_down_order(choose_tables(default_order(p))).push_down
