"""Sessionisation on hand-built event sequences, stored through the real pipeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from pilotage.collect.hit import Hit, hits_to_table
from pilotage.collect.pipeline import enrich_table
from pilotage.collect.sessions import continue_across_midnight
from pilotage.store.events import EventStore

UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


class FixedSalts:
    def for_day(self, day: date) -> bytes:
        return day.isoformat().encode().ljust(16, b"-")


def hit(minutes: float, path: str = "/", name: str = "pageview", **kw: Any) -> Hit:
    base = kw.pop("t0", T0)
    return Hit(
        site="shop.example",
        ts=base + timedelta(minutes=minutes),
        name=name,
        url="https://shop.example" + path,
        ip=kw.pop("ip", "81.2.69.142"),
        user_agent=UA,
        **kw,
    )


def store_hits(tmp_path: Path, batches: list[list[Hit]]) -> EventStore:
    store = EventStore(tmp_path / "events.duckdb")
    recent: dict[tuple[str, int], int] = {}
    for batch in batches:
        staged = enrich_table(hits_to_table(batch), FixedSalts())
        store.ingest(continue_across_midnight(staged, timedelta(minutes=30), recent))
    return store


def visits(store: EventStore) -> list[dict[str, Any]]:
    return store.fetch(
        'SELECT start, "end", duration, entry_page, exit_page, pageviews, events, is_bounce '
        "FROM sessions ORDER BY start"
    ).to_pylist()


def test_thirty_minutes_of_inactivity_end_a_visit(tmp_path: Path) -> None:
    store = store_hits(tmp_path, [[hit(0), hit(30, "/a"), hit(60.01, "/b")]])
    rows = visits(store)
    assert [(r["entry_page"], r["pageviews"]) for r in rows] == [("/", 2), ("/b", 1)]


def test_exactly_thirty_minutes_keeps_the_visit(tmp_path: Path) -> None:
    store = store_hits(tmp_path, [[hit(0), hit(30), hit(60)]])
    assert len(visits(store)) == 1


def test_bounce_duration_entry_and_exit(tmp_path: Path) -> None:
    store = store_hits(
        tmp_path,
        [[hit(0, "/home"), hit(2, "/p/1"), hit(5, "/cart"), hit(100, "/blog")]],
    )
    first, second = visits(store)
    assert (first["entry_page"], first["exit_page"]) == ("/home", "/cart")
    assert first["duration"] == 300.0 and not first["is_bounce"]
    assert second["is_bounce"] and second["duration"] == 0.0


def test_interactive_event_turns_a_bounce_into_an_engaged_visit(tmp_path: Path) -> None:
    store = store_hits(
        tmp_path,
        [
            [
                hit(0),
                hit(1, name="Signup"),
                hit(100, "/x"),
                hit(101, "/x", "Scroll", interactive=False),
            ]
        ],
    )
    engaged, bounced = visits(store)
    assert not engaged["is_bounce"] and engaged["events"] == 2
    assert bounced["is_bounce"] and bounced["events"] == 2


def test_exit_page_is_last_pageview_not_last_event(tmp_path: Path) -> None:
    store = store_hits(tmp_path, [[hit(0, "/a"), hit(1, "/b"), hit(2, "/b", "Download")]])
    (v,) = visits(store)
    assert v["exit_page"] == "/b" and v["duration"] == 120.0


def test_visit_continues_across_midnight(tmp_path: Path) -> None:
    night = datetime(2026, 3, 10, 23, 50, tzinfo=UTC)
    store = store_hits(
        tmp_path,
        [[hit(0, "/a", t0=night), hit(15, "/b", t0=night), hit(40, "/c", t0=night)]],
    )
    (v,) = visits(store)
    assert (v["entry_page"], v["exit_page"], v["pageviews"]) == ("/a", "/c", 3)
    assert store.scalar("SELECT count(DISTINCT visitor_id) FROM events") == 1


def test_midnight_after_a_long_pause_is_a_new_visit(tmp_path: Path) -> None:
    night = datetime(2026, 3, 10, 23, 10, tzinfo=UTC)
    store = store_hits(tmp_path, [[hit(0, "/a", t0=night), hit(55, "/b", t0=night)]])
    assert [v["entry_page"] for v in visits(store)] == ["/a", "/b"]


def test_out_of_order_events_give_the_same_visits(tmp_path: Path) -> None:
    ordered = [hit(0, "/a"), hit(10, "/b"), hit(25, "/c"), hit(50, "/d"), hit(120, "/e")]
    shuffled = [ordered[3], ordered[0], ordered[4], ordered[2], ordered[1]]
    a = visits(store_hits(tmp_path / "a", [ordered]))
    b = visits(store_hits(tmp_path / "b", [[h] for h in shuffled]))
    assert a == b
    assert [(v["entry_page"], v["exit_page"]) for v in a] == [("/a", "/d"), ("/e", "/e")]


def test_late_event_bridges_two_visits(tmp_path: Path) -> None:
    store = store_hits(tmp_path, [[hit(0, "/a"), hit(50, "/c")], [hit(25, "/b")]])
    (v,) = visits(store)
    assert (v["entry_page"], v["exit_page"], v["pageviews"]) == ("/a", "/c", 3)


@pytest.mark.parametrize("size", [1, 2, 7])
def test_batching_does_not_change_visits(tmp_path: Path, size: int) -> None:
    hits = [hit(m, f"/{m}", ip=ip) for m in (0, 3, 40, 41, 90) for ip in ("81.2.69.142", "2.2.2.2")]
    bulk = store_hits(tmp_path / "bulk", [hits])
    batched = store_hits(tmp_path / "b", [hits[i : i + size] for i in range(0, len(hits), size)])
    assert visits(bulk) == visits(batched)
    query = "SELECT ts, pathname, session_id, entry_page FROM events ORDER BY ts, pathname"
    assert bulk.fetch(query).to_pylist() == batched.fetch(query).to_pylist()


def test_visit_attributes_come_from_the_first_pageview(tmp_path: Path) -> None:
    store = store_hits(
        tmp_path,
        [[hit(5, "/b", referrer="https://www.google.com/"), hit(0, "/a?utm_source=news")]],
    )
    query = "SELECT DISTINCT referrer_source, referrer, entry_page FROM events"
    assert store.fetch(query).to_pylist() == [
        {"referrer_source": "news", "referrer": "", "entry_page": "/a"}
    ]


def test_utm_columns_given_by_an_importer_drive_source_and_channel(tmp_path: Path) -> None:
    table = hits_to_table([hit(0, "/landing")])
    for name, value in (("utm_source", "newsletter"), ("utm_medium", "email")):
        table = table.append_column(name, pa.array([value]))
    store = EventStore(tmp_path / "e.duckdb")
    staged = enrich_table(table, FixedSalts())
    store.ingest(continue_across_midnight(staged, timedelta(minutes=30)))
    row = store.fetch("SELECT utm_source, utm_medium, channel, pathname FROM events").to_pylist()
    assert row == [
        {
            "utm_source": "newsletter",
            "utm_medium": "email",
            "channel": "Email",
            "pathname": "/landing",
        }
    ]
