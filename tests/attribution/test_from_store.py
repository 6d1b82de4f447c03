"""Journeys read from a DuckDB event store built from hand-made events."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pilotage.analytics import Goal
from pilotage.attribution import journeys_from_store
from pilotage.errors import InvalidInput
from pilotage.store.events.duckdb_store import EventStore
from tests.analytics.data import ev, load

T = datetime(2024, 3, 10, 12)
BUY = Goal("Buy", "event", event_name="Purchase", currency="EUR")
PERIOD = (date(2024, 3, 1), date(2024, 3, 14))


def buy(ts: datetime, visitor: int, session: int, amount: str = "10") -> dict[str, object]:
    return ev(
        ts, visitor, session, name="Purchase",
        revenue_amount=Decimal(amount), revenue_currency="EUR",
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    events = [
        # visitor 1: Search 40 days ago (outside the lookback), Search 3 days, Email, buys.
        ev(T - timedelta(days=40), 1, 1, channel="Organic Search"),
        ev(T - timedelta(days=3), 1, 2, channel="Organic Search"),
        ev(T, 1, 3, channel="Email"),
        buy(T + timedelta(minutes=1), 1, 3, "10"),
        # then buys again in a new Direct visit: that path is Direct alone.
        ev(T + timedelta(days=1), 1, 4, channel="Direct"),
        buy(T + timedelta(days=1, minutes=2), 1, 4, "5"),
        # and a second purchase in the same visit: no touch left, unattributed.
        buy(T + timedelta(days=1, minutes=3), 1, 4, "7"),
        # visitor 2 never buys: a null path Social > Direct.
        ev(T - timedelta(days=2), 2, 5, channel="Organic Social"),
        ev(T, 2, 6, channel="Direct"),
        # visitor 3 is a bot that buys: ignored.
        ev(T, 3, 7, channel="Email", is_bot=True),
        {**buy(T + timedelta(minutes=1), 3, 7), "is_bot": True},
    ]
    es = EventStore(tmp_path / "events.duckdb")
    load(events, con=es.con)
    return es


def test_paths_values_ages_and_nulls(store: EventStore) -> None:
    j = journeys_from_store(store, "example.com", PERIOD, BUY)
    converting = sorted((p for p in j.paths if p.conversions), key=lambda p: len(p.channels))
    assert [p.channels for p in converting] == [("Direct",), ("Organic Search", "Email")]
    assert [p.value for p in converting] == [5.0, 10.0]
    assert converting[1].ages == pytest.approx((3 + 60 / 86400, 60 / 86400))
    assert [(p.channels, p.nulls) for p in j.paths if p.nulls] == [
        (("Organic Social", "Direct"), 1.0)
    ]
    assert (j.unattributed_conversions, j.unattributed_value) == (1.0, 7.0)


def test_a_goal_without_currency_has_no_value(store: EventStore) -> None:
    j = journeys_from_store(
        store, "example.com", PERIOD, Goal("Buy", "event", event_name="Purchase")
    )
    assert j.value == 0.0 and j.conversions == 2.0


def test_shorter_lookback_drops_old_touches(store: EventStore) -> None:
    j = journeys_from_store(store, "example.com", PERIOD, BUY, lookback_days=1)
    assert sorted(p.channels for p in j.paths if p.conversions) == [("Direct",), ("Email",)]


def test_bad_lookback(store: EventStore) -> None:
    with pytest.raises(InvalidInput) as err:
        journeys_from_store(store, "example.com", PERIOD, BUY, lookback_days=0)
    assert err.value.field == "lookback"
