"""Cohort retention against a set-based computation in plain Python."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from pilotage.customers import cdnow_sample, cohort_matrix, orders_from_rows


def test_cdnow_matches_sets_of_active_customers() -> None:
    orders = cdnow_sample()
    rows = list(zip(orders.customer.tolist(), orders.day.tolist(), strict=True))
    first: dict[str, tuple[int, int]] = {}
    for c, d in rows:
        first[c] = min(first.get(c, (d.year, d.month)), (d.year, d.month))
    active: dict[tuple[tuple[int, int], int], set[str]] = defaultdict(set)
    for c, d in rows:
        fy, fm = first[c]
        active[((fy, fm), (d.year - fy) * 12 + d.month - fm)].add(c)
    matrix = cohort_matrix(orders)
    assert matrix.cohorts == ("1997-01", "1997-02", "1997-03")
    for cohort, size, row in zip(matrix.cohorts, matrix.sizes, matrix.counts, strict=True):
        key = (int(cohort[:4]), int(cohort[5:]))
        assert size == sum(1 for f in first.values() if f == key) == row[0]
        assert list(row) == [len(active[(key, k)]) for k in range(len(row))]
    # 1997-01 .. 1998-06 is 18 months: the January cohort has offsets 0..17.
    assert [len(row) for row in matrix.counts] == [18, 17, 16]


def test_percent_and_cells() -> None:
    rows = [("a", date(2024, 1, 5), 1.0), ("b", date(2024, 1, 9), 1.0),
            ("a", date(2024, 3, 1), 1.0), ("c", date(2024, 2, 2), 1.0)]  # fmt: skip
    matrix = cohort_matrix(orders_from_rows(rows, today=date(2024, 6, 1)))
    assert matrix.counts == ((2, 0, 1), (1, 0))
    assert matrix.percent() == ((100.0, 0.0, 50.0), (100.0, 0.0))
    assert matrix.cells()[2] == {
        "cohort": "2024-01", "offset": 2, "size": 2, "customers": 1, "percent": 50.0
    }  # fmt: skip
