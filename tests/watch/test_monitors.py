"""Monitors in a real SQLite app database: validation, updates, listing, due checks,
deletion."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pilotage.errors import InvalidInput, NotFound
from pilotage.sites import add_site, get_site
from pilotage.store.app import AppDB, Change, Monitor, Snapshot
from pilotage.store.app.models import _now
from pilotage.watch.monitors import (
    add_monitor,
    check_notify,
    check_thresholds,
    delete_monitor,
    due_monitors,
    get_monitor,
    list_monitors,
    parse_every,
    recent_changes,
    update_monitor,
)
from tests.watch.watch_site import app_db

URL = "https://rival.example/shop"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[AppDB]:
    database = app_db(tmp_path)
    yield database
    database.dispose()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("6h", 6 * 3600), ("30m", 1800), ("1d", 86400), ("2w", 14 * 86400), ("300", 300),
     (" 1.5H ", 5400), (600, 600)],
)  # fmt: skip
def test_intervals(text: str | int, seconds: int) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"url": "ftp://rival.example/"}, "url"),
        ({"url": "http://[::1"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"css": "div[["}, "selector"),
        ({"xpath": "//div[@"}, "selector"),
        ({"jsonpath": "$.[?"}, "selector"),
        ({"css": "p", "xpath": "//p"}, "selector"),
        ({"kind": "feed", "css": "item"}, "selector"),
        ({"kind": "price", "xpath": "//span"}, "selector"),
        ({"every": "4m"}, "every"),
        ({"every": "299"}, "every"),
        ({"every": "31d"}, "every"),
        ({"every": "soon"}, "every"),
        ({"kind": "video"}, "kind"),
        ({"thresholds": {"drop": 10}}, "thresholds"),
        ({"kind": "price", "thresholds": {"drop_pct": "ten"}}, "drop_pct"),
        ({"kind": "price", "thresholds": {"drop_pct": 0}}, "drop_pct"),
        ({"kind": "price", "thresholds": {"below": "nan"}}, "below"),
        ({"thresholds": {"min_significance": 1.5}}, "min_significance"),
        ({"thresholds": {"drop_pct": 10}}, "thresholds"),  # a text monitor has no price
        ({"notify": {"emails": ["not-an-address"]}}, "emails"),
        ({"notify": {"webhook": "javascript:alert(1)"}}, "webhook"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    db: AppDB, options: dict[str, Any], field: str
) -> None:
    url = options.pop("url", URL)
    with db.session() as s:
        site = get_site(s, "shop.example")
        with pytest.raises(InvalidInput) as caught:
            add_monitor(s, site, url, **options)
        assert caught.value.field == field
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Monitor)) == 0


def test_a_monitor_keeps_its_normalised_settings(db: AppDB) -> None:
    with db.session() as s:
        m = add_monitor(
            s, get_site(s, "shop.example"), "HTTPS://Rival.example:443/shop#top", kind="feed",
            every="1h", keywords={"include": "python, rust", "exclude": ["  ", "jobs"]},
            notify={"emails": "a@shop.example; b@shop.example", "webhook": "https://hook.example/x"},
        )  # fmt: skip
        mid = m.id
    with db.session() as s:
        m = get_monitor(s, mid)
        assert (m.url, m.name, m.every_seconds) == (URL, URL, 3600)
        assert m.keywords == {"include": ["python", "rust"], "exclude": ["jobs"]}
        assert m.notify["emails"] == ["a@shop.example", "b@shop.example"]
        assert m.notify["webhook"] == "https://hook.example/x"
        assert m.next_check_at <= _now()


def test_threshold_values() -> None:
    assert check_thresholds({"drop_pct": "10", "below": 99.5, "above": ""}) == {
        "drop_pct": 10.0,
        "below": 99.5,
    }
    assert check_notify(None) == {"emails": []}


def test_lists_are_per_site_and_a_monitor_of_another_site_is_not_found(db: AppDB) -> None:
    with db.session() as s:
        shop, other = get_site(s, "shop.example"), add_site(s, "other.example")
        mine = add_monitor(s, shop, URL).id
        theirs = add_monitor(s, other, URL + "/2").id
    with db.session() as s:
        shop, other = get_site(s, "shop.example"), get_site(s, "other.example")
        assert [m.id for m in list_monitors(s, shop)] == [mine]
        assert [m.id for m in list_monitors(s)] == [mine, theirs]
        with pytest.raises(NotFound):
            get_monitor(s, theirs, shop)
        assert get_monitor(s, theirs, other).id == theirs


def test_due_monitors_follow_next_check_and_active(db: AppDB) -> None:
    with db.session() as s:
        site = get_site(s, "shop.example")
        ids = [add_monitor(s, site, f"{URL}/{i}").id for i in range(3)]
        now = _now()
        later, paused = s.get(Monitor, ids[1]), s.get(Monitor, ids[2])
        assert later is not None and paused is not None
        later.next_check_at = now + timedelta(hours=1)
        paused.active = False
    with db.session() as s:
        assert [m.id for m in due_monitors(s, now)] == [ids[0]]
        assert [m.id for m in due_monitors(s, now + timedelta(hours=2))] == ids[:2]


def add_change(
    s: Any, monitor: Monitor, minutes: int, alerted: bool, significance: float = 0.0
) -> int:
    moment = _now() + timedelta(minutes=minutes)
    snapshot = Snapshot(monitor_id=monitor.id, taken_at=moment, fingerprint=str(minutes))
    s.add(snapshot)
    s.flush()
    change = Change(
        monitor_id=monitor.id,
        snapshot_id=snapshot.id,
        detected_at=moment,
        summary=f"change at {minutes}",
        alerted=alerted,
        significance=significance,
    )
    s.add(change)
    s.flush()
    return change.id


def test_recent_changes_newest_first_with_filters(db: AppDB) -> None:
    with db.session() as s:
        site = get_site(s, "shop.example")
        a, b = add_monitor(s, site, URL), add_monitor(s, site, URL + "/b")
        first = add_change(s, a, 1, alerted=True)
        second = add_change(s, b, 2, alerted=False)
        third = add_change(s, a, 3, alerted=False)
    with db.session() as s:
        a = get_monitor(s, a.id)
        assert [c.id for c in recent_changes(s)] == [third, second, first]
        assert [c.id for c in recent_changes(s, monitor=a)] == [third, first]
        assert [c.id for c in recent_changes(s, alerted_only=True)] == [first]
        assert [c.id for c in recent_changes(s, limit=1)] == [third]
        other = add_site(s, "other.example")
        assert recent_changes(s, site=other) == []


def test_deleting_a_monitor_deletes_its_history(db: AppDB) -> None:
    with db.session() as s:
        monitor = add_monitor(s, get_site(s, "shop.example"), URL)
        add_change(s, monitor, 1, alerted=False)
        mid = monitor.id
    with db.session() as s:
        delete_monitor(s, get_monitor(s, mid))
    with db.session() as s:
        assert s.query(Snapshot).count() == 0 and s.query(Change).count() == 0
        with pytest.raises(NotFound):
            get_monitor(s, mid)


COLUMNS = (
    "name", "url", "kind", "css", "xpath", "jsonpath", "every_seconds", "competitor",
    "keywords", "thresholds", "notify", "active",
)  # fmt: skip
HOOK = "https://hook.example/x"


def _stored(db: AppDB, monitor_id: int) -> dict[str, Any]:
    """The monitor's settings as a fresh session reads them from the database."""
    with db.session() as s:
        monitor = get_monitor(s, monitor_id)
        return {name: getattr(monitor, name) for name in COLUMNS}


