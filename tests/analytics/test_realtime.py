"""Realtime counts (``5min`` periods) against a count over the raw events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pilotage.analytics import DuckDBBackend, Query, run_query
from pilotage.errors import InvalidInput

from .data import NOW


def test_visitors_of_the_last_minutes(sample: list[dict[str, Any]], backend: DuckDBBackend) -> None:
    seen = []
    for minutes in (5, 30, 600):
        since = NOW - timedelta(minutes=minutes)
        people = {e["visitor_id"] for e in sample if since <= e["ts"] < NOW and not e["is_bot"]}
        query = Query(site="example.com", metrics=("visitors", "pageviews"), period=f"{minutes}min")
        assert run_query(backend, query, now=NOW).total("visitors") == len(people)
        seen.append(len(people))
    assert seen[-1] > 0  # the widest window has people in the sample


def test_minutes_have_no_comparison(backend: DuckDBBackend) -> None:
    query = Query(site="example.com", period="5min", comparison="previous_period")
    with pytest.raises(InvalidInput) as err:
        run_query(backend, query, now=NOW)
    assert err.value.field == "comparison"
