"""Bayesian analyses: GrowthBook's Gaussian effect model, and exact Beta-binomial results.

**Gaussian effect model** (gbstats 0.8.0 ``EffectBayesianABTest``). The estimated lift
(absolute or relative, variance as in :mod:`.frequentist`) is taken as
``D_hat ~ N(D, se^2)``. The prior on ``D`` is :class:`GaussianPrior`; by default it is
*improper and flat* (``proper=False``), so the posterior is ``N(D_hat, se^2)``. A proper
prior ``N(m0, s0^2)`` gives posterior precision ``1/se^2 + 1/s0^2`` and the
precision-weighted mean. Outputs: chance to win ``P(D > 0)``; the equal-tailed
``1 - alpha`` credible interval; and the risk (expected loss) of each choice,
``risk_control = E[max(D, 0)] = mu Phi(mu/s) + s phi(mu/s)`` and
``risk_treatment = E[max(-D, 0)] = s phi(mu/s) - mu Phi(-mu/s)`` (means of a truncated
normal; gbstats ``get_risk``).

**Beta-binomial** (conversion metrics). With a ``Beta(alpha0, beta0)`` prior (default
``Beta(1, 1)``, uniform) each arm's rate is ``Beta(alpha0 + conversions,
beta0 + n - conversions)``. ``P(p_B > p_A)`` is Evan Miller's closed form
(https://www.evanmiller.org/bayesian-ab-testing.html, eq. for ``Pr(p_B > p_A)``), a sum
of ``alpha_B`` terms ``B(a_A+i, b_A+b_B)/((b_B+i) B(1+i, b_B) B(a_A, b_A))``, which needs
integer prior parameters. The expected loss of choosing B is
``E[max(p_A - p_B, 0)] = a_A/(a_A+b_A) P(A' > B) - a_B/(a_B+b_B) P(A > B')`` where ``A'``
and ``B'`` have their first parameter increased by one (Chris Stucchio, "Bayesian A/B
Testing at VWO", 2015, sec. 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special
from scipy import stats as sps

from pilotage.errors import InvalidInput
from pilotage.experiments.frequentist import check_alpha, lift
from pilotage.experiments.stats import Array, Moments, ProportionStats, same_shape

MAX_TERMS = 50_000_000  # exact sums beyond this many terms in one call would exhaust memory


@dataclass(frozen=True)
class GaussianPrior:
    """Prior on the lift, on the scale of the analysis (relative or absolute)."""

    mean: float = 0.0
    variance: float = 1.0
    proper: bool = False

    def __post_init__(self) -> None:
        if not np.isfinite(self.mean):
            raise InvalidInput("prior mean must be a finite number", field="prior.mean")
        if not (np.isfinite(self.variance) and self.variance > 0):
            raise InvalidInput(
                f"prior variance must be positive, got {self.variance}", field="prior.variance"
            )


@dataclass(frozen=True)
class BayesResult:
    """Posterior of the lift per analysis; ``error`` as in the frequentist results."""

    mean: Array
    sd: Array
    chance_to_win: Array
    ci_low: Array
    ci_high: Array
    risk_control: Array
    risk_treatment: Array
    error: NDArray[np.str_]


def normal_risk(mu: Array, sd: Array) -> tuple[Array, Array]:
    """``(E[max(D,0)], E[max(-D,0)])`` for ``D ~ N(mu, sd^2)``."""
    z = mu / sd
    dens = sd * sps.norm.pdf(z)
    return mu * sps.norm.cdf(z) + dens, dens - mu * sps.norm.sf(z)


def gaussian_bayes(
    a: Moments,
    b: Moments,
    *,
    relative: bool = False,
    prior: GaussianPrior | None = None,
    alpha: float = 0.05,
) -> BayesResult:
    """Gaussian effect model of B vs A (see module docstring); ``prior=None`` is flat."""
    check_alpha(alpha)
    prior = prior or GaussianPrior()
    effect, var, error = lift(a, b, relative)
    error = np.where((error == "") & (a.variance * b.variance <= 0), "zero_variance", error)
    bad = error != ""
    var = np.where(bad, 1.0, var)
    if prior.proper:
        precision = 1 / var + 1 / prior.variance
        mean = (effect / var + prior.mean / prior.variance) / precision
    else:
        precision, mean = 1 / var, effect
    sd = np.sqrt(1 / precision)
    z = sps.norm.ppf(1 - alpha / 2)
    risk_c, risk_t = normal_risk(mean, sd)
    zero = np.zeros_like(mean)
    return BayesResult(
        mean=np.where(bad, 0.0, mean),
        sd=np.where(bad, 0.0, sd),
        chance_to_win=np.where(bad, 0.5, sps.norm.sf(0, mean, sd)),
        ci_low=np.where(bad, zero, mean - z * sd),
        ci_high=np.where(bad, zero, mean + z * sd),
        risk_control=np.where(bad, zero, risk_c),
        risk_treatment=np.where(bad, zero, risk_t),
        error=error,
    )


def _prob_greater(a1: Array, b1: Array, a2: Array, b2: Array) -> Array:
    """``P(X2 > X1)``, ``Xi ~ Beta(ai, bi)``, ``a2`` integer: Evan Miller's sum, vectorised.

    The terms of all rows are laid end to end and summed per row with ``np.add.reduceat``.
    """
    counts = a2.astype(np.int64)
    if counts.sum() > MAX_TERMS:
        raise InvalidInput(
            f"exact Beta-binomial needs {counts.sum()} terms (limit {MAX_TERMS})",
            field="conversions",
        )
    row = np.repeat(np.arange(a2.size), counts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    i = np.arange(counts.sum()) - np.repeat(starts, counts)
    ra, rb, sb = a1[row], b1[row], b2[row]
    log_terms = (
        special.betaln(ra + i, rb + sb)
        - np.log(sb + i)
        - special.betaln(1 + i, sb)
        - special.betaln(ra, rb)
    )
    sums = np.add.reduceat(np.exp(log_terms), starts) if log_terms.size else np.zeros(0)
    return np.clip(sums, 0.0, 1.0)


def prob_greater(a1: Array, b1: Array, a2: Array, b2: Array) -> Array:
    """``P(X2 > X1)``, summing over whichever first parameter is smaller (both integers)."""
    use_2 = a2 <= a1
    out = np.empty_like(a1)
    if use_2.any():
        out[use_2] = _prob_greater(a1[use_2], b1[use_2], a2[use_2], b2[use_2])
    if (~use_2).any():
        k = ~use_2
        out[k] = 1 - _prob_greater(a2[k], b2[k], a1[k], b1[k])
    return out


@dataclass(frozen=True)
class BetaBinomialResult:
    prob_b_beats_a: Array
    expected_loss_a: Array
    expected_loss_b: Array


def beta_binomial(
    a: ProportionStats, b: ProportionStats, *, prior_alpha: int = 1, prior_beta: int = 1
) -> BetaBinomialResult:
    """Exact ``P(p_B > p_A)`` and the expected loss of choosing A or B (module docstring).

    A variant with no conversions is fine (its posterior is ``Beta(prior_alpha, ...)``).
    """
    for name, value in (("prior_alpha", prior_alpha), ("prior_beta", prior_beta)):
        if int(value) != value or value < 1:
            raise InvalidInput(f"{name} must be a positive integer, got {value}", field=name)
    same_shape("variants", a.n, b.n)
    aa, ba = prior_alpha + a.conversions, prior_beta + a.n - a.conversions
    ab, bb = prior_alpha + b.conversions, prior_beta + b.n - b.conversions
    p_b = prob_greater(aa, ba, ab, bb)
    p_a_plus = 1 - prob_greater(aa + 1, ba, ab, bb)  # P(A' > B)
    p_a_over_b_plus = 1 - prob_greater(aa, ba, ab + 1, bb)  # P(A > B')
    mean_a, mean_b = aa / (aa + ba), ab / (ab + bb)
    loss_b = mean_a * p_a_plus - mean_b * p_a_over_b_plus
    # E[max(pB - pA, 0)] = E[max(pA - pB, 0)] + E[pB - pA]
    loss_a = loss_b + mean_b - mean_a
    return BetaBinomialResult(
        prob_b_beats_a=p_b,
        expected_loss_a=np.maximum(loss_a, 0.0),
        expected_loss_b=np.maximum(loss_b, 0.0),
    )
