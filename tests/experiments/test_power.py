"""Sample size, power and MDE against statsmodels and Evan Miller's calculator."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.power import NormalIndPower, tt_ind_solve_power, zt_ind_solve_power
from statsmodels.stats.proportion import proportion_effectsize

from pilotage.errors import InvalidInput
from pilotage.experiments import (
    mde_means,
    mde_proportions,
    power_means,
    power_proportions,
    sample_size_means,
    sample_size_proportions,
)


def test_evan_miller_published_example() -> None:
    """evanmiller.org/ab-testing/sample-size.html defaults: 20 %, +5 points, 80 %, 5 % -> 1,030."""
    n = sample_size_proportions(0.2, 0.05, relative=False)[0]
    assert round(n) == 1030


def test_evan_miller_power_and_mde_invert_the_size() -> None:
    n = sample_size_proportions([0.05, 0.3], [0.1, 0.05])
    np.testing.assert_allclose(power_proportions([0.05, 0.3], [0.1, 0.05], n), 0.8, rtol=1e-9)
    np.testing.assert_allclose(mde_proportions([0.05, 0.3], n), [0.1, 0.05], rtol=1e-7)


def test_arcsine_size_matches_normal_ind_power() -> None:
    n = sample_size_proportions(0.05, 0.1, method="arcsine")[0]
    h = proportion_effectsize(0.055, 0.05)
    ref = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=1)
    assert n == pytest.approx(ref, rel=1e-4)  # statsmodels also counts the far tail


def test_means_match_zt_and_tt_solve_power() -> None:
    n = sample_size_means(2.0, 0.5)[0]
    assert n == pytest.approx(zt_ind_solve_power(0.25, alpha=0.05, power=0.8), rel=1e-8)
    n_t = sample_size_means(2.0, 0.5, distribution="t")[0]
    assert n_t == pytest.approx(tt_ind_solve_power(0.25, alpha=0.05, power=0.8), rel=1e-8)
    ref = tt_ind_solve_power(0.25, nobs1=100, alpha=0.05)
    assert power_means(2.0, 0.5, 100, distribution="t")[0] == pytest.approx(ref, rel=1e-9)
    ref = zt_ind_solve_power(0.25, nobs1=100, alpha=0.05)
    assert power_means(2.0, 0.5, 100)[0] == pytest.approx(ref, rel=1e-9)


def test_mde_of_means() -> None:
    n = sample_size_means(1.0, 0.2)[0]
    assert mde_means(1.0, n)[0] == pytest.approx(0.2, rel=1e-4)


def test_more_arms_use_bonferroni() -> None:
    three = sample_size_means(1.0, 0.2, arms=3)[0]
    ref = zt_ind_solve_power(0.2, alpha=0.025, power=0.8)
    assert three == pytest.approx(ref, rel=1e-8)
    assert sample_size_proportions(0.05, 0.1, arms=4)[0] > sample_size_proportions(0.05, 0.1)[0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"baseline": 0, "mde": 0.1}, "baseline"),
        ({"baseline": 1.2, "mde": 0.1}, "baseline"),
        ({"baseline": 0.5, "mde": 0}, "mde"),
        ({"baseline": 0.9, "mde": 0.5}, "mde"),
        ({"baseline": 0.05, "mde": 0.1, "power": 1}, "power"),
        ({"baseline": 0.05, "mde": 0.1, "arms": 1}, "arms"),
        ({"baseline": float("nan"), "mde": 0.1}, "baseline"),
    ],
)
def test_bad_size_inputs(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        sample_size_proportions(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field
