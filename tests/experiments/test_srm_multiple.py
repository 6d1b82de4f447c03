"""SRM against scipy.stats.chisquare; Holm and BH against statsmodels multipletests."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from pilotage.errors import InvalidInput
from pilotage.experiments import benjamini_hochberg, holm, srm_check


def test_srm_matches_chisquare() -> None:
    counts = np.array([[5000, 5210], [9500, 480], [3300, 3200, 3350]], dtype=object)
    for row, weights in zip(counts, [None, [95, 5], None], strict=True):
        obs = np.array(row, dtype=float)
        exp = obs.sum() * (np.ones_like(obs) if weights is None else np.array(weights, float))
        exp = exp / (np.ones_like(obs).sum() if weights is None else 100)
        ref = stats.chisquare(obs, exp)
        got = srm_check(obs, weights)
        assert got.p_value[0] == pytest.approx(ref.pvalue, rel=1e-12)
        assert got.statistic[0] == pytest.approx(ref.statistic, rel=1e-12)


def test_srm_default_threshold_is_0_001() -> None:
    got = srm_check([[5000, 5210], [5000, 5400]])
    assert list(got.mismatch) == [False, True]  # p = 0.038 and p = 7.7e-5


@pytest.mark.parametrize("counts", [[0, 0], [10], [5, -1], [5, float("nan")]])
def test_srm_bad_counts(counts: list[float]) -> None:
    with pytest.raises(InvalidInput) as err:
        srm_check(counts)
    assert err.value.field == "counts"


def test_holm_and_bh_match_statsmodels() -> None:
    rng = np.random.default_rng(2)
    p = rng.uniform(0, 0.2, (30, 7))
    p[0, :3] = p[0, 0]  # ties
    for row in p:
        np.testing.assert_allclose(holm(row), multipletests(row, method="holm")[1], atol=1e-15)
        np.testing.assert_allclose(
            benjamini_hochberg(row), multipletests(row, method="fdr_bh")[1], atol=1e-15
        )
    np.testing.assert_allclose(holm(p)[4], multipletests(p[4], method="holm")[1])


def test_bad_p_values() -> None:
    with pytest.raises(InvalidInput):
        holm([0.1, 1.5])
