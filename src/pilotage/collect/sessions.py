"""Visits: the 30-minute rule (see pilotage.store.events.sessionise) and midnight.

Visitor ids change with the daily salt at midnight UTC. So that a visit does not break
at midnight, :func:`continue_across_midnight` gives a hit yesterday's id when the same
person (same site, IP and user agent under yesterday's salt) was seen within the timeout.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import pyarrow as pa
import pyarrow.compute as pc

from pilotage.store.events.sessionise import sessionise

__all__ = ["continue_across_midnight", "sessionise"]


def continue_across_midnight(
    hits: pa.Table, timeout: timedelta, recent: dict[tuple[str, int], int] | None = None
) -> pa.Table:
    """Give a hit yesterday's visitor id when that id was active within ``timeout`` before it.

    ``hits`` has columns site, ts, visitor_id and prev_visitor_id (0 when unknown);
    ``recent`` maps (site, visitor id) to its last event time in microseconds and is
    updated in place, so a long-running writer can carry it from batch to batch.
    Returns the table sorted by ts, with visitor_id rewritten and prev_visitor_id dropped.
    """
    hits = hits.sort_by([("ts", "ascending")])
    last = {} if recent is None else recent
    alias: dict[tuple[str, int], int] = {}
    window = int(timeout.total_seconds() * 1_000_000)
    ts_us = pc.cast(hits["ts"], pa.int64()).to_pylist()
    out = _relabel(
        hits["site"].to_pylist(),
        ts_us,
        hits["visitor_id"].to_pylist(),
        hits["prev_visitor_id"].to_pylist(),
        last,
        alias,
        window,
    )
    index = hits.schema.get_field_index("visitor_id")
    hits = hits.set_column(index, "visitor_id", pa.array(out, pa.uint64()))
    return hits.drop_columns(["prev_visitor_id"])


def _relabel(
    sites: Iterable[str],
    ts_us: list[int],
    vids: list[int],
    prevs: list[int],
    last: dict[tuple[str, int], int],
    alias: dict[tuple[str, int], int],
    window: int,
) -> list[int]:
    out = []
    for site, ts, vid, prev in zip(sites, ts_us, vids, prevs, strict=True):
        key = (site, vid)
        target = alias.get(key)
        if target is None:
            target = vid
            if key not in last and prev:
                seen = last.get((site, prev))
                if seen is not None and 0 <= ts - seen <= window:
                    target = prev
            alias[key] = target
        out.append(target)
        last[key] = ts
        last[(site, target)] = ts
    return out
