"""The backend seam of the run stage: what a backend is, and its rows as tuples.

A ``Backend`` is anything with a ``dialect`` ("duckdb" or "clickhouse") and a
``fetch(sql)`` returning rows (tuples) or a pyarrow table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import pyarrow as pa

Rows = list[tuple[Any, ...]]


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
