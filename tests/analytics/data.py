"""Hand-built event stores for the analytics tests, and plain-Python reference metrics.

``ev()`` builds one event row; ``load()`` writes events into a fresh in-memory DuckDB
and derives the sessions table from them in plain Python (first/last event, entry and
exit pageview, bounce = at most one pageview and no interactive custom event), the
way the ingestion pipeline is specified to. ``sample_events()`` is a seeded,
varied data set for cross-checks.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from pilotage.analytics import DuckDBBackend
from pilotage.store.events import schema

VISIT = schema.VISIT_NAMES
NOW = datetime(2024, 3, 15, 12, 0)  # the pinned "now" of the tests (UTC)


def ev(
    ts: datetime, visitor: int, session: int, name: str = "pageview", page: str = "/", **attrs: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {c: "" for c in schema.EVENT_NAMES}
    row.update(
        site="example.com",
        ts=ts,
        name=name,
        visitor_id=visitor,
        session_id=session,
        hostname="example.com",
        pathname=page,
        props={},
        revenue_amount=None,
        interactive=True,
        is_bot=False,
        screen_width=0,
        source_kind="demo",
    )
    row.update(attrs)
    return row


def sessions_of(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    by_session: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for e in sorted(events, key=lambda e: e["ts"]):
        by_session.setdefault((e["site"], e["session_id"]), []).append(e)
    out = []
    for (site, sid), evs in by_session.items():
        views = [e for e in evs if e["name"] == "pageview"]
        first = views[0] if views else evs[0]
        interactive = [e for e in evs if e["name"] != "pageview" and e["interactive"]]
        row = {c: first[c] for c in VISIT}
        row.update(
            site=site,
            session_id=sid,
            visitor_id=first["visitor_id"],
            start=evs[0]["ts"],
            end=evs[-1]["ts"],
            duration=(evs[-1]["ts"] - evs[0]["ts"]).total_seconds(),
            hostname=first["hostname"],
            entry_page=first["pathname"],
            exit_page=(views[-1] if views else evs[-1])["pathname"],
            pageviews=len(views),
            events=len(evs),
            is_bounce=len(views) <= 1 and not interactive,
            is_bot=first["is_bot"],
            source_kind=first["source_kind"],
        )
        out.append(row)
    return out


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, names: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    if not rows:
        return
    types = {"props": pa.map_(pa.string(), pa.string()), "revenue_amount": pa.decimal128(18, 4)}
    columns = {
        n: pa.array([list(r[n].items()) if n == "props" else r[n] for r in rows], type=types.get(n))
        for n in names
    }
    con.register("_rows", pa.table(columns))
    cols = ", ".join(schema.quote(n) for n in names)
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _rows")
    con.unregister("_rows")


def load(
    events: list[dict[str, Any]], con: duckdb.DuckDBPyConnection | None = None
) -> DuckDBBackend:
    con = con or duckdb.connect()
    con.execute(schema.duckdb_create("events", schema.EVENT_COLUMNS))
    con.execute(schema.duckdb_create("sessions", schema.SESSION_COLUMNS))
    _insert(con, "events", schema.EVENT_NAMES, events)
    _insert(con, "sessions", schema.SESSION_NAMES, sessions_of(events))
    return DuckDBBackend(con)


PAGES = ["/", "/blog", "/blog/a", "/blog/a/b", "/pricing", "/signup", "/docs/x", "/Blog/Up"]
SOURCES = [
    ("Google", "Organic Search"),
    ("", "Direct"),
    ("Twitter", "Organic Social"),
    ("Newsletter", "Email"),
]


def sample_events(seed: int = 7, visitors: int = 120) -> list[dict[str, Any]]:
    """Seeded visits over 2024-03-01..15 (UTC), with bots, goals, props and revenue."""
    rnd = random.Random(seed)
    out: list[dict[str, Any]] = []
    session = 0
    for visitor in range(1, visitors + 1):
        for _ in range(rnd.choice([1, 1, 2, 3])):
            session += 1
            start = datetime(2024, 3, 1) + timedelta(minutes=rnd.randrange(15 * 24 * 60))
            source, channel = rnd.choice(SOURCES)
            visit = dict(
                referrer_source=source,
                channel=channel,
                device=rnd.choice(["Desktop", "Mobile"]),
                country=rnd.choice(["FR", "DE", "US", ""]),
                browser=rnd.choice(["Firefox", "Chrome"]),
                utm_source=rnd.choice(["", "news"]),
                is_bot=visitor % 17 == 0,
            )
            ts = start
            pages = rnd.sample(PAGES, rnd.choice([1, 1, 2, 3, 4]))
            visit["entry_page"] = pages[0]
            for page in pages:
                out.append(ev(ts, visitor, session, page=page, **visit))
                ts += timedelta(seconds=rnd.randrange(5, 400))
                if page == "/pricing" and rnd.random() < 0.5:
                    plan = rnd.choice(["pro", "team"])
                    amount, cur = rnd.choice([(Decimal("10.50"), "EUR"), (Decimal("12"), "USD")])
                    out.append(
                        ev(
                            ts,
                            visitor,
                            session,
                            name="Purchase",
                            page=page,
                            props={"plan": plan},
                            revenue_amount=amount,
                            revenue_currency=cur,
                            **visit,
                        )
                    )
                    ts += timedelta(seconds=3)
    return out


def local_day(ts: datetime, tz: str) -> Any:
    from datetime import UTC
    from zoneinfo import ZoneInfo

    return ts.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).date()


def within(
    rows: list[dict[str, Any]],
    first: Any,
    last: Any,
    tz: str = "UTC",
    key: str = "ts",
    bots: bool = False,
) -> list[dict[str, Any]]:
    """Rows whose time falls on a local day in [first, last], robots left out."""
    return [r for r in rows if first <= local_day(r[key], tz) <= last and (bots or not r["is_bot"])]


def half_up(value: float, places: int = 0) -> float:
    return float(
        Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")
    )
