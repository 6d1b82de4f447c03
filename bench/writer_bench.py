"""The writer loop's cost per event: Writer.run_once and EventStore.ingest by batch size.

A store is pre-filled with ``--events`` events: a day of earlier traffic from a wide
population (each event a visit of its own, so the sessions table is as large as the
events table: the harshest case for finding the visits a batch touches), then a few
minutes from the live visitors. Then batches of live traffic in the collector bench's
shape (``--visitors`` visitors cycling over 200 pages at 10,000 events/s, so nearly every
batch extends a stored visit of each visitor) are written to a spool and loaded by
``Writer.run_once`` (spool read, decoding, midnight relabelling, ingest, spool position),
and separately given to ``EventStore.ingest``. Prints wall and CPU time (this process,
DuckDB's threads included) in microseconds per event, medians over ``--repeats`` batches,
for each batch size. ``--keep DIR`` keeps the pre-filled store for the next run.

    .venv/bin/python bench/writer_bench.py [--events 1000000] [--sizes 500,2000,5000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from pilotage.collect.pipeline import enrich_one, staged_table
from pilotage.collect.sessions import continue_across_midnight
from pilotage.collect.writer import Writer, encode
from pilotage.store.events import EventStore
from pilotage.store.spool import Spool

SITE = "shop.example"
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 b"
RATE = 10_000  # live events per second of event time
T0 = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)


class FixedSalts:
    def for_day(self, day: date) -> bytes:
        return day.isoformat().encode().ljust(16, b"-")


def hit(n: int, ts: datetime, visitor: int, name: str = "pageview") -> dict[str, Any]:
    return enrich_one(
        {
            "site": SITE,
            "ts": ts,
            "name": name,
            "url": f"https://{SITE}/p/{n % 200}?utm_source=newsletter",
            "referrer": "https://www.google.com/",
            "ip": f"10.{visitor // 65536 % 256}.{visitor // 256 % 256}.{visitor % 256}",
            "user_agent": f"{UA}{visitor % 7}",
            "screen_width": 1280,
        },
        FixedSalts(),
    )


def live_rows(start: int, count: int, visitors: int) -> list[dict[str, Any]]:
    """Events ``start`` .. ``start + count`` of the live traffic, in time order."""
    return [
        hit(n, T0 + timedelta(microseconds=n * 1_000_000 // RATE), n % visitors)
        for n in range(start, start + count)
    ]


def backlog(events: int) -> Iterator[pa.Table]:
    """A day of earlier traffic, in time order: about five events per visitor and day."""
    population = max(1, events // 5)
    span = 23 * 3600 * 1_000_000
    chunk = 100_000
    for lo in range(0, events, chunk):
        rows = []
        for n in range(lo, min(events, lo + chunk)):
            ts = T0 - timedelta(hours=24) + timedelta(microseconds=n * span // events)
            name = "Signup" if n % 50 == 0 else "pageview"
            rows.append(hit(n, ts, 1_000_000 + (n * 7919) % population, name))
        yield staged_table(rows)


def prefill(path: Path, events: int, visitors: int) -> int:
    """The store before the measured batches; returns the first live event number."""
    timeout = timedelta(minutes=30)
    recent: dict[tuple[str, int], int] = {}
    with EventStore(path) as store:
        for table in backlog(events):
            store.ingest(continue_across_midnight(table, timeout, recent))
        # The live visitors' visits so far: a few minutes of traffic before the batches.
        warm = 3 * visitors
        store.ingest(continue_across_midnight(staged_table(live_rows(0, warm, visitors)), timeout))
        return warm


def measure(
    repeats: int, count: int, prepare: Callable[[], object], act: Callable[[Any], object]
) -> tuple[float, float]:
    """Median wall and CPU microseconds per event of ``act(prepare())`` (one batch of
    ``count`` events), timing ``act`` only."""
    walls, cpus = [], []
    for _ in range(repeats):
        arg = prepare()
        wall, cpu = time.perf_counter(), time.process_time()
        act(arg)
        walls.append((time.perf_counter() - wall) / count * 1e6)
        cpus.append((time.process_time() - cpu) / count * 1e6)
    return statistics.median(walls), statistics.median(cpus)


def bench_size(root: Path, base: Path, size: int, args: argparse.Namespace, first: int) -> None:
    work = root / f"store-{size}.duckdb"
    shutil.copy(base, work)
    spool_root = root / f"spool-{size}"
    shutil.rmtree(spool_root, ignore_errors=True)
    batches = iter(range(first, 1 << 62, size))
    timeout = timedelta(minutes=30)
    with EventStore(work) as store, Spool(spool_root / "main") as spool:
        writer = Writer(store, spool_root, batch_size=size)

        def spooled() -> None:
            spool.append([encode(r) for r in live_rows(next(batches), size, args.visitors)])

        def run_once(_: object) -> None:
            assert writer.run_once() == size

        def staged() -> pa.Table:
            table = staged_table(live_rows(next(batches), size, args.visitors))
            return continue_across_midnight(table, timeout, writer.recent)

        writer_us = measure(args.repeats, size, spooled, run_once)
        ingest_us = measure(args.repeats, size, staged, store.ingest)
    print(
        f"batch {size:>5}: Writer.run_once {writer_us[0]:6.1f} µs wall {writer_us[1]:6.1f} µs CPU"
        f" | EventStore.ingest {ingest_us[0]:6.1f} µs wall {ingest_us[1]:6.1f} µs CPU"
        " (per event)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000, help="events stored before")
    parser.add_argument("--sizes", default="500,2000,5000")
    parser.add_argument("--visitors", type=int, default=5000, help="live visitors")
    parser.add_argument("--repeats", type=int, default=9, help="batches timed per size")
    parser.add_argument("--keep", type=Path, help="folder to keep the pre-filled store in")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="writer-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    base = root / f"base-{args.events}-{args.visitors}.duckdb"
    first = 3 * args.visitors
    if not base.exists():
        started = time.perf_counter()
        first = prefill(base, args.events, args.visitors)
        print(f"pre-filled {args.events:,} events in {time.perf_counter() - started:.1f} s")
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            bench_size(root, base, size, args, first)
    finally:
        if args.keep is None:
            shutil.rmtree(root)


if __name__ == "__main__":
    main()
