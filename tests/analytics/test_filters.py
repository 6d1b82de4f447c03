"""Filter combinations on real rows, against the same predicate applied in Python."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from pilotage.analytics import And, DuckDBBackend, Filter, FilterExpr, Not, Or, Query, run_query

from .data import NOW, sessions_of, within

FIRST, LAST = date(2024, 3, 1), date(2024, 3, 15)
Pred = Callable[[dict[str, Any]], bool]

CASES: list[tuple[FilterExpr, Pred]] = [
    (Filter("is", "country", ("FR", "DE")), lambda e: e["country"] in ("FR", "DE")),
    (Filter("is_not", "source", ("Google",)), lambda e: e["referrer_source"] != "Google"),
    (Filter("contains", "page", ("blog",)), lambda e: "blog" in e["pathname"]),
    (
        Filter("contains", "page", ("BLOG",), case_sensitive=False),
        lambda e: "blog" in e["pathname"].lower(),
    ),
    (
        Filter("contains_not", "page", ("blog", "docs")),
        lambda e: "blog" not in e["pathname"] and "docs" not in e["pathname"],
    ),
    (
        Filter("matches", "page", ("^/blog/[^/]+$",)),
        lambda e: re.search("^/blog/[^/]+$", e["pathname"]) is not None,
    ),
    (
        Filter("matches_not", "page", ("^/b",), case_sensitive=False),
        lambda e: re.search("(?i)^/b", e["pathname"]) is None,
    ),
    (Filter("is", "prop:plan", ("pro",)), lambda e: e["props"].get("plan") == "pro"),
    (Filter("is", "prop:plan", ("(none)",)), lambda e: "plan" not in e["props"]),
    (
        Or((Filter("is", "device", ("Mobile",)), Filter("is", "source", ("Twitter",)))),
        lambda e: e["device"] == "Mobile" or e["referrer_source"] == "Twitter",
    ),
    (
        Not(And((Filter("is", "device", ("Mobile",)), Filter("is", "country", ("FR",))))),
        lambda e: not (e["device"] == "Mobile" and e["country"] == "FR"),
    ),
    (Filter("is", "event_name", ("Purchase",)), lambda e: e["name"] == "Purchase"),
]


@pytest.mark.parametrize(("expr", "pred"), CASES)
def test_filter_on_events(
    backend: DuckDBBackend, sample: list[dict[str, Any]], expr: FilterExpr, pred: Pred
) -> None:
    events = [e for e in within(sample, FIRST, LAST) if pred(e)]
    query = Query("example.com", ("visitors", "events"), (FIRST, LAST), filters=(expr,))
    result = run_query(backend, query, now=NOW)
    assert result.rows[0].metrics == (len({e["visitor_id"] for e in events}), len(events))


def test_and_of_visit_and_event_filters_on_visits(
    backend: DuckDBBackend, sample: list[dict[str, Any]]
) -> None:
    hits = {e["session_id"] for e in within(sample, FIRST, LAST) if e["pathname"] == "/pricing"}
    visits = [
        s
        for s in within(sessions_of(sample), FIRST, LAST, key="start")
        if s["session_id"] in hits and s["device"] == "Mobile"
    ]
    filters = (Filter("is", "page", ("/pricing",)), Filter("is", "device", ("Mobile",)))
    query = Query("example.com", ("visits",), (FIRST, LAST), filters=filters)
    assert run_query(backend, query, now=NOW).rows[0].metrics == (len(visits),)


def test_exit_page_filter_on_events(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    exits = {
        s["session_id"]
        for s in within(sessions_of(sample), FIRST, LAST, key="start")
        if s["exit_page"] == "/signup"
    }
    events = [e for e in within(sample, FIRST, LAST) if e["session_id"] in exits]
    query = Query(
        "example.com",
        ("pageviews",),
        (FIRST, LAST),
        filters=(Filter("is", "exit_page", ("/signup",)),),
    )
    expected = sum(e["name"] == "pageview" for e in events)
    assert run_query(backend, query, now=NOW).rows[0].metrics == (expected,)
