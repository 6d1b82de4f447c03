"""Due monitors are checked on time, by `run_checks` and by the server's background task."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pilotage import __version__
from pilotage.config import Settings, load_settings
from pilotage.sites import get_site
from pilotage.store.app import AppDB, Monitor, Snapshot
from pilotage.store.app.models import _now
from pilotage.watch.monitors import add_monitor
from pilotage.watch.schedule import WatchScheduler, run_checks, user_agent
from tests.watch.watch_site import WatchSite, app_db, news_page, serve_watch_site


@pytest.fixture
def site() -> Iterator[WatchSite]:
    with serve_watch_site() as served:
        served.set("/a", news_page(["First page"]))
        served.set("/b", news_page(["Second page"]))
        yield served


@pytest.fixture
def db(tmp_path: Path) -> Iterator[AppDB]:
    database = app_db(tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def private(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path, watch_allow_private=True)


def test_only_due_monitors_are_checked(db: AppDB, site: WatchSite, private: Settings) -> None:
    with db.session() as s:
        shop = get_site(s, "shop.example")
        a = add_monitor(s, shop, site.url("/a"), every="1h")
        b = add_monitor(s, shop, site.url("/b"), every="1h")
        b.next_check_at = _now() + timedelta(minutes=30)
        a_id, b_id = a.id, b.id
    outcomes = asyncio.run(run_checks(db, private))
    assert [(o.monitor_id, o.state) for o in outcomes] == [(a_id, "first")]
    assert site.asked("/b") == 0
    assert asyncio.run(run_checks(db, private)) == []  # nothing due any more
    later = _now() + timedelta(minutes=61)
    outcomes = asyncio.run(run_checks(db, private, now=later))
    assert {(o.monitor_id, o.state) for o in outcomes} == {(a_id, "unchanged"), (b_id, "first")}


def test_one_round_fetches_robots_txt_once_per_host(
    db: AppDB, site: WatchSite, private: Settings
) -> None:
    with db.session() as s:
        shop = get_site(s, "shop.example")
        for path in ("/a", "/b"):
            add_monitor(s, shop, site.url(path))
    assert len(asyncio.run(run_checks(db, private))) == 2
    assert site.asked("/robots.txt") == 1


def test_the_background_task_checks_due_monitors(
    db: AppDB, site: WatchSite, private: Settings
) -> None:
    with db.session() as s:
        mid = add_monitor(s, get_site(s, "shop.example"), site.url("/a")).id

    async def serve_a_while() -> None:
        scheduler = WatchScheduler(db, private, tick=0.05)
        scheduler.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with db.session() as s:
                if s.query(Snapshot).filter_by(monitor_id=mid).count():
                    break
            await asyncio.sleep(0.05)
        await scheduler.stop()

    asyncio.run(serve_a_while())
    with db.session() as s:
        monitor = s.get(Monitor, mid)
        assert monitor is not None and monitor.last_checked_at is not None
        assert s.query(Snapshot).count() == 1
    assert site.asked("/a") == 1  # checked once: the next check is 6 hours away


def test_user_agent_names_the_robot_and_version() -> None:
    assert user_agent().startswith(f"PilotageBot-Watch/{__version__} (+https://")
