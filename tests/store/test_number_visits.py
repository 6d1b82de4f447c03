"""The writer's fast path (visits numbered in Arrow, picks by rowid) gives the visits of the
SQL rule (windows, picks by struct keys) on the same events."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pilotage.collect.hit import Hit, hits_to_table
from pilotage.collect.pipeline import enrich_table
from pilotage.store.events import STAGED_NAMES, EventStore
from pilotage.store.events.sessionise import keys_sql, number_visits, sessionise

T0 = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)  # visits cross midnight
AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
)


class FixedSalts:
    def for_day(self, day: date) -> bytes:
        return b"same salt every day"[:16]


def random_hits(seed: int, count: int = 300) -> list[Hit]:
    """Hits of a few visitors on two sites with ties: equal times (a pageview and a custom
    event, two pages), gaps of exactly the timeout and just over it."""
    rng = random.Random(seed)
    hits = []
    for _ in range(count):
        minute = rng.choice((0, 30, 30, 61, 91.5, 92, 150)) + rng.randrange(4) * 45
        name = rng.choice(("pageview", "pageview", "signup", "scroll"))
        page = rng.choice(("/", "/a", "/b"))
        hits.append(
            Hit(
                site=rng.choice(("shop.example", "blog.example")),
                ts=T0 + timedelta(minutes=minute),
                name=name,
                url=f"https://shop.example{page}",
                # Attributes follow (time, name, page), so rows tied on the rule's order are
                # identical and either may be picked.
                referrer=f"https://ref{int(minute) % 3}.example/{name}{page}",
                ip=f"10.0.0.{rng.randrange(4)}",
                user_agent=AGENTS[rng.random() < 0.2],
                interactive=name != "scroll",
            )
        )
    return hits


def staged(hits: list[Hit]) -> pa.Table:
    table = enrich_table(hits_to_table(hits), FixedSalts())
    return table.select(list(STAGED_NAMES)).append_column("row", pa.array(range(len(hits))))


def partition(rows: list[dict[str, Any]]) -> set[frozenset[int]]:
    visits: dict[tuple[str, int, int], set[int]] = {}
    for r in rows:
        visits.setdefault((r["site"], r["visitor_id"], r["_seq"]), set()).add(r["row"])
    return {frozenset(v) for v in visits.values()}


def test_numbered_visits_are_those_of_the_windows() -> None:
    table = staged(random_hits(1))
    con = duckdb.connect()
    con.register("t", table)
    con.execute("CREATE TABLE src AS SELECT * FROM t")
    by_windows = con.sql(
        f"SELECT k._seq, s.* FROM ({keys_sql('src', set(table.column_names), 30)}) k "
        "JOIN src s ON s.rowid = k._r"
    ).to_arrow_table()
    numbered = number_visits(table, 30)
    assert numbered.num_rows == table.num_rows
    assert partition(numbered.to_pylist()) == partition(by_windows.to_pylist())
    assert len(partition(numbered.to_pylist())) > 10


def test_one_ingest_stores_what_the_sql_rule_computes(tmp_path: Path) -> None:
    table = staged(random_hits(2)).drop_columns(["row"])
    with EventStore(tmp_path / "e.duckdb") as store:
        store.ingest(table)
        events = store.fetch("SELECT * FROM events ORDER BY ALL").to_pylist()
        sessions = store.fetch("SELECT * FROM sessions ORDER BY ALL").to_pylist()
    con = duckdb.connect()
    con.register("t", table)
    con.execute("CREATE TABLE src AS SELECT * FROM t")
    sessionise(con, "src", "e", "s", 30)
    assert events == con.sql("SELECT * FROM e ORDER BY ALL").to_arrow_table().to_pylist()
    assert sessions == con.sql("SELECT * FROM s ORDER BY ALL").to_arrow_table().to_pylist()
    assert any(not s["pageviews"] for s in sessions) and any(s["is_bot"] for s in sessions)
