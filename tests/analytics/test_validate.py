"""Validation names the bad field; a valid query gets its period resolved to UTC."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from pilotage.analytics import And, Filter, Goal, Query, build
from pilotage.errors import InvalidInput

NOW = datetime(2024, 3, 15, 12, 0)
SIGNUP = Goal("Signup", "page", page_pattern="/signup")


def test_build_resolves_period_in_site_zone() -> None:
    plan = build(
        Query("s", period="day", timezone="Europe/Paris", comparison="previous_period"), now=NOW
    )
    assert (plan.range.start, plan.range.end) == (
        datetime(2024, 3, 14, 23),
        datetime(2024, 3, 15, 23),
    )
    assert plan.comparison is not None and plan.comparison.first == date(2024, 3, 14)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"site": ""}, "site"),
        ({"metrics": ()}, "metrics"),
        ({"metrics": ("visitors", "visitors")}, "metrics"),
        ({"metrics": ("hits",)}, "metrics"),
        ({"dimensions": ("planet",)}, "dimensions"),
        ({"dimensions": ("time:decade",)}, "dimensions"),
        ({"dimensions": ("time:day", "time:hour")}, "dimensions"),
        ({"dimensions": ("goal",)}, "dimensions"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"period": "fortnight"}, "period"),
        ({"filters": (Filter("is", "planet", ("x",)),)}, "filters"),
        ({"filters": (Filter("is", "page", ()),)}, "filters"),
        ({"filters": (Filter("is", "time:day", ("x",)),)}, "filters"),
        ({"filters": (Filter("is", "goal", ("Nope",)),), "goals": (SIGNUP,)}, "filters"),
        ({"filters": (And((Filter("is", "goal", ("Signup",)),)),), "goals": (SIGNUP,)}, "filters"),
        (
            {"filters": (And((Filter("is", "exit_page", ("/",)), Filter("is", "page", ("/",)))),)},
            "filters",
        ),
        ({"metrics": ("conversion_rate",)}, "metrics"),
        ({"metrics": ("bounce_rate",), "dimensions": ("event_name",)}, "metrics"),
        ({"metrics": ("visit_duration",), "dimensions": ("prop:plan",)}, "metrics"),
        ({"metrics": ("views_per_visit",), "dimensions": ("page",)}, "metrics"),
        ({"metrics": ("views_per_visit",), "filters": (Filter("is", "page", ("/",)),)}, "metrics"),
        ({"metrics": ("pageviews",), "dimensions": ("exit_page",)}, "dimensions"),
        ({"metrics": ("revenue",)}, "metrics"),
        ({"order_by": (("pageviews", "desc"),)}, "order_by"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"time_labels": True}, "include"),
        ({"comparison": "last_week"}, "comparison"),
    ],
)
def test_errors_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        build(Query(**{"site": "s", **changes}), now=NOW)
    assert err.value.field == field


def test_revenue_goals_in_two_currencies_need_rates() -> None:
    goals = (
        Goal("A", "event", event_name="a", currency="EUR"),
        Goal("B", "event", event_name="b", currency="USD"),
    )
    with pytest.raises(InvalidInput) as err:
        build(Query("s", metrics=("revenue",), goals=goals), now=NOW)
    assert err.value.field == "rates"


def test_session_metrics_split_by_page_are_allowed() -> None:
    plan = build(Query("s", metrics=("visitors", "bounce_rate"), dimensions=("page",)), now=NOW)
    assert plan.dimensions == ("page",)
