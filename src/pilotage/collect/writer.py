"""The single writer loop: spools -> sessions -> event store, in batches.

It is the only code that writes collector events into the store. Every collector
process appends to a spool folder of its own under the spool root; the loop takes
batches from each folder in turn. Each batch is loaded
in one transaction together with the spool position it ends at, so after a crash the
loop starts again exactly where the last committed batch ended: nothing acknowledged is
lost and nothing is loaded twice.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from pilotage.collect.pipeline import STAGED_SCHEMA
from pilotage.collect.sessions import continue_across_midnight
from pilotage.store.events import EventStore
from pilotage.store.spool import Position, SpoolReader

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1)


def encode(row: dict[str, Any]) -> bytes:
    """A staged event as a spool record."""
    out = dict(row)
    out["ts"] = (row["ts"] - EPOCH) // timedelta(microseconds=1)
    amount = row.get("revenue_amount")
    out["revenue_amount"] = None if amount is None else str(amount)
    return orjson.dumps(out)


def decode(record: bytes) -> dict[str, Any]:
    row: dict[str, Any] = orjson.loads(record)
    row["ts"] = EPOCH + timedelta(microseconds=row["ts"])
    if row.get("revenue_amount") is not None:
        row["revenue_amount"] = Decimal(row["revenue_amount"])
    return row


_DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.uint64(): "UBIGINT",
    pa.uint16(): "USMALLINT",
    pa.bool_(): "BOOLEAN",
    pa.map_(pa.string(), pa.string()): "MAP(VARCHAR, VARCHAR)",
}


def _decode_sql() -> str:
    """The query turning a column ``r`` of spool records into STAGED_SCHEMA columns:
    ``ts`` comes as microseconds since the epoch, ``revenue_amount`` as a decimal string
    (see :func:`encode`)."""
    types, select = {}, []
    for field in STAGED_SCHEMA:
        if field.name == "ts":
            types[field.name], expr = "BIGINT", "make_timestamp(j.ts)"
        elif field.name == "revenue_amount":
            types[field.name], expr = "VARCHAR", "j.revenue_amount::DECIMAL(18, 4)"
        else:
            types[field.name], expr = _DUCKDB_TYPES[field.type], f"j.{field.name}"
        select.append(f"{expr} AS {field.name}")
    structure = orjson.dumps(types).decode()
    source = f"(SELECT from_json(decode(r), '{structure}') AS j FROM _records)"  # noqa: S608
    return f"SELECT {', '.join(select)} FROM {source}"  # noqa: S608 - schema names, constant


class BatchDecoder:
    """Spool records to a staged table, parsed by DuckDB (an in-memory database of its
    own). Same result as ``staged_table([decode(r) for r in records])``, but the
    parsing runs in C++ without the GIL, where per-record Python took about 17 µs an
    event from the collector's event loop in the same process."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.sql = _decode_sql()

    def __call__(self, records: list[bytes]) -> pa.Table:
        if not records:
            return STAGED_SCHEMA.empty_table()
        self.con.register("_records", pa.table({"r": pa.array(records, pa.binary())}))
        try:
            return self.con.sql(self.sql).to_arrow_table().cast(STAGED_SCHEMA)
        finally:
            self.con.unregister("_records")


class Writer:
    def __init__(
        self,
        store: EventStore,
        spool_root: Path,
        *,
        batch_size: int = 5000,
        timeout_minutes: int = 30,
        linger: float = 2.0,
    ) -> None:
        self.store, self.spool_root = store, spool_root
        self.readers: dict[str, SpoolReader] = {}
        self._positions: dict[str, Position] = {}
        self.batch_size = batch_size
        self.timeout = timedelta(minutes=timeout_minutes)
        self.linger = linger
        self.recent = self._seed_recent()
        self._decode = BatchDecoder()
        self._run_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.loaded = 0

    def _seed_recent(self) -> dict[tuple[str, int], int]:
        since = datetime.now(UTC).replace(tzinfo=None) - 2 * self.timeout
        rows = self.store.fetch(
            "SELECT site, visitor_id, epoch_us(max(ts)) AS last FROM events "
            "WHERE ts >= ? GROUP BY ALL",
            [since],
        ).to_pylist()
        return {(r["site"], r["visitor_id"]): r["last"] for r in rows}

    def _discover(self) -> dict[str, SpoolReader]:
        for folder in sorted(self.spool_root.glob("*/")):
            if folder.name not in self.readers:
                self.readers[folder.name] = SpoolReader(folder)
        return self.readers

    def position(self, name: str) -> Position:
        """Where the next batch of spool ``name`` starts: the position stored with the last
        loaded batch. The loop is the only writer of it, so it is read from the store
        once and then kept (a query per batch cost about 3 ms)."""
        if name in self._positions:
            return self._positions[name]
        stored = self.store.spool_position(name)
        if stored is not None:
            return Position(*stored)
        segments = self.readers[name].segments()
        return Position(segments[0] if segments else 1, 0)

    def run_once(self) -> int:
        """Load one batch; returns the number of events loaded."""
        with self._run_lock:  # the loop thread and a drain() caller must not both load
            return sum(self._load_batch(name) for name in list(self._discover()))

    def _load_batch(self, name: str) -> int:
        reader = self.readers[name]
        start = self.position(name)
        records, end = reader.read(start, self.batch_size)
        if not records:
            return 0
        table = self._decode(records)
        table = continue_across_midnight(table, self.timeout, self.recent)
        self.store.ingest(
            table,
            timeout_minutes=int(self.timeout.total_seconds() // 60),
            spool=(name, end.segment, end.offset),
        )
        self._positions[name] = end
        reader.drop_before(end)
        self._prune(table)
        self.loaded += len(records)
        return len(records)

    def _prune(self, table: pa.Table) -> None:
        if len(self.recent) < 100_000:
            return
        newest = table["ts"].cast(pa.int64()).to_pylist()[-1]
        horizon = newest - 2 * int(self.timeout.total_seconds() * 1_000_000)
        self.recent = {k: v for k, v in self.recent.items() if v >= horizon}

    def wake(self) -> None:
        self._wake.set()

    def drain(self) -> int:
        total = 0
        while n := self.run_once():
            total += n
        return total

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="spool-writer", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        """Load, then wait for more. A transaction has a fixed cost (a dozen statements,
        a commit) and competes with the collector for the CPU and the GIL, so after a
        short batch the loop lingers: under load it loads full batches, at most every
        ``linger`` seconds; at rest an event is loaded within ``linger`` seconds. Events
        are durable in the spool meanwhile, so lingering delays only their visibility."""
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                n = self.run_once()
            except Exception:  # the loop must survive a bad batch; it retries it
                log.exception("loading a spool batch failed; retrying")
                self._stop.wait(1.0)
                continue
            if n < self.batch_size:
                self._wake.wait(0.25)
                self._wake.clear()
                self._stop.wait(max(0.0, started + self.linger - time.monotonic()))

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        self.drain()
