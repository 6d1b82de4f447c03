"""Top N by visitors with exact counts on the candidate groups only (analytics.topn)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

import pytest

from pilotage.analytics import DuckDBBackend, Query, build, optimise, run_query, sql, topn
from pilotage.analytics.fetch import fetch_rows

from .data import NOW, ev, load

DAY = datetime(2024, 3, 10, 9, 0)
PERIOD = (date(2024, 3, 10), date(2024, 3, 10))


def _group(page: str, rows: int, visitors: int, first_visitor: int) -> list[dict[str, Any]]:
    """``rows`` pageviews of ``page`` spread over ``visitors`` visitors."""
    return [
        ev(DAY + timedelta(seconds=i), first_visitor + i % visitors, first_visitor + i, page=page)
        for i in range(rows)
    ]


def _skewed() -> list[dict[str, Any]]:
    # /b has many rows but few visitors, so the first round (/a, /b) cannot decide the
    # top 2 and a second round must count /c and /d exactly; the 60 small pages make the
    # candidates a small share of the rows.
    events = _group("/a", 100, 100, 0) + _group("/b", 90, 10, 1000) + _group("/c", 50, 50, 2000)
    events += _group("/d", 49, 48, 3000)
    for i in range(60):
        events += _group(f"/s{i:02d}", 10, 10, 10_000 + 100 * i)
    return events


def _random(seed: int) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    pages = [f"/p{i}" for i in range(40)]
    weights = [1 / (i + 1) for i in range(40)]  # Zipf-like popularity, many ties below
    return [
        ev(DAY + timedelta(seconds=i), rnd.randrange(300), i, page=rnd.choices(pages, weights)[0])
        for i in range(3000)
    ]


class Counting:
    """A backend that records the statements it runs."""

    dialect = "duckdb"

    def __init__(self, backend: DuckDBBackend) -> None:
        self.backend = backend
        self.texts: list[str] = []

    def fetch(self, text: str, params: Sequence[object] | None = None) -> list[tuple[Any, ...]]:
        self.texts.append(text)
        return self.backend.fetch(text, params)


def _top(events: list[dict[str, Any]], limit: int, offset: int) -> list[tuple[str, int]]:
    """Plain Python: pages by distinct visitors, largest first, then by name."""
    visitors: dict[str, set[int]] = {}
    for e in events:
        visitors.setdefault(e["pathname"], set()).add(e["visitor_id"])
    ranked = sorted(((p, len(v)) for p, v in visitors.items()), key=lambda r: (-r[1], r[0]))
    return ranked[offset : offset + limit]


def _check(events: list[dict[str, Any]], limit: int, offset: int) -> Counting:
    backend = Counting(load(events))
    query = Query("example.com", ("visitors",), PERIOD, ("page",), limit=limit, offset=offset)
    plan = optimise(build(query, NOW))
    part = plan.parts[0]
    assert topn.applies(plan, part)
    full = sql.generate(sql.statement(plan, part, plan.range).tree, "duckdb")
    got = topn.fetch_top(backend, plan, part, plan.range, full)
    assert got == fetch_rows(backend.backend, full)
    assert [(r[0], r[1]) for r in got] == _top(events, limit, offset)
    result = run_query(backend.backend, query, now=NOW)
    assert [(r.dimensions[0], r.metrics[0]) for r in result.rows] == _top(events, limit, offset)
    return backend


def test_second_round_counts_the_next_groups() -> None:
    backend = _check(_skewed(), 2, 0)
    assert len(backend.texts) == 3  # bounds, exact round 1, exact round 2
    assert "'/c', '/d'" in backend.texts[2]


# Past the top 5 or so, the candidates hold over 60 % of the rows: the full statement runs.
@pytest.mark.parametrize(
    ("limit", "offset", "pruned"),
    [(1, 0, True), (3, 0, True), (2, 1, True), (5, 2, False), (10, 0, False), (50, 0, False)],
)
def test_same_rows_as_the_full_statement(limit: int, offset: int, pruned: bool) -> None:
    backend = _check(_random(3), limit, offset)
    assert ("LIMIT" not in backend.texts[-1]) is pruned


def test_large_share_runs_the_full_statement() -> None:
    flat = [ev(DAY + timedelta(seconds=i), i % 7, i, page=f"/f{i % 4}") for i in range(40)]
    backend = _check(flat, 3, 0)
    assert "LIMIT 3" in backend.texts[-1]


def test_not_for_an_order_other_than_visitors() -> None:
    order: tuple[tuple[str, Literal["asc", "desc"]], ...] = (("pageviews", "desc"),)
    query = Query("example.com", ("visitors", "pageviews"), PERIOD, ("page",), order_by=order)
    plan = optimise(build(replace(query, limit=3), NOW))
    assert not topn.applies(plan, plan.parts[0])