def _price_monitor(db: AppDB) -> int:
    with db.session() as s:
        return add_monitor(
            s, get_site(s, "shop.example"), URL, kind="price", name="Kettle", css=".price",
            every="6h", competitor="Rival", thresholds={"drop_pct": 10},
            notify={"emails": "a@shop.example", "webhook": HOOK, "webhook_secret": "s3cret",
                    "apprise": "mailto://ops@shop.example tgram://bot/chat"},
        ).id  # fmt: skip


def test_an_update_changes_what_it_is_given_and_keeps_the_rest(db: AppDB) -> None:
    monitor_id = _price_monitor(db)
    before = _stored(db, monitor_id)
    with db.session() as s:
        update_monitor(s, get_monitor(s, monitor_id), every="1d", competitor="  Rival SA ")
    assert _stored(db, monitor_id) == before | {"every_seconds": 86400, "competitor": "Rival SA"}
    with db.session() as s:
        update_monitor(
            s, get_monitor(s, monitor_id), url="HTTPS://Rival.example:443/blog#top", name="",
            kind="text", css=None, xpath="//article", thresholds=None, active=False,
        )  # fmt: skip
    after = _stored(db, monitor_id)
    assert after == before | {
        "url": "https://rival.example/blog", "name": "https://rival.example/blog",
        "kind": "text", "css": None, "xpath": "//article", "every_seconds": 86400,
        "competitor": "Rival SA", "thresholds": {}, "active": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"url": "ftp://rival.example/"}, "url"),
        ({"url": "http://[::1"}, "url"),
        ({"css": "div[["}, "selector"),
        ({"xpath": "//p"}, "selector"),  # the price monitor keeps its CSS selector
        ({"kind": "feed"}, "selector"),  # a feed reads no selector, and .price stays
        ({"kind": "text", "css": None, "xpath": "//p"}, "thresholds"),  # drop_pct stays
        ({"kind": "video"}, "kind"),
        ({"every": "4m"}, "every"),
        ({"every": "31d"}, "every"),
        ({"thresholds": {"drop": 10}}, "thresholds"),
        ({"thresholds": {"drop_pct": 0}}, "drop_pct"),
        ({"thresholds": {"below": "nan"}}, "below"),
        ({"notify": {"emails": ["not-an-address"]}}, "emails"),
        ({"notify": {"webhook": "javascript:alert(1)"}}, "webhook"),
        ({"active": "yes"}, "active"),
    ],
)
def test_a_bad_update_names_the_field_and_changes_nothing(
    db: AppDB, options: dict[str, Any], field: str
) -> None:
    monitor_id = _price_monitor(db)
    before = _stored(db, monitor_id)
    with db.session() as s:  # the caller goes on and commits: nothing may have moved
        with pytest.raises(InvalidInput) as caught:
            update_monitor(s, get_monitor(s, monitor_id), name="Renamed", **options)
        assert caught.value.field == field
    assert _stored(db, monitor_id) == before


