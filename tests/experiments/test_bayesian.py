"""Bayesian results against scipy (truncnorm, beta, quad) and Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from pilotage.errors import InvalidInput
from pilotage.experiments import (
    GaussianPrior,
    MeanStats,
    ProportionStats,
    beta_binomial,
    gaussian_bayes,
    welch_test,
)

A = MeanStats([500, 800, 60], [1000.0, 900.0, 70.0], [2600.0, 1500.0, 130.0])
B = MeanStats([520, 790, 65], [1100.0, 850.0, 90.0], [2900.0, 1400.0, 160.0])


def test_flat_prior_posterior_is_the_estimate() -> None:
    got = gaussian_bayes(A, B, relative=True)
    freq = welch_test(A, B, relative=True)
    np.testing.assert_allclose(got.mean, freq.effect, rtol=1e-12)
    np.testing.assert_allclose(got.sd, freq.se, rtol=1e-12)
    np.testing.assert_allclose(got.chance_to_win, stats.norm.cdf(freq.effect / freq.se), atol=1e-12)
    np.testing.assert_allclose(got.ci_low, stats.norm.ppf(0.025, freq.effect, freq.se), rtol=1e-10)


def test_risk_matches_truncated_normal_means_and_quadrature() -> None:
    got = gaussian_bayes(A, B)
    for i in range(3):
        mu, sd = got.mean[i], got.sd[i]
        p_neg = stats.norm.cdf(0, mu, sd)
        pos = stats.truncnorm.mean((0 - mu) / sd, np.inf, loc=mu, scale=sd)
        neg = stats.truncnorm.mean(-np.inf, (0 - mu) / sd, loc=mu, scale=sd)
        assert got.risk_control[i] == pytest.approx((1 - p_neg) * pos, rel=1e-8)
        assert got.risk_treatment[i] == pytest.approx(-p_neg * neg, rel=1e-8)
        quad = integrate.quad(lambda x, m=mu, s=sd: -x * stats.norm.pdf(x, m, s), -np.inf, 0)[0]
        assert got.risk_treatment[i] == pytest.approx(quad, rel=1e-6)


def test_proper_prior_is_the_conjugate_normal_update() -> None:
    prior = GaussianPrior(mean=0.0, variance=0.01, proper=True)
    got = gaussian_bayes(A, B, relative=True, prior=prior)
    freq = welch_test(A, B, relative=True)
    precision = 1 / freq.se**2 + 1 / 0.01
    np.testing.assert_allclose(got.sd, np.sqrt(1 / precision), rtol=1e-12)
    np.testing.assert_allclose(got.mean, freq.effect / freq.se**2 / precision, rtol=1e-12)
    assert np.all(np.abs(got.mean) < np.abs(freq.effect))  # shrunk towards 0


def beta_prob_by_quadrature(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X2 > X1) = integral of f1(x) (1 - F2(x)) dx."""
    f = lambda x: stats.beta.pdf(x, a1, b1) * stats.beta.sf(x, a2, b2)  # noqa: E731
    return float(integrate.quad(f, 0, 1, epsabs=1e-13, limit=200)[0])


def test_beta_binomial_probability_matches_quadrature() -> None:
    a = ProportionStats([1000, 500, 40, 200], [50, 0, 3, 120])
    b = ProportionStats([1000, 500, 45, 210], [70, 3, 9, 100])
    got = beta_binomial(a, b)
    for i in range(4):
        ref = beta_prob_by_quadrature(
            1 + a.conversions[i],
            1 + a.n[i] - a.conversions[i],
            1 + b.conversions[i],
            1 + b.n[i] - b.conversions[i],
        )
        assert got.prob_b_beats_a[i] == pytest.approx(ref, abs=1e-9)


def test_beta_binomial_matches_monte_carlo() -> None:
    """Tolerance 0.005: four standard errors of a 200,000-draw estimate."""
    rng = np.random.default_rng(3)
    a, b = ProportionStats([800], [40]), ProportionStats([820], [52])
    pa = rng.beta(41, 761, 200_000)
    pb = rng.beta(53, 769, 200_000)
    got = beta_binomial(a, b)
    assert got.prob_b_beats_a[0] == pytest.approx(np.mean(pb > pa), abs=0.005)
    assert got.expected_loss_b[0] == pytest.approx(np.mean(np.maximum(pa - pb, 0)), rel=0.03)
    assert got.expected_loss_a[0] == pytest.approx(np.mean(np.maximum(pb - pa, 0)), rel=0.03)


def test_beta_binomial_prior_and_symmetry() -> None:
    a, b = ProportionStats([100], [10]), ProportionStats([100], [10])
    assert beta_binomial(a, b, prior_alpha=2, prior_beta=3).prob_b_beats_a[0] == pytest.approx(0.5)
    with pytest.raises(InvalidInput) as err:
        beta_binomial(a, b, prior_alpha=0)
    assert err.value.field == "prior_alpha"


def test_bad_prior_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        GaussianPrior(variance=0, proper=True)
    assert err.value.field == "prior.variance"
