"""RFM: scores equal scipy's strict percentile ranks cut in fifths; segments cover all."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date

import numpy as np
import pytest
from scipy import stats

from pilotage.customers import (
    SEGMENTS,
    cdnow_sample,
    orders_from_rows,
    quintile_scores,
    rfm_table,
    segment_of,
)
from pilotage.errors import InvalidInput


def _strict_quintile(values: list[float], value: float) -> int:
    return 1 + int(stats.percentileofscore(values, value, kind="strict") // 20)


@pytest.mark.parametrize(
    "values", [[1, 1, 1, 2, 3], [5.0, 4, 3, 2, 1, 0, 7, 7, 7, 7], list(range(23))]
)
def test_scores_are_strict_percentile_fifths(values: list[float]) -> None:
    assert quintile_scores(values).tolist() == [_strict_quintile(values, v) for v in values]
    negated = [-v for v in values]
    low = quintile_scores(values, higher_is_better=False).tolist()
    assert low == [_strict_quintile(negated, v) for v in negated]


def test_cdnow_table_matches_a_plain_python_computation() -> None:
    orders = cdnow_sample()
    table = rfm_table(orders, as_of=date(1998, 7, 1))
    last: dict[str, date] = {}
    count: dict[str, int] = defaultdict(int)
    total: dict[str, float] = defaultdict(float)
    for c, d, a in zip(orders.customer.tolist(), orders.day.tolist(), orders.amount.tolist(),
                       strict=True):  # fmt: skip
        last[c] = max(last.get(c, d), d)
        count[c] += 1
        total[c] += a
    i = table.customer.tolist().index("1")
    assert table.recency[i] == (date(1998, 7, 1) - last["1"]).days
    assert table.frequency[i] == count["1"] == 4
    assert table.monetary[i] == pytest.approx(total["1"])
    recencies = [-(date(1998, 7, 1) - last[c]).days for c in table.customer.tolist()]
    assert table.r_score.tolist() == [_strict_quintile(recencies, v) for v in recencies]


def test_every_score_triple_gets_exactly_one_reachable_segment() -> None:
    r, f, m = (np.array(v) for v in zip(*itertools.product(range(1, 6), repeat=3), strict=True))
    names = segment_of(r, f, m)
    assert "" not in names.tolist()
    assert set(names.tolist()) == set(SEGMENTS) and len(SEGMENTS) == 11


@pytest.mark.parametrize(
    ("r", "f", "m", "segment"),
    [(5, 5, 5, "Champions"), (5, 1, 1, "New"), (3, 1, 1, "Promising"),
     (1, 5, 5, "Can't lose them"), (1, 1, 1, "Lost"), (2, 4, 2, "Loyal"),
     (1, 1, 2, "Hibernating"), (2, 2, 2, "Need attention"), (1, 3, 3, "At risk")],
)  # fmt: skip
def test_segment_examples(r: int, f: int, m: int, segment: str) -> None:
    assert segment_of([r], [f], [m]).tolist() == [segment]


def test_as_of_before_the_last_order_is_refused() -> None:
    orders = orders_from_rows([("a", date(2024, 1, 2), 1.0)], today=date(2024, 6, 1))
    with pytest.raises(InvalidInput) as error:
        rfm_table(orders, as_of=date(2024, 1, 1))
    assert error.value.field == "as_of"
