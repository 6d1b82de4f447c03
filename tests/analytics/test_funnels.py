"""Funnels: steps in order, by the same visitor, within the window."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from pilotage.analytics import Funnel, Goal, run_funnel
from pilotage.errors import InvalidInput

from .data import ev, load

HOME = Goal("Home", "page", page_pattern="/")
PRICING = Goal("Pricing", "page", page_pattern="/pricing")
BUY = Goal("Buy", "event", event_name="Purchase")
T = datetime(2024, 3, 10, 10, 0)
PERIOD = (date(2024, 3, 1), date(2024, 3, 15))


def events() -> list[dict[str, object]]:
    m = timedelta(minutes=1)
    return [
        # visitor 1: all three steps in order
        ev(T, 1, 1, page="/"),
        ev(T + m, 1, 1, page="/pricing"),
        ev(T + 2 * m, 1, 1, name="Purchase", page="/pricing"),
        # visitor 2: steps 2 and 3 before step 1: only step 1 counts
        ev(T, 2, 2, page="/pricing"),
        ev(T + m, 2, 2, name="Purchase", page="/pricing"),
        ev(T + 2 * m, 2, 2, page="/"),
        # visitor 3: two steps in two visits, 3 hours apart (same visitor, inside the window)
        ev(T, 3, 3, page="/"),
        ev(T + timedelta(hours=3), 3, 4, page="/pricing"),
        # visitor 4: second step 2 days later: outside the one-day window
        ev(T, 4, 5, page="/"),
        ev(T + timedelta(days=2), 4, 6, page="/pricing"),
        # visitor 5: never enters; a robot completing everything is ignored
        ev(T, 5, 7, page="/docs"),
        ev(T, 6, 8, page="/", is_bot=True),
        ev(T + m, 6, 8, page="/pricing", is_bot=True),
    ]


def test_counts_drop_off_and_conversion() -> None:
    result = run_funnel(
        load(events()), "example.com", PERIOD, Funnel("Checkout", (HOME, PRICING, BUY))
    )
    assert [s.visitors for s in result.steps] == [4, 2, 1]
    assert [s.dropoff for s in result.steps] == [0, 2, 1]
    assert [s.conversion_rate for s in result.steps] == [100.0, 50.0, 25.0]
    assert [s.dropoff_rate for s in result.steps] == [0.0, 50.0, 50.0]
    assert result.all_visitors == 5
    assert result.conversion_rate == 20.0


def test_longer_window_links_later_steps() -> None:
    funnel = Funnel("Checkout", (HOME, PRICING), window=timedelta(days=3))
    result = run_funnel(load(events()), "example.com", PERIOD, funnel)
    assert [s.visitors for s in result.steps] == [4, 3]


def test_any_start_may_complete() -> None:
    # The first "/" is too early for the window; a later "/" starts a chain that completes.
    rows = [
        ev(T, 1, 1, page="/"),
        ev(T + timedelta(days=2), 1, 2, page="/"),
        ev(T + timedelta(days=2, minutes=5), 1, 2, page="/pricing"),
    ]
    result = run_funnel(load(rows), "example.com", PERIOD, Funnel("F", (HOME, PRICING)))
    assert [s.visitors for s in result.steps] == [1, 1]


@pytest.mark.parametrize("steps", [(HOME,), (HOME,) * 9])
def test_step_count(steps: tuple[Goal, ...]) -> None:
    with pytest.raises(InvalidInput) as err:
        Funnel("F", steps)
    assert err.value.field == "steps"
