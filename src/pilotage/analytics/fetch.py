"""Stage 5a: send a plan's SQL statements to a backend, several at once when it allows.

A ``Backend`` is anything with a ``dialect`` ("duckdb" or "clickhouse") and a
``fetch(sql)`` returning rows (tuples) or a pyarrow table. A backend whose ``fetch`` may
be called from several threads at once (each call on its own cursor or connection) says
so with ``parallel_fetch = True``; ``fetch_many`` then runs the independent statements of
one query (its parts, the comparison range, the totals) side by side. DuckDB releases
the GIL while it runs a statement, and a dashboard statement leaves cores idle in its
single-threaded phases (planning, the final merge of a COUNT(DISTINCT), Python's
conversion of the rows), so overlapping statements cuts the wall time of a query.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Protocol

import pyarrow as pa

Rows = list[tuple[Any, ...]]

# More threads than statements of one dashboard query (headline with comparison: 4)
# only adds contention on a small machine.
MAX_PARALLEL = 4


class Backend(Protocol):
    dialect: str

    def fetch(
        self, sql: str, params: Sequence[object] | None = None
    ) -> pa.Table | Sequence[Sequence[Any]]: ...


def fetch_rows(backend: Backend, text: str) -> Rows:
    got = backend.fetch(text)
    if isinstance(got, pa.Table):
        columns = got.to_pydict()
        return list(zip(*columns.values(), strict=True)) if columns else []
    return [tuple(r) for r in got]


def fetch_many(backend: Backend, texts: Sequence[str]) -> dict[str, Rows]:
    """The rows of each distinct statement of ``texts``, fetched in parallel when the
    backend has ``parallel_fetch``, else one after the other."""
    unique = list(dict.fromkeys(texts))
    if len(unique) < 2 or not getattr(backend, "parallel_fetch", False):
        return {text: fetch_rows(backend, text) for text in unique}
    got = list(_pool().map(lambda text: fetch_rows(backend, text), unique))
    return dict(zip(unique, got, strict=True))


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    # One pool for the process: starting threads anew costs about a millisecond each.
    return ThreadPoolExecutor(max_workers=MAX_PARALLEL, thread_name_prefix="pilotage-fetch")


class Prefetched:
    """A backend answering the statements fetched ahead of time from memory, and passing
    any other statement to the backend it wraps."""

    def __init__(self, backend: Backend, rows: dict[str, Rows]) -> None:
        self.backend = backend
        self.dialect = backend.dialect
        self.rows = rows

    def fetch(
        self, sql: str, params: Sequence[object] | None = None
    ) -> pa.Table | Sequence[Sequence[Any]]:
        if not params and sql in self.rows:
            return self.rows[sql]
        return self.backend.fetch(sql, params)
