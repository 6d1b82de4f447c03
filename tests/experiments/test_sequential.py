"""Confidence sequences (formula re-derived here) and alpha-spending boundaries.

Boundaries are compared with published values: Lan-DeMets O'Brien-Fleming type, 5 equally
spaced looks, two-sided alpha 0.05: 4.8769, 3.3569, 2.6803, 2.2898, 2.0310 (DeMets & Lan,
"Interim analysis: the alpha spending function approach", Stat. Med. 13, 1994, Table I;
R ldbounds/gsDesign give the same), and with crossing probabilities computed by scipy's
multivariate normal CDF.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pilotage.errors import InvalidInput
from pilotage.experiments import (
    MeanStats,
    confidence_sequence,
    group_sequential_bounds,
    spent_alpha,
    welch_test,
)

T5 = [0.2, 0.4, 0.6, 0.8, 1.0]


def test_obrien_fleming_bounds_match_published_values() -> None:
    got = group_sequential_bounds(T5, 0.05, "obrien_fleming")
    np.testing.assert_allclose(got, [4.8769, 3.3569, 2.6803, 2.2898, 2.0310], atol=2e-4)


@pytest.mark.parametrize("kind", ["obrien_fleming", "pocock"])
def test_crossing_probabilities_match_multivariate_normal(kind: str) -> None:
    c = group_sequential_bounds(T5, 0.05, kind)  # type: ignore[arg-type]
    t = np.array(T5)
    corr = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    for k in range(1, 6):
        mvn = stats.multivariate_normal(mean=np.zeros(k), cov=corr[:k, :k], seed=1)
        inside = mvn.cdf(c[:k], lower_limit=-c[:k])
        spent = spent_alpha(t[k - 1 : k], 0.05, kind)[0]  # type: ignore[arg-type]
        assert 1 - inside == pytest.approx(spent, abs=2e-5)


def test_single_look_is_the_fixed_test() -> None:
    assert group_sequential_bounds([1.0], 0.05)[0] == pytest.approx(stats.norm.isf(0.025))


def test_bad_information_fractions() -> None:
    with pytest.raises(InvalidInput) as err:
        group_sequential_bounds([0.5, 0.4, 1.0])
    assert err.value.field == "information_fractions"


def test_confidence_sequence_formula() -> None:
    a = MeanStats([3000], [3000 * 5.0], [3000 * 29.0])
    b = MeanStats([3100], [3100 * 5.2], [3100 * 31.04])
    got = confidence_sequence(a, b, alpha=0.05, tuning=5000)
    fixed = welch_test(a, b)
    n, se, d = 6100, fixed.se[0], fixed.effect[0]
    rho2 = (-2 * np.log(0.05) + np.log(-2 * np.log(0.05) + 1)) / 5000
    half = (
        se
        * np.sqrt(n)
        * np.sqrt(2 * (n * rho2 + 1) * np.log(np.sqrt(n * rho2 + 1) / 0.05) / (n**2 * rho2))
    )
    e = np.exp(rho2 * n * d**2 / se**2 / (2 * (n * rho2 + 1))) / np.sqrt(n * rho2 + 1)
    assert got.ci_high[0] - d == pytest.approx(half, rel=1e-12)
    assert got.p_value[0] == pytest.approx(min(1, 1 / e), rel=1e-12)
    # always-valid intervals are wider than the fixed-horizon one
    assert got.ci_high[0] - got.ci_low[0] > fixed.ci_high[0] - fixed.ci_low[0]


def test_confidence_sequence_controls_peeking_error() -> None:
    """Under H0, 20 looks at the sequence reject far less often than 20 fixed tests."""
    rng = np.random.default_rng(11)
    sims, looks, per_look = 400, 20, 100
    xa = rng.normal(0, 1, (sims, looks * per_look))
    xb = rng.normal(0, 1, (sims, looks * per_look))
    ends = np.arange(1, looks + 1) * per_look
    ca, cb = np.cumsum(xa, 1)[:, ends - 1], np.cumsum(xb, 1)[:, ends - 1]
    qa, qb = np.cumsum(xa**2, 1)[:, ends - 1], np.cumsum(xb**2, 1)[:, ends - 1]
    n = np.broadcast_to(ends, ca.shape).ravel()
    a, b = MeanStats(n, ca.ravel(), qa.ravel()), MeanStats(n, cb.ravel(), qb.ravel())
    seq = confidence_sequence(a, b, tuning=2000).p_value.reshape(sims, looks)
    fixed = welch_test(a, b).p_value.reshape(sims, looks)
    assert np.mean(seq.min(1) < 0.05) <= 0.05 + 0.02
    assert np.mean(fixed.min(1) < 0.05) > 0.15
