"""Parsing the Stats-API-v2 JSON form and the CLI strings into a Query."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pilotage.analytics import And, Filter, Goal, Not, Or, parse_cli, parse_filter_text, parse_query
from pilotage.analytics.goals import pattern_to_regex
from pilotage.errors import InvalidInput


def test_plausible_example_query() -> None:
    query = parse_query(
        {
            "site_id": "dummy.site",
            "metrics": ["visitors", "pageviews", "bounce_rate", "average_revenue"],
            "date_range": ["2024-01-01", "2024-01-31"],
            "filters": [
                ["is_not", "visit:country", [""]],
                ["contains", "event:page", ["blog"], {"case_sensitive": False}],
            ],
            "dimensions": ["visit:source", "event:props:plan", "time:day"],
            "order_by": [["visitors", "desc"]],
            "include": {"time_labels": True, "comparisons": {"mode": "previous_period"}},
            "pagination": {"limit": 10, "offset": 5},
        }
    )
    assert query.metrics == ("visitors", "pageviews", "bounce_rate", "average_order_value")
    assert query.period == (date(2024, 1, 1), date(2024, 1, 31))
    assert query.dimensions == ("source", "prop:plan", "time:day")
    assert query.filters == (
        Filter("is_not", "country", ("",)),
        Filter("contains", "page", ("blog",), case_sensitive=False),
    )
    assert (query.comparison, query.limit, query.offset, query.time_labels) == (
        "previous_period",
        10,
        5,
        True,
    )


def test_nested_json_filters() -> None:
    query = parse_query(
        {
            "site_id": "s",
            "metrics": ["visitors"],
            "filters": [
                ["or", [["is", "visit:source", ["Google"]], ["not", ["is", "event:page", ["/"]]]]]
            ],
        }
    )
    assert query.filters == (
        Or((Filter("is", "source", ("Google",)), Not(Filter("is", "page", ("/",))))),
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"metrics": ["visitors"]}, "site_id"),
        ({"site_id": "s", "metrics": "visitors"}, "metrics"),
        ({"site_id": "s", "metrics": ["visitors"], "date_range": 7}, "date_range"),
        (
            {"site_id": "s", "metrics": ["visitors"], "date_range": ["2024-13-01", "x"]},
            "date_range",
        ),
        (
            {"site_id": "s", "metrics": ["visitors"], "filters": [["equals", "page", ["/"]]]},
            "filters",
        ),
        ({"site_id": "s", "metrics": ["visitors"], "order_by": [["visitors", "up"]]}, "order_by"),
        (
            {"site_id": "s", "metrics": ["visitors"], "pagination": {"limit": "10"}},
            "pagination.limit",
        ),
        (
            {"site_id": "s", "metrics": ["visitors"], "include": {"comparisons": {"mode": "x"}}},
            "include.comparisons",
        ),
        ({"site_id": "s", "metrics": ["visitors"], "colour": "red"}, "colour"),
    ],
)
def test_json_errors_name_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_query(data)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("source!=Google", (Filter("is_not", "source", ("Google",)),)),
        ("country==FR|DE", (Filter("is", "country", ("FR", "DE")),)),
        ("page~=blog", (Filter("contains", "page", ("blog",)),)),
        ("page!~=blog", (Filter("contains_not", "page", ("blog",)),)),
        ("page=~^/(a|b)$", (Filter("matches", "page", ("^/(a|b)$",)),)),
        ("page!=~^/b", (Filter("matches_not", "page", ("^/b",)),)),
        ("i(source==google)", (Filter("is", "source", ("google",), case_sensitive=False),)),
        (
            "prop:plan==pro;device==Mobile",
            (Filter("is", "prop:plan", ("pro",)), Filter("is", "device", ("Mobile",))),
        ),
        (
            "not(page~=blog;device==Mobile)",
            (
                Not(
                    And(
                        (Filter("contains", "page", ("blog",)), Filter("is", "device", ("Mobile",)))
                    )
                ),
            ),
        ),
        (
            "any(source==Bing;utm_source==bing)",
            (Or((Filter("is", "source", ("Bing",)), Filter("is", "utm_source", ("bing",)))),),
        ),
        ("page==/blog/*", (Filter("matches", "page", (pattern_to_regex("/blog/*"),)),)),
        ("", ()),
    ],
)
def test_cli_filter_grammar(text: str, expected: tuple[object, ...]) -> None:
    assert parse_filter_text(text) == expected


@pytest.mark.parametrize("text", ["page", "page==", "not(page==/", "page==a|", "page)==a"])
def test_cli_filter_errors(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_filter_text(text)
    assert err.value.field == "filters"


def test_parse_cli() -> None:
    goal = Goal("Signup", "page", page_pattern="/signup")
    query = parse_cli(
        "example.com",
        metrics="visitors, pageviews",
        by="source,device",
        period="2024-01-01..2024-01-07",
        compare="yoy",
        order="pageviews",
        limit=5,
        goals=(goal,),
    )
    assert query.metrics == ("visitors", "pageviews")
    assert query.dimensions == ("source", "device")
    assert query.period == (date(2024, 1, 1), date(2024, 1, 7))
    assert (query.comparison, query.order_by, query.limit) == (
        "year_over_year",
        (("pageviews", "desc"),),
        5,
    )
    assert query.goals == (goal,)


def test_parse_cli_bad_comparison() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_cli("s", compare="last_week")
    assert err.value.field == "compare"
