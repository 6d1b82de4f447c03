"""Result formatting: Plausible's v2 response shape, ordering and paging."""

from __future__ import annotations

from datetime import date
from typing import Any

from pilotage.analytics import DuckDBBackend, Query, parse_query, run_query
from pilotage.analytics.result import change, rounded

from .data import NOW, within


def test_v2_shape(backend: DuckDBBackend) -> None:
    query = parse_query(
        {
            "site_id": "example.com",
            "metrics": ["visitors"],
            "date_range": "7d",
            "dimensions": ["visit:device"],
            "include": {"comparisons": {"mode": "previous_period"}},
        }
    )
    body = run_query(backend, query, now=NOW).to_dict()
    assert set(body) == {"results", "meta", "query"}
    first = body["results"][0]  # type: ignore[index]
    assert set(first) == {"dimensions", "metrics", "comparison"}
    assert set(first["comparison"]) == {"dimensions", "metrics", "change"}
    assert body["query"]["date_range"] == ["2024-03-09", "2024-03-15"]  # type: ignore[index]
    assert body["meta"]["totals"]["dimensions"] == []  # type: ignore[index]


def test_top_pages_ordered_and_paged(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    first, last = date(2024, 3, 1), date(2024, 3, 15)
    seen: dict[str, set[int]] = {}
    for e in within(sample, first, last):
        seen.setdefault(e["pathname"], set()).add(e["visitor_id"])
    ranked = sorted(((-len(v), p) for p, v in seen.items()))
    query = Query(
        "example.com", ("visitors",), (first, last), dimensions=("page",), limit=3, offset=1
    )
    rows = run_query(backend, query, now=NOW).rows
    assert [(r.dimensions[0], r.metrics[0]) for r in rows] == [(p, -n) for n, p in ranked[1:4]]


def test_change_rules() -> None:
    assert change("visitors", 150, 100) == 50.0
    assert change("visitors", 5, 0) == 100.0
    assert change("visitors", 0, 0) == 0.0
    assert change("bounce_rate", 40, 55) == -15.0
    assert rounded(2.345, 2) == 2.35  # half up, where round() gives 2.34 or 2.35 by float luck


def test_all_period_starts_at_first_event(
    backend: DuckDBBackend, sample: list[dict[str, Any]]
) -> None:
    result = run_query(backend, Query("example.com", ("events",), "all"), now=NOW)
    first = min(e["ts"] for e in sample).date().isoformat()
    assert result.date_range == (first, "2024-03-15")
    assert result.rows[0].metrics == (
        len(within(sample, date.fromisoformat(first), date(2024, 3, 15))),
    )
