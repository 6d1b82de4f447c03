"""The embedded event store on a DuckDB file.

Writes go through :meth:`EventStore.ingest`, one transaction per batch: the incoming
events and the stored events of the same visitors are sessionised together and written
back, so visits are right whatever the order and batching of arrivals, and a batch is
either fully stored (with the spool position it came from) or not at all.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pilotage.errors import StoreError
from pilotage.store.events.migrations import migrate
from pilotage.store.events.schema import EVENT_NAMES, quote
from pilotage.store.events.sessionise import (
    build_visits,
    event_rows_sql,
    keys_sql,
    literal,
    number_visits,
    touched_sql,
    visit_rows_sql,
)

# The columns an ingested batch carries: the event columns the store computes are left out.
STAGED_NAMES = tuple(n for n in EVENT_NAMES if n not in ("session_id", "entry_page"))
NAMES = set(STAGED_NAMES)
# The columns of a stored visit that new events extending it change.
_EXTENDED = ", ".join(
    f"{quote(n)} = v.{quote(n)}"
    for n in ("end", "duration", "exit_page", "pageviews", "events", "is_bounce", "is_bot")
)


class EventStore:
    """Events and sessions in one DuckDB file. Thread-safe: one lock around the connection
    for writes; readers take their own cursor."""

    dialect = "duckdb"

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            if not read_only or not self.path.exists():
                # A reader of a store nobody wrote yet sees empty tables, not an error.
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if read_only:
                    with duckdb.connect(str(self.path)) as con:
                        migrate(con)
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreError(_lock_message(self.path, exc)) from None
        if not read_only:
            migrate(self.con)

    def close(self) -> None:
        with self._lock:
            self.con.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Backend protocol of pilotage.analytics
    def fetch(self, sql: str, params: Sequence[object] | None = None) -> pa.Table:
        cursor = self.con.cursor()
        try:
            rel = cursor.sql(sql, params=list(params) if params else None)
            if rel is None:
                return pa.table({})
            return rel.to_arrow_table()
        finally:
            cursor.close()

    def scalar(self, sql: str, params: Sequence[object] | None = None) -> Any:
        row = self.fetch(sql, params).to_pylist()
        return next(iter(row[0].values())) if row else None

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            self.con.execute("BEGIN")
            try:
                yield self.con
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
            self.con.execute("COMMIT")

    def ingest(
        self,
        staged: pa.Table,
        *,
        timeout_minutes: int = 30,
        spool: tuple[str, int, int] | None = None,
    ) -> int:
        """Store a batch of enriched events (columns STAGED_NAMES) and re-sessionise the
        visitors it touches; record ``spool`` = (name, segment, position) in the same
        transaction. Returns the number of events added."""
        if staged.num_rows == 0 and spool is None:
            return 0
        with self.transaction() as con:
            if staged.num_rows:
                self._ingest(con, staged.select(list(STAGED_NAMES)), timeout_minutes)
            if spool is not None:
                con.execute("INSERT OR REPLACE INTO ingest_state VALUES (?, ?, ?)", list(spool))
        return int(staged.num_rows)

    def _ingest(
        self, con: duckdb.DuckDBPyConnection, staged: pa.Table, timeout_minutes: int
    ) -> None:
        """Re-sessionise the incoming events together with the stored visits they can join.

        Visits are maximal chains of events with gaps of at most the timeout, so new
        events can only merge with stored visits of the same visitor that end at most one
        timeout before them or start at most one timeout after them ("touched" visits).
        The common case, a visitor's new events all coming after the one visit they
        touch, only extends that visit: the visit's row is updated and the new events
        take its attributes, so the visit's stored events are not read again. Otherwise
        the touched visits and their events are taken out and computed again with the
        new events. Either way the rest of the history is not touched, so a live batch
        costs what it brings, not what the store (or a long visit) holds: a dozen
        statements, the wide rows copied once into ``_incoming`` and once into
        ``events``."""
        numbered = number_visits(staged, timeout_minutes)
        con.register("_incoming_arrow", numbered)
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE _incoming AS SELECT * FROM _incoming_arrow")
        finally:
            con.unregister("_incoming_arrow")
        first, last = (v.as_py() for v in pc.min_max(staged["ts"]).values())
        con.execute(touched_sql(timeout_minutes, first, last))
        src = self._take_out_recomputed(con)
        keys = None
        if src == "_pool":
            keys = "_keys"
            con.execute(f"CREATE TEMP TABLE _keys AS {keys_sql(src, NAMES, timeout_minutes)}")
        build_visits(con, src, NAMES, keys, extend="_touched")
        floor = first - timedelta(minutes=timeout_minutes)
        con.execute(
            f"UPDATE sessions SET {_EXTENDED} FROM _visits v WHERE v._extends "
            "AND sessions.site = v.site AND sessions.visitor_id = v.visitor_id "
            "AND sessions.session_id = v.session_id AND sessions.start = v.start "
            f'AND sessions."end" >= {literal(floor)}'
        )
        con.execute(f"INSERT INTO sessions {visit_rows_sql('NOT _extends')}")
        con.execute(f"INSERT INTO events {event_rows_sql(src, NAMES, keys)}")
        con.execute(
            "; ".join(
                f"DROP TABLE IF EXISTS {t}"
                for t in ("_keys", "_visits", "_touched", "_incoming", "_pool")
            )
        )

    @staticmethod
    def _take_out_recomputed(con: duckdb.DuckDBPyConnection) -> str:
        """Move the events of the touched visits that are not merely extended into
        ``_pool`` with the incoming events, and delete them and their visits from the
        store; returns the table to sessionise (``_incoming`` when there are none)."""
        lo, hi = con.execute(
            'SELECT min(start), max("end") FROM _touched WHERE NOT _extend'
        ).fetchone() or (None, None)
        if lo is None:
            return "_incoming"
        cols = ", ".join(quote(n) for n in STAGED_NAMES)
        stored = (
            "FROM events WHERE ts BETWEEN ? AND ? AND session_id IN "
            "(SELECT session_id FROM _touched WHERE NOT _extend)"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _pool AS SELECT {cols} FROM _incoming "
            f"UNION ALL SELECT {cols} {stored}",
            [lo, hi],
        )
        con.execute(f"DELETE {stored}", [lo, hi])
        con.execute(
            "DELETE FROM sessions WHERE session_id IN "
            "(SELECT session_id FROM _touched WHERE NOT _extend)"
        )
        return "_pool"

    def spool_position(self, name: str) -> tuple[int, int] | None:
        row = self.fetch(
            "SELECT segment, position FROM ingest_state WHERE name = ?", [name]
        ).to_pylist()
        return (row[0]["segment"], row[0]["position"]) if row else None

    def purge(self, before: datetime, site: str | None = None) -> tuple[int, int]:
        """Delete events and visits older than ``before`` (UTC); returns (events, visits)."""
        where = "WHERE ts < ?" + (" AND site = ?" if site else "")
        params: list[Any] = [before.replace(tzinfo=None)] + ([site] if site else [])
        with self.transaction() as con:
            row = con.execute(f"SELECT count(*) FROM events {where}", params).fetchone()
            events = int(row[0]) if row else 0
            where_s = where.replace("ts <", "start <")
            row = con.execute(f"SELECT count(*) FROM sessions {where_s}", params).fetchone()
            visits = int(row[0]) if row else 0
            con.execute(f"DELETE FROM events {where}", params)
            con.execute(f"DELETE FROM sessions {where_s}", params)
        return events, visits

    def delete_site(self, site: str) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM events WHERE site = ?", [site])
            con.execute("DELETE FROM sessions WHERE site = ?", [site])


def _lock_message(path: Path, exc: Exception) -> str:
    text = str(exc)
    if "lock" in text.lower():
        return (
            f"the event store {path} is in use by another Pilotage process "
            "(a running `pilotage serve`?); stop it or use its web API"
        )
    return f"cannot open the event store {path}: {text.splitlines()[0]}"


def open_store(path: Path | str, *, read_only: bool = False) -> EventStore:
    return EventStore(path, read_only=read_only)
