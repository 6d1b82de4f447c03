"""Batches that only extend stored visits (the writer's common case) give the same
events and visits as loading everything at once, and as the 30-minute rule by hand."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pilotage.collect.hit import Hit, hits_to_table
from pilotage.collect.pipeline import enrich_table
from pilotage.collect.salts import visitor_id
from pilotage.collect.sessions import continue_across_midnight
from pilotage.store.events import EventStore

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
REFERRERS = ("", "https://www.google.com/", "https://news.ycombinator.com/")


class FixedSalts:
    def for_day(self, day: date) -> bytes:
        return day.isoformat().encode().ljust(16, b"-")


def random_hits(seed: int, count: int = 90) -> list[Hit]:
    """Hits of five visitors over three hours, in time order; some visits start with
    custom events, some events are not interactive, one visitor is a robot."""
    rng = random.Random(seed)
    hits = []
    for _ in range(count):
        person = rng.randrange(5)
        name = rng.choice(("pageview", "pageview", "pageview", "signup", "scroll"))
        hits.append(
            Hit(
                site="shop.example",
                ts=T0 + timedelta(seconds=rng.randrange(3 * 3600)),
                name=name,
                url=f"https://shop.example/p{rng.randrange(6)}?utm_source=s{rng.randrange(3)}",
                referrer=rng.choice(REFERRERS),
                ip=f"10.0.0.{person}",
                user_agent=BOT if person == 4 else BROWSER,
                interactive=name != "scroll",
            )
        )
    return sorted(hits, key=lambda h: h.ts)


def load(path: Path, batches: list[list[Hit]]) -> EventStore:
    store = EventStore(path)
    recent: dict[tuple[str, int], int] = {}
    for batch in batches:
        staged = enrich_table(hits_to_table(batch), FixedSalts())
        store.ingest(continue_across_midnight(staged, timedelta(minutes=30), recent))
    return store


def rows(store: EventStore, table: str) -> list[dict[str, Any]]:
    return store.fetch(f"SELECT * FROM {table} ORDER BY ALL").to_pylist()


def in_time_order(hits: list[Hit], rng: random.Random) -> list[list[Hit]]:
    batches, i = [], 0
    while i < len(hits):
        size = rng.randrange(1, 12)
        batches.append(hits[i : i + size])
        i += size
    return batches


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batches_in_time_order_give_the_visits_of_one_load(tmp_path: Path, seed: int) -> None:
    hits = random_hits(seed)
    bulk = load(tmp_path / "bulk.duckdb", [hits])
    live = load(tmp_path / "live.duckdb", in_time_order(hits, random.Random(seed)))
    assert rows(live, "sessions") == rows(bulk, "sessions")
    assert rows(live, "events") == rows(bulk, "events")


def test_mixed_order_batches_give_the_visits_of_one_load(tmp_path: Path) -> None:
    hits = random_hits(7)
    late = set(random.Random(7).sample(range(60), 15))
    # Mostly in time order with late stragglers: both the extending and the
    # recomputing path run, in the same batches.
    early = [h for i, h in enumerate(hits[:60]) if i not in late]
    batches = [*in_time_order(early, random.Random(8)), [hits[i] for i in late], hits[60:]]
    bulk = load(tmp_path / "bulk.duckdb", [hits])
    mixed = load(tmp_path / "mixed.duckdb", batches)
    assert rows(mixed, "sessions") == rows(bulk, "sessions")
    assert rows(mixed, "events") == rows(bulk, "events")


def by_hand(hits: list[Hit]) -> list[tuple[int, int, int]]:
    """(visitor id, events, pageviews) of each visit: gaps of at most 30 minutes chain
    events."""
    out = []
    salt = FixedSalts().for_day(T0.date())
    for ip, ua in sorted({(h.ip, h.user_agent) for h in hits}):
        vid = visitor_id(salt, "shop.example", ip, ua)
        times = sorted((h.ts, h.name) for h in hits if h.ip == ip)
        visit: list[str] = []
        for i, (ts, name) in enumerate(times):
            if i and ts - times[i - 1][0] > timedelta(minutes=30):
                out.append((vid, len(visit), visit.count("pageview")))
                visit = []
            visit.append(name)
        out.append((vid, len(visit), visit.count("pageview")))
    return sorted(out)


def test_extended_visits_follow_the_thirty_minute_rule(tmp_path: Path) -> None:
    hits = random_hits(11, count=60)
    live = load(tmp_path / "live.duckdb", [[h] for h in hits])
    got = live.fetch("SELECT visitor_id, events, pageviews FROM sessions ORDER BY ALL")
    assert [tuple(r.values()) for r in got.to_pylist()] == by_hand(hits)
