"""Checks against a real competitor site that changes, a real SMTP server and webhook.

Expected values are worked out from the fixture texts below, not from the code's output:
word counts by splitting the paragraphs, price moves in percent of the old price, and
the significance formula of ``pilotage.watch.diff.significance`` applied by hand.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from pilotage.config import Settings, load_settings
from pilotage.sites import get_site
from pilotage.store.app import AppDB, Change, Monitor, Snapshot
from pilotage.watch.monitors import add_monitor
from pilotage.watch.runner import Outcome
from pilotage.watch.schedule import run_checks
from tests.server_support import free_port
from tests.watch.watch_site import (
    Inbox,
    WatchSite,
    app_db,
    news_page,
    product_page,
    rss_feed,
    serve_watch_site,
)

RSS = "application/rss+xml"
OLD_NEWS = ["Alpha launches a plan", "Prices start at 10 euros"]
# the first paragraph gains one word ("bigger"), a new one of two words is appended
NEW_NEWS = ["Alpha launches a bigger plan", "Prices start at 10 euros", "Beta joins"]


@pytest.fixture
def site() -> Iterator[WatchSite]:
    with serve_watch_site() as served:
        yield served


@pytest.fixture
def db(tmp_path: Path) -> Iterator[AppDB]:
    database = app_db(tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def settings_for(tmp_path: Path, smtp_port: int | None = None) -> Settings:
    if smtp_port is None:
        return load_settings(data_dir=tmp_path)
    return load_settings(
        data_dir=tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
        smtp_sender="watch@pilotage.example",
    )


def monitor(db: AppDB, url: str, **options: Any) -> int:
    with db.session() as s:
        return add_monitor(s, get_site(s, "shop.example"), url, **options).id


def check(db: AppDB, settings: Settings, *ids: int, private: bool = True) -> list[Outcome]:
    return asyncio.run(run_checks(db, settings, monitor_ids=list(ids), allow_private=private))


def one_change(db: AppDB, monitor_id: int) -> Change:
    with db.session() as s:
        changes = s.query(Change).filter_by(monitor_id=monitor_id).all()
        assert len(changes) == 1
        return changes[0]


def words(lines: list[str]) -> int:
    return len(" ".join(lines).split())


def test_text_change_lists_what_was_added_and_removed(
    db: AppDB, site: WatchSite, tmp_path: Path
) -> None:
    site.set("/news", news_page(OLD_NEWS))
    mid = monitor(db, site.url("/news"), css="#news")
    assert [o.state for o in check(db, settings_for(tmp_path), mid)] == ["first"]
    site.set("/news", news_page(NEW_NEWS))
    [outcome] = check(db, settings_for(tmp_path), mid)
    assert outcome.state == "changed" and outcome.alerted
    change = one_change(db, mid)
    # an edited line is its old version removed and its new version added, in page order
    assert change.added == ["Alpha launches a bigger plan", "Beta joins"]
    assert change.removed == ["Alpha launches a plan"]
    assert (change.words_added, change.words_removed) == (1 + 2, 0)
    assert change.summary == "+3 / -0 words"
    share = 3 / (words(OLD_NEWS) + words(NEW_NEWS))
    assert change.significance == pytest.approx(share, abs=1e-4)
    with db.session() as s:
        snapshot = s.get(Snapshot, change.snapshot_id)
        assert snapshot is not None and snapshot.text == "\n".join(NEW_NEWS)


def test_an_unchanged_page_stores_no_snapshot_but_is_rescheduled(
    db: AppDB, site: WatchSite, tmp_path: Path
) -> None:
    site.set("/news", news_page(OLD_NEWS))
    mid = monitor(db, site.url("/news"), css="#news", every="30m")
    check(db, settings_for(tmp_path), mid)
    assert [o.state for o in check(db, settings_for(tmp_path), mid)] == ["unchanged"]
    with db.session() as s:
        assert s.query(Snapshot).count() == 1 and s.query(Change).count() == 0
        m = s.get(Monitor, mid)
        assert m is not None and m.last_checked_at is not None and m.last_error is None
        assert (m.next_check_at - m.last_checked_at).total_seconds() == 30 * 60


def test_main_text_ignores_a_footer_change(db: AppDB, site: WatchSite, tmp_path: Path) -> None:
    site.set("/news", news_page(OLD_NEWS, footer="Copyright 2024 Rival SAS"))
    mid = monitor(db, site.url("/news"))
    check(db, settings_for(tmp_path), mid)
    site.set("/news", news_page(OLD_NEWS, footer="Copyright 2025 Rival SAS"))
    assert [o.state for o in check(db, settings_for(tmp_path), mid)] == ["unchanged"]
    site.set("/news", news_page(NEW_NEWS, footer="Copyright 2025 Rival SAS"))
    assert [o.state for o in check(db, settings_for(tmp_path), mid)] == ["changed"]
    assert one_change(db, mid).removed == ["Alpha launches a plan"]


def price_monitor(db: AppDB, site: WatchSite, drop_pct: float) -> int:
    site.set("/product", product_page("129.00", "InStock"))
    return monitor(
        db,
        site.url("/product"),
        kind="price",
        thresholds={"drop_pct": drop_pct},
        notify={"emails": ["buyer@shop.example"]},
    )


def test_a_ten_percent_drop_alerts_by_email(
    db: AppDB, site: WatchSite, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    mid = price_monitor(db, site, drop_pct=10)
    check(db, settings_for(tmp_path, port), mid)
    site.set("/product", product_page("115.00", "InStock"))
    [outcome] = check(db, settings_for(tmp_path, port), mid)
    assert outcome.state == "changed" and outcome.alerted
    change = one_change(db, mid)
    # (115 - 129) / 129 = -10.85 %, beyond the 10 % asked for
    assert change.summary == "Price €129.00 → €115.00 (−10.9%)"  # stored in English
    assert (change.price_old, change.price_new) == ("129.00", "115.00")
    assert change.significance == pytest.approx(14 / 129 / 0.20, abs=1e-4)
    assert change.notify_error is None
    assert len(inbox.envelopes) == 1
    assert inbox.envelopes[0].rcpt_tos == ["buyer@shop.example"]
    assert inbox.envelopes[0].mail_from == "watch@pilotage.example"
    # in French, each space kept (Python's own header folding loses some)
    assert str(inbox.message()["Subject"]).endswith(" : Prix : 129,00 € → 115,00 € (−10,9 %)")


def test_alerts_in_english_when_the_instance_says_so(
    db: AppDB, site: WatchSite, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    settings = settings_for(tmp_path, port).model_copy(update={"alert_locale": "en"})
    mid = price_monitor(db, site, drop_pct=10)
    check(db, settings, mid)
    site.set("/product", product_page("115.00", "InStock"))
    check(db, settings, mid)
    assert str(inbox.message()["Subject"]).endswith(": Price €129.00 → €115.00 (−10.9%)")
    assert "Change detected on" in inbox.message().get_body(("plain",)).get_content()


def test_a_five_percent_drop_is_recorded_without_alert(
    db: AppDB, site: WatchSite, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    mid = price_monitor(db, site, drop_pct=10)
    check(db, settings_for(tmp_path, port), mid)
    site.set("/product", product_page("122.55", "InStock"))  # 129 x 0.95
    [outcome] = check(db, settings_for(tmp_path, port), mid)
    assert outcome.state == "changed" and not outcome.alerted
    change = one_change(db, mid)
    assert change.summary == "Price €129.00 → €122.55 (−5%)"
    assert change.significance == pytest.approx(6.45 / 129 / 0.20, abs=1e-4)
    assert not change.alerted and inbox.envelopes == []


def test_going_out_of_stock(db: AppDB, site: WatchSite, tmp_path: Path) -> None:
    site.set("/product", product_page("129.00", "InStock"))
    mid = monitor(db, site.url("/product"), kind="availability")
    check(db, settings_for(tmp_path), mid)
    site.set("/product", product_page("129.00", "OutOfStock"))
    [outcome] = check(db, settings_for(tmp_path), mid)
    assert outcome.alerted
    change = one_change(db, mid)
    assert change.summary == "Availability in stock → out of stock"
    assert (change.availability_old, change.availability_new) == ("in_stock", "out_of_stock")
    assert change.significance == 1.0  # stops being buyable: the maximum
    assert change.price_old is None and change.price_new is None


def test_feed_filters_keep_only_matching_new_items(
    db: AppDB, site: WatchSite, tmp_path: Path
) -> None:
    old = [("a", "Python 3.13 is out"), ("b", "Python tips"), ("c", "Gardening")]
    site.set("/feed.xml", rss_feed(old), RSS)
    mid = monitor(db, site.url("/feed.xml"), kind="feed", keywords={"include": ["python"]})
    check(db, settings_for(tmp_path), mid)
    site.set("/feed.xml", rss_feed([("d", "Python 3.14 is out"), ("e", "Rust news"), *old]), RSS)
    [outcome] = check(db, settings_for(tmp_path), mid)
    assert outcome.alerted
    change = one_change(db, mid)
    assert change.added == ["Python 3.14 is out"] and change.summary == "1 new item"
    # kept items 2 -> 3: structure 1/3; one new item over two seen before: 1/2
    assert change.significance == pytest.approx(max(1 / 3, 1 / 2), abs=1e-4)
    site.set("/feed.xml", rss_feed([("f", "Weather"), ("d", "Python 3.14 is out"), *old]), RSS)
    assert [o.state for o in check(db, settings_for(tmp_path), mid)] == ["unchanged"]


def test_robots_txt_is_obeyed(db: AppDB, site: WatchSite, tmp_path: Path) -> None:
    site.set("/private/prices", news_page(OLD_NEWS))
    mid = monitor(db, site.url("/private/prices"))
    [outcome] = check(db, settings_for(tmp_path), mid)
    assert outcome.state == "error" and outcome.error is not None
    assert "robots.txt" in outcome.error
    assert site.asked("/robots.txt") == 1 and site.asked("/private/prices") == 0
    with db.session() as s:
        m = s.get(Monitor, mid)
        assert m is not None and m.last_error == outcome.error
        assert s.query(Snapshot).count() == 0


def test_requests_name_the_watch_robot(db: AppDB, site: WatchSite, tmp_path: Path) -> None:
    site.set("/news", news_page(OLD_NEWS))
    check(db, settings_for(tmp_path), monitor(db, site.url("/news")))
    agents = {agent.split("/")[0] for _, _, agent in site.requests}
    assert agents == {"PilotageBot-Watch"}


def test_http_errors_are_recorded(db: AppDB, site: WatchSite, tmp_path: Path) -> None:
    mid = monitor(db, site.url("/gone"))
    [outcome] = check(db, settings_for(tmp_path), mid)
    assert (outcome.state, outcome.error) == ("error", "HTTP status 404")


def test_private_addresses_are_refused_unless_allowed(
    db: AppDB, site: WatchSite, tmp_path: Path
) -> None:
    site.set("/news", news_page(OLD_NEWS))
    mid = monitor(db, site.url("/news"))
    [outcome] = check(db, settings_for(tmp_path), mid, private=False)
    assert outcome.state == "error"
    assert site.asked("/news") == 0
    allowed = load_settings(data_dir=tmp_path, watch_allow_private=True)
    assert [o.state for o in asyncio.run(run_checks(db, allowed, monitor_ids=[mid]))] == ["first"]


def test_webhook_receives_the_signed_change(db: AppDB, site: WatchSite, tmp_path: Path) -> None:
    site.set("/news", news_page(OLD_NEWS))
    notify = {"webhook": site.url("/hook"), "webhook_secret": "s3cret"}
    mid = monitor(db, site.url("/news"), css="#news", name="Rival news", notify=notify)
    check(db, settings_for(tmp_path), mid)
    assert site.posts == []
    site.set("/news", news_page(NEW_NEWS))
    check(db, settings_for(tmp_path), mid)
    [(headers, body)] = site.posts
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["x-pilotage-signature"] == expected
    document = json.loads(body)
    assert document["event"] == "watch.change"
    assert document["monitor"] == {"id": mid, "name": "Rival news", "url": site.url("/news")}
    assert document["summary"] == "+3 / -0 mots"  # in the instance's language
    assert document["added"] == ["Alpha launches a bigger plan", "Beta joins"]
    assert document["removed"] == ["Alpha launches a plan"]
    assert one_change(db, mid).notify_error is None


def test_email_without_smtp_server_is_a_recorded_failure(
    db: AppDB, site: WatchSite, tmp_path: Path
) -> None:
    site.set("/news", news_page(OLD_NEWS))
    mid = monitor(db, site.url("/news"), css="#news", notify={"emails": ["a@shop.example"]})
    check(db, settings_for(tmp_path), mid)
    site.set("/news", news_page(NEW_NEWS))
    check(db, settings_for(tmp_path), mid)
    error = one_change(db, mid).notify_error
    assert error is not None and "SMTP" in error


def test_a_price_selector_matching_nothing_is_shown_on_the_monitor(
    db: AppDB, site: WatchSite, tmp_path: Path
) -> None:
    site.set("/kettle", product_page("30.00", "InStock"))
    wrong = monitor(db, site.url("/kettle"), kind="price", css="#no-such-price")
    right = monitor(db, site.url("/kettle"), kind="price")
    assert [o.state for o in check(db, settings_for(tmp_path), wrong, right)] == ["first"] * 2
    with db.session() as s:
        missed, found = s.get(Monitor, wrong), s.get(Monitor, right)
        assert missed is not None and found is not None
        assert missed.last_error is not None and "#no-such-price" in missed.last_error
        assert found.last_error is None
