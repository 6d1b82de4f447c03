"""Time buckets in the site's time zone, empty buckets filled, comparisons aligned."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from pilotage.analytics import DuckDBBackend, Query, run_query

from .data import NOW, ev, load, local_day, within


def test_days_in_paris_with_labels() -> None:
    # 23:30 UTC on 30 March is already 31 March in Paris (after the clocks went forward).
    rows = [
        ev(datetime(2024, 3, 30, 22, 30), 1, 1),
        ev(datetime(2024, 3, 30, 23, 30), 2, 2),
        ev(datetime(2024, 4, 2, 10), 3, 3),
    ]
    query = Query(
        "example.com",
        ("visitors",),
        (date(2024, 3, 30), date(2024, 4, 2)),
        dimensions=("time:day",),
        timezone="Europe/Paris",
        time_labels=True,
    )
    result = run_query(load(rows), query)
    assert [(r.dimensions[0], r.metrics[0]) for r in result.rows] == [
        ("2024-03-30", 1),
        ("2024-03-31", 1),
        ("2024-04-01", 0),
        ("2024-04-02", 1),
    ]
    assert result.time_labels == ("2024-03-30", "2024-03-31", "2024-04-01", "2024-04-02")


def test_hours_across_spring_forward() -> None:
    rows = [ev(datetime(2024, 3, 31, 0, 30), 1, 1), ev(datetime(2024, 3, 31, 1, 30), 2, 2)]
    query = Query(
        "example.com",
        ("pageviews",),
        (date(2024, 3, 31), date(2024, 3, 31)),
        dimensions=("time:hour",),
        timezone="Europe/Paris",
    )
    result = run_query(load(rows), query)
    # 00:30 UTC is 01:30 CET; 01:30 UTC is 03:30 CEST (02:00-03:00 does not exist).
    assert [r.dimensions[0] for r in result.rows] == ["2024-03-31 01:00:00", "2024-03-31 03:00:00"]


def test_hours_across_fall_back() -> None:
    # 00:30 and 01:30 UTC on 27 October are both 02:30 in Paris (CEST, then CET): one
    # bucket. 23:30 UTC the day before is 01:30 CEST.
    rows = [
        ev(datetime(2024, 10, 26, 23, 30), 1, 1),
        ev(datetime(2024, 10, 27, 0, 30), 2, 2),
        ev(datetime(2024, 10, 27, 1, 30), 3, 3),
        ev(datetime(2024, 10, 27, 2, 30), 4, 4),
    ]
    query = Query(
        "example.com",
        ("pageviews",),
        (date(2024, 10, 20), date(2024, 10, 27)),
        dimensions=("time:hour",),
        timezone="Europe/Paris",
    )
    result = run_query(load(rows), query)
    assert [(r.dimensions[0], r.metrics[0]) for r in result.rows] == [
        ("2024-10-27 01:00:00", 1),
        ("2024-10-27 02:00:00", 2),
        ("2024-10-27 03:00:00", 1),
    ]


def test_daily_series_matches_python(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    first, last, tz = date(2024, 3, 1), date(2024, 3, 15), "America/New_York"
    counts = Counter(
        local_day(e["ts"], tz).isoformat()
        for e in within(sample, first, last, tz)
        if e["name"] == "pageview"
    )
    query = Query("example.com", ("pageviews",), (first, last), dimensions=("time",), timezone=tz)
    result = run_query(backend, query, now=NOW)
    assert {r.dimensions[0]: r.metrics[0] for r in result.rows} == dict(counts)
    assert result.totals is not None and result.totals.metrics == (sum(counts.values()),)


def test_previous_period_equals_running_it(backend: DuckDBBackend) -> None:
    base = Query(
        "example.com",
        ("visitors", "bounce_rate", "pageviews"),
        "7d",
        timezone="Europe/Paris",
        comparison="previous_period",
    )
    now = run_query(backend, base, now=NOW)
    assert now.comparison_range == ("2024-03-02", "2024-03-08")
    then = run_query(
        backend,
        Query(
            "example.com",
            base.metrics,
            (date(2024, 3, 2), date(2024, 3, 8)),
            timezone="Europe/Paris",
        ),
    )
    row = now.rows[0]
    assert row.comparison == then.rows[0].metrics
    v, b, p = row.metrics
    ov, ob, op = then.rows[0].metrics
    assert row.change == (
        round((v - ov) / ov * 100, 1),
        float(b - ob),
        round((p - op) / op * 100, 1),
    )


def test_series_comparison_aligned_by_position(backend: DuckDBBackend) -> None:
    query = Query(
        "example.com",
        ("visitors",),
        (date(2024, 3, 9), date(2024, 3, 15)),
        dimensions=("time:day",),
        comparison="previous_period",
        time_labels=True,
    )
    result = run_query(backend, query, now=NOW)
    days = {
        r.dimensions[0]: r.metrics[0]
        for r in run_query(
            backend,
            Query(
                "example.com",
                ("visitors",),
                (date(2024, 3, 2), date(2024, 3, 8)),
                dimensions=("time:day",),
            ),
            now=NOW,
        ).rows
    }
    for row in result.rows:
        assert row.comparison_dimensions is not None and row.comparison is not None
        assert row.comparison[0] == days.get(row.comparison_dimensions[0], 0)
    assert result.rows[0].comparison_dimensions == ("2024-03-02",)


def test_sources_comparison_by_value(backend: DuckDBBackend) -> None:
    query = Query(
        "example.com", ("visits",), "7d", dimensions=("source",), comparison="year_over_year"
    )
    result = run_query(backend, query, now=NOW)
    assert result.rows and all(r.comparison == (0,) for r in result.rows)
    assert all(r.change == (100.0,) for r in result.rows)
