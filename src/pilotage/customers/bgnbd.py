"""BG/NBD: how many purchases a customer will make, and whether they are still "alive".

Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to
the Pareto/NBD model", Marketing Science 24(2):275-284 (and Fader, Hardie & Lee's note
"Implementing the BG/NBD model", brucehardie.com/notes/004). While alive, a customer
buys as a Poisson process of rate λ ~ Gamma(r, α); after each purchase they drop out with
probability p ~ Beta(a, b). For (x, t_x, T) (``summary.CustomerSummary``):

- log-likelihood (paper eq. 6), with ln B the log beta function:
  ℓ = lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
      + ln[ (α+T)^−(r+x) + 1{x>0} · a/(b+x−1) · (α+t_x)^−(r+x) ]
- expected purchases of a new customer in t (eq. 9):
  E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]
- probability alive at T (note 004 / paper appendix):
  P(alive) = 1 / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
- expected purchases in (T, T+t] (eq. 10):
  E[Y(t)] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x)
            ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] · P(alive)

α and t share the summary's time unit (``BgNbdParams.unit``): α is in days or weeks, r,
a and b have no unit. Fitted by maximum likelihood over ln r, ln α, ln a, ln b (so every
parameter stays positive) with scipy's L-BFGS-B; the likelihood is evaluated for all
customers at once with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from pilotage.customers.summary import CustomerSummary, TimeUnit
from pilotage.errors import InvalidInput

Array = npt.NDArray[np.float64]
POLISH = {"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000}


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float  # in ``unit`` (the scale of the purchase rate λ)
    a: float
    b: float
    unit: TimeUnit
    log_likelihood: float = float("nan")

    def as_array(self) -> Array:
        return np.array([self.r, self.alpha, self.a, self.b])


def log_likelihood(
    params: Array, frequency: Array, recency: Array, age: Array
) -> npt.NDArray[np.float64]:
    """Each customer's log-likelihood (paper eq. 6) for params = (r, α, a, b)."""
    r, alpha, a, b = (float(v) for v in params)
    x = frequency
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    alive = -(r + x) * np.log(alpha + age)
    repeat = x > 0
    # ln(a / (b + x - 1)) is only defined (and only needed) when x > 0.
    dropped = np.full_like(x, -np.inf)
    xr = x[repeat]
    dropped[repeat] = np.log(a) - np.log(b + xr - 1) - (r + xr) * np.log(alpha + recency[repeat])
    result: npt.NDArray[np.float64] = common + np.logaddexp(alive, dropped)
    return result


def _check(summary: CustomerSummary) -> None:
    if len(summary) == 0:
        raise InvalidInput("no customers to fit", field="orders")
    if not (summary.frequency > 0).any():
        raise InvalidInput("no customer bought twice: BG/NBD cannot be fitted", field="orders")


LOG_BOUND = 15.0  # |log parameter| beyond which a fit has run off (e**15 ≈ 3.3 million)


def fit_bgnbd(summary: CustomerSummary) -> BgNbdParams:
    """Maximum-likelihood BG/NBD parameters for ``summary`` (times in ``summary.unit``)."""
    _check(summary)
    x, tx, age = summary.frequency, summary.recency, summary.age
    scale = float(np.mean(age)) or 1.0

    def objective(theta: Array) -> float:
        return -float(np.sum(log_likelihood(np.exp(theta), x, tx, age)))

    start = np.log(np.array([1.0, scale, 1.0, 1.0]))
    # Some parameter values on the way are outside the likelihood's domain (log 0); the
    # optimiser steps away from them, and a fit that never leaves them is refused below.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        found = minimize(objective, start, method="L-BFGS-B", bounds=[(-15.0, 15.0)] * 4)
        # Polish with Nelder-Mead: L-BFGS-B's finite-difference gradient stops early.
        found = minimize(objective, found.x, method="Nelder-Mead", options=POLISH)
    if not np.isfinite(found.fun):
        raise InvalidInput(
            "the BG/NBD model cannot be fitted on these orders (too few customers with "
            "repeat purchases)",
            field="orders",
        )
    if np.any(np.abs(found.x) > LOG_BOUND):
        # The likelihood keeps rising towards a boundary (a -> inf, b -> 0...): the
        # orders hold too little to fit the model, and such "parameters" mean nothing.
        raise InvalidInput(
            "the BG/NBD model cannot be fitted on these orders (the fit runs off to "
            "infinite parameters: too few customers with repeat purchases)",
            field="orders",
        )
    r, alpha, a, b = np.exp(found.x)
    return BgNbdParams(float(r), float(alpha), float(a), float(b), summary.unit, -float(found.fun))


def expected_purchases_new(params: BgNbdParams, t: float | Array) -> Array:
    """E[X(t)]: purchases of a newly acquired customer in ``t`` (``params.unit``), eq. 9."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + t)
    bracket = 1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1.0, z)
    result: Array = (a + b - 1.0) / (a - 1.0) * bracket
    return result


def probability_alive(params: BgNbdParams, summary: CustomerSummary) -> Array:
    """P(alive at T | x, t_x, T) for each customer of ``summary``."""
    _same_unit(params, summary)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = summary.frequency
    ratio = np.zeros_like(x)
    repeat = x > 0
    xr = x[repeat]
    log_ratio = (
        np.log(a)
        - np.log(b + xr - 1.0)
        + (r + xr) * (np.log(alpha + summary.age[repeat]) - np.log(alpha + summary.recency[repeat]))
    )
    ratio[repeat] = np.exp(log_ratio)
    result: Array = 1.0 / (1.0 + ratio)
    return result


def expected_purchases(params: BgNbdParams, summary: CustomerSummary, t: float) -> Array:
    """E[Y(t) | x, t_x, T]: each customer's purchases in the next ``t`` (params.unit), eq. 10."""
    _same_unit(params, summary)
    if not np.isfinite(t) or t < 0:
        raise InvalidInput(f"horizon {t} must be a finite number >= 0", field="t")
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, age = summary.frequency, summary.age
    z = t / (alpha + age + t)
    ratio = ((alpha + age) / (alpha + age + t)) ** (r + x)
    bracket = 1.0 - ratio * hyp2f1(r + x, b + x, a + b + x - 1.0, z)
    result: Array = (a + b + x - 1.0) / (a - 1.0) * bracket * probability_alive(params, summary)
    return result


def _same_unit(params: BgNbdParams, summary: CustomerSummary) -> None:
    if params.unit != summary.unit:
        raise InvalidInput(
            f"parameters are in {params.unit} but the summary is in {summary.unit}", field="unit"
        )