def _notify_after(db: AppDB, notify: dict[str, Any]) -> dict[str, Any]:
    monitor_id = _price_monitor(db)
    with db.session() as s:
        update_monitor(s, get_monitor(s, monitor_id), notify=notify)
    notified: dict[str, Any] = _stored(db, monitor_id)["notify"]
    return notified


APPRISE = ["mailto://ops@shop.example", "tgram://bot/chat"]


@pytest.mark.parametrize(
    ("notify", "secret", "apprise"),
    [
        ({"emails": "b@shop.example", "webhook": HOOK}, "s3cret", APPRISE),
        ({"webhook": "HTTPS://Hook.example:443/x"}, "s3cret", APPRISE),  # the same URL
        ({"webhook": "https://other.example/hook"}, None, APPRISE),
        ({"webhook": HOOK, "webhook_secret": "fresh"}, "fresh", APPRISE),
        (
            {"webhook": HOOK, "apprise": "json://ops.example/in"},
            "s3cret",
            ["json://ops.example/in"],
        ),
        ({"webhook": HOOK, "apprise": ""}, "s3cret", None),
    ],
)
def test_secrets_left_out_are_kept_while_the_webhook_stays(
    db: AppDB, notify: dict[str, Any], secret: str | None, apprise: list[str] | None
) -> None:
    after = _notify_after(db, notify)
    assert after.get("webhook_secret") == secret
    assert after.get("apprise") == apprise


def test_a_removed_webhook_takes_its_secret_along(db: AppDB) -> None:
    after = _notify_after(db, {"emails": "a@shop.example"})
    assert after == {"emails": ["a@shop.example"], "apprise": APPRISE}


def test_the_most_significant_changes_of_all_not_only_of_the_latest(db: AppDB) -> None:
    with db.session() as s:
        site = get_site(s, "shop.example")
        a = add_monitor(s, site, URL)
        big_and_old = add_change(s, a, 1, alerted=False, significance=0.9)
        small = [add_change(s, a, m, alerted=False, significance=0.1) for m in (2, 3)]
        tie = add_change(s, a, 4, alerted=False, significance=0.9)
    with db.session() as s:
        assert [c.id for c in recent_changes(s, limit=2)] == [tie, small[1]]
        ranked = recent_changes(s, limit=2, by_significance=True)
        assert [c.id for c in ranked] == [tie, big_and_old]  # newest first among equals


def test_an_edited_monitor_is_rescheduled(db: AppDB) -> None:
    with db.session() as s:
        monitor = add_monitor(s, get_site(s, "shop.example"), URL, every="24h")
        checked = _now() - timedelta(hours=2)
        monitor.last_checked_at, monitor.next_check_at = checked, checked + timedelta(hours=24)
        s.flush()
        update_monitor(s, monitor, every="1h")  # counts from the last check: due now
        assert monitor.next_check_at == checked + timedelta(hours=1)
        update_monitor(s, monitor, name="Renamed")  # nothing observed changed
        assert monitor.next_check_at == checked + timedelta(hours=1)
        before = _now()
        update_monitor(s, monitor, css="#price")  # watches something else: at once
        assert before <= monitor.next_check_at <= _now()
