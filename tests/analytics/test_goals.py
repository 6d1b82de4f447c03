"""Goal patterns (Plausible's wildcard rules) and goal breakdowns."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import duckdb
import pytest

from pilotage.analytics import DuckDBBackend, Filter, Goal, Query, pattern_to_regex, run_query
from pilotage.analytics.goals import page_match
from pilotage.errors import InvalidInput

from .data import NOW, half_up, within

FIRST, LAST = date(2024, 3, 1), date(2024, 3, 15)


# Examples from Plausible's docs "Pageview goals": * stays within a segment, ** does not.
@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("/blog/*", "/blog/a", True),
        ("/blog/*", "/blog/a/b", False),
        ("/blog/**", "/blog/a/b", True),
        ("/blog/**", "/blog/", True),
        ("/blog*", "/blog-post", True),
        ("/product/*/buy", "/product/shoe/buy", True),
        ("/product/*/buy", "/product/a/b/buy", False),
        ("/a.b", "/aXb", False),
        ("/signup", "/signup/x", False),
    ],
)
def test_pattern(pattern: str, path: str, hit: bool) -> None:
    assert (re.search(pattern_to_regex(pattern), path) is not None) is hit


PATHS = [
    "/blog/",
    "/blog/a/b",
    "/blog",
    "/blog/a\nb",
    "/blog\n/a",
    "/signup",
    "/signup/",
    "/a%b",
    "/blog/a",
    "/blog/a/",
    "/blogs",
    "/blog-post",
    "/p/1",
    "/p/",
    "/p/1/2",
    "/p",
    "/P/1",
    "/a_b/x",
    "/axb/x",
    "/a%b/x",
]


@pytest.mark.parametrize(
    "pattern",
    [
        "/signup",
        "/blog/**",
        "/blog**",
        "/a%b",
        "/blog/*",
        "/x\n**",
        "/blog*",
        "/p/*",
        "/a_b/*",
        "/a%b/*",
        "/*",
        "/blog/*/x",
    ],
)
def test_page_match_gives_the_regex_rows(pattern: str) -> None:
    # Equality and prefix tests stand in for the regex: they must select the same paths
    # as RE2 does with the anchored regex (DuckDB's regexp_matches is RE2).
    con = duckdb.connect()
    con.execute("CREATE TABLE t (pathname VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[p] for p in PATHS])
    fast = page_match(pattern).sql("duckdb")
    rows = con.execute(
        f"SELECT pathname, {fast}, regexp_matches(pathname, ?) FROM t", [pattern_to_regex(pattern)]
    ).fetchall()
    assert [(p, a) for p, a, _ in rows] == [(p, b) for p, _, b in rows]


def test_page_goal_needs_a_slash() -> None:
    with pytest.raises(InvalidInput) as err:
        Goal("Blog", "page", page_pattern="blog")
    assert err.value.field == "goal.page_pattern"


BLOG = Goal("Blog", "page", page_pattern="/blog/**")
PRO = Goal("Pro", "event", event_name="Purchase", props={"plan": "pro"})


def _visitors(events: list[dict[str, Any]]) -> int:
    return len({e["visitor_id"] for e in events})


def test_goal_dimension_with_conversion_rate(
    backend: DuckDBBackend, sample: list[dict[str, Any]]
) -> None:
    events = within(sample, FIRST, LAST)
    blog = [e for e in events if e["name"] == "pageview" and e["pathname"].startswith("/blog/")]
    pro = [e for e in events if e["name"] == "Purchase" and e["props"].get("plan") == "pro"]
    query = Query(
        "example.com",
        ("visitors", "events", "conversion_rate"),
        (FIRST, LAST),
        dimensions=("goal",),
        goals=(BLOG, PRO),
        order_by=(("goal", "asc"),),
    )
    rows = {r.dimensions[0]: r.metrics for r in run_query(backend, query, now=NOW).rows}
    everyone = _visitors(events)
    assert rows == {
        "Blog": (_visitors(blog), len(blog), half_up(100 * _visitors(blog) / everyone, 2)),
        "Pro": (_visitors(pro), len(pro), half_up(100 * _visitors(pro) / everyone, 2)),
    }


def test_goal_filter_with_source_dimension(
    backend: DuckDBBackend, sample: list[dict[str, Any]]
) -> None:
    events = within(sample, FIRST, LAST)
    query = Query(
        "example.com",
        ("visitors", "conversion_rate"),
        (FIRST, LAST),
        dimensions=("source",),
        goals=(BLOG, PRO),
        filters=(Filter("is", "goal", ("Pro",)),),
    )
    result = run_query(backend, query, now=NOW)
    for row in result.rows:
        source = "" if row.dimensions[0] == "(none)" else row.dimensions[0]
        mine = [e for e in events if e["referrer_source"] == source]
        pro = [e for e in mine if e["name"] == "Purchase" and e["props"].get("plan") == "pro"]
        assert row.metrics == (_visitors(pro), half_up(100 * _visitors(pro) / _visitors(mine), 2))
    assert result.rows


@pytest.mark.parametrize(
    ("pattern", "shape"),
    [("/p/*", "LIKE"), ("/a_b/*", "REGEXP"), ("/blog/**", "STARTS_WITH"), ("/x", "= '/x'")],
)
def test_page_match_takes_the_cheap_form_when_it_can(pattern: str, shape: str) -> None:
    assert shape in page_match(pattern).sql("duckdb").upper().replace("'/X'", "'/x'")


def test_exit_pages_of_visits_that_reached_a_goal(
    backend: DuckDBBackend, sample: list[dict[str, Any]]
) -> None:
    # Only visits know their exit page: a goal filter keeps the visits (started in the
    # period) with a matching event, as for the other session figures.
    from .data import sessions_of

    visits = within(sessions_of(sample), FIRST, LAST, key="start")
    pro_visits = {
        e["session_id"]
        for e in sample
        if e["name"] == "Purchase" and e["props"].get("plan") == "pro"
    }
    converted = [v for v in visits if v["session_id"] in pro_visits]
    expected: dict[str, tuple[set[int], set[int]]] = {}
    for v in converted:
        people, seen = expected.setdefault(v["exit_page"], (set(), set()))
        people.add(v["visitor_id"])
        seen.add(v["session_id"])
    query = Query(
        "example.com",
        ("visitors", "visits"),
        (FIRST, LAST),
        dimensions=("exit_page",),
        goals=(BLOG, PRO),
        filters=(Filter("is", "goal", ("Pro",)),),
    )
    result = run_query(backend, query, now=NOW)
    got = {row.dimensions[0]: row.metrics for row in result.rows}
    assert got == {page: (len(p), len(s)) for page, (p, s) in expected.items()}
    assert got
