"""Sufficient statistics: moments that no data can give are refused."""

from __future__ import annotations

import pytest

from pilotage.errors import InvalidInput
from pilotage.experiments import MeanStats


def test_moments_that_no_data_can_give_are_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        MeanStats([100], [500], [10])  # sum_squares < 500²/100 = 2500
    assert err.value.field == "sum_squares"


def test_variance_of_real_values() -> None:
    values = [1.0, 0.0, 1.0, 0.0]
    stats = MeanStats([4], [sum(values)], [sum(v * v for v in values)])
    assert float(stats.variance[0]) == pytest.approx(1 / 3)  # unbiased: 1 / (n - 1)
    assert float(MeanStats([3], [3], [3]).variance[0]) == 0.0  # equal values, on the bound
