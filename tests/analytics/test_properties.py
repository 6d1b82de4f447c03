"""Custom property names of a period, against a count in Python."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pilotage.analytics import DuckDBBackend
from pilotage.analytics.properties import property_keys

from .data import NOW, ev, load


def test_property_names_by_use_without_robots(
    sample: list[dict[str, Any]], backend: DuckDBBackend
) -> None:
    counts = Counter(k for e in sample if not e["is_bot"] for k in e["props"])
    expected = [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    assert property_keys(backend, "example.com", "28d", now=NOW) == expected
    assert expected  # the sample has properties


def test_names_are_ordered_by_count_then_name_and_limited() -> None:
    rows = [
        ev(NOW.replace(hour=1), 1, 1, props={"b": "1", "a": "1"}),
        ev(NOW.replace(hour=2), 1, 1, props={"c": "1"}),
        ev(NOW.replace(hour=3), 2, 2, props={"c": "2", "<script>": "x"}),
        ev(NOW.replace(hour=4), 3, 3, props={"robot": "1"}, is_bot=True),
    ]
    backend = load(rows)
    assert property_keys(backend, "example.com", "day", now=NOW) == ["c", "<script>", "a", "b"]
    assert property_keys(backend, "example.com", "day", now=NOW, limit=2) == ["c", "<script>"]
    assert property_keys(backend, "other.example", "day", now=NOW) == []
