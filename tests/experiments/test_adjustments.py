"""CUPED and ratio metrics against per-unit computations with numpy and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pilotage.errors import InvalidInput
from pilotage.experiments import CupedStats, MeanStats, RatioStats, cuped, welch_test


def moments(x: np.ndarray) -> MeanStats:
    return MeanStats([x.size], [x.sum()], [(x**2).sum()])


def test_cuped_equals_welch_on_adjusted_units() -> None:
    rng = np.random.default_rng(5)
    pre_a, pre_b = rng.normal(10, 2, 300), rng.normal(10, 2, 340)
    post_a = pre_a * 0.8 + rng.normal(1, 1, 300)
    post_b = pre_b * 0.8 + rng.normal(1.3, 1, 340)
    a = CupedStats(moments(post_a), moments(pre_a), [(post_a * pre_a).sum()])
    b = CupedStats(moments(post_b), moments(pre_b), [(post_b * pre_b).sum()])
    adj_a, adj_b, theta = cuped(a, b)
    y, x = np.concatenate([post_a, post_b]), np.concatenate([pre_a, pre_b])
    ref_theta = np.cov(y, x)[0, 1] / np.var(x, ddof=1)
    assert theta[0] == pytest.approx(ref_theta, rel=1e-10)
    got = welch_test(adj_a, adj_b)
    ref = stats.ttest_ind(post_b - ref_theta * pre_b, post_a - ref_theta * pre_a, equal_var=False)
    assert got.p_value[0] == pytest.approx(ref.pvalue, rel=1e-8)
    plain = welch_test(moments(post_a), moments(post_b))
    assert got.se[0] < plain.se[0] * 0.7  # the variance reduction CUPED is for


def test_ratio_variance_is_the_linearised_unit_variance() -> None:
    """Delta method = sample variance of (m_i - R d_i)/mean(d), covariance included."""
    rng = np.random.default_rng(9)
    d = rng.poisson(3, 500) + 1.0
    m = d * rng.gamma(2, 5, 500)
    s = RatioStats(moments(m), moments(d), [(m * d).sum()])
    r = m.sum() / d.sum()
    assert s.mean[0] == pytest.approx(r)
    assert s.variance[0] == pytest.approx(np.var((m - r * d) / d.mean(), ddof=1), rel=1e-9)
    no_cov = moments(m).variance / d.mean() ** 2 + r**2 * moments(d).variance / d.mean() ** 2
    assert abs(s.variance[0] - no_cov[0]) > 0.05 * s.variance[0]  # the term matters here


def test_ratio_with_zero_denominator_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        RatioStats(MeanStats([3], [1.0], [1.0]), MeanStats([3], [0.0], [0.0]), [0.0])
    assert err.value.field == "den.sum"


def test_cuped_without_pre_variance_falls_back_to_no_adjustment() -> None:
    a = CupedStats(MeanStats([10], [20.0], [50.0]), MeanStats([10], [10.0], [10.0]), [20.0])
    b = CupedStats(MeanStats([10], [25.0], [70.0]), MeanStats([10], [10.0], [10.0]), [25.0])
    adj_a, _, theta = cuped(a, b)
    assert theta[0] == 0.0 and adj_a.mean[0] == pytest.approx(2.0)
