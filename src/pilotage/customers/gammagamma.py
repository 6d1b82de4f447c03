"""Gamma-Gamma: the mean value of a customer's future transactions.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base
analysis", Journal of Marketing Research 42(4):415-430, section 3 (after Colombo & Jiang,
1999; and Fader & Hardie's note "The Gamma-Gamma model of monetary value", 2013).
Transaction values are Gamma(p, ν); ν ~ Gamma(q, v) across customers. For a customer
with x > 0 repeat transactions of mean value m̄:

- density of m̄ (note eq. 1): f(m̄ | x) = Γ(px+q) / (Γ(px) Γ(q)) · v^q m̄^(px−1) x^px
  / (v + x m̄)^(px+q)
- conditional expected value (paper eq. 5): E[M | x, m̄] = p (v + x m̄) / (px + q − 1),
  defined for px + q > 1.

The model is fitted on customers with x > 0 only (x = 0 carries no repeat value), by
maximum likelihood over ln p, ln q, ln v. p and q have no unit; v is in the currency of
the amounts. It assumes spend and frequency are independent: check their correlation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import gammaln

from pilotage.customers.summary import CustomerSummary
from pilotage.errors import InvalidInput

Array = npt.NDArray[np.float64]
OPTIONS = {"xatol": 1e-9, "fatol": 1e-10, "maxiter": 4000}


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    v: float  # in the currency of the amounts
    log_likelihood: float = float("nan")


def log_likelihood(params: Array, frequency: Array, monetary: Array) -> Array:
    """Each repeat customer's log-density of m̄ given x, for params = (p, q, v)."""
    p, q, v = (float(value) for value in params)
    px = p * frequency
    result: Array = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1.0) * np.log(monetary)
        + px * np.log(frequency)
        - (px + q) * np.log(v + frequency * monetary)
    )
    return result


def _repeaters(summary: CustomerSummary) -> tuple[Array, Array]:
    keep = summary.frequency > 0
    if not keep.any():
        raise InvalidInput("no customer bought twice: Gamma-Gamma cannot be fitted", field="orders")
    x, m = summary.frequency[keep], summary.monetary[keep]
    if (m <= 0).any():
        raise InvalidInput(
            "Gamma-Gamma needs a positive mean repeat amount for every repeat customer",
            field="amount",
        )
    return x, m


LOG_BOUND = 15.0  # |log parameter| beyond which a fit has run off (e**15 ≈ 3.3 million)


def fit_gammagamma(summary: CustomerSummary) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters from the repeat customers of ``summary``."""
    x, m = _repeaters(summary)

    def objective(theta: Array) -> float:
        return -float(np.sum(log_likelihood(np.exp(theta), x, m)))

    start = np.log(np.array([1.0, 1.0, float(np.mean(m))]))
    found = minimize(objective, start, method="Nelder-Mead", options=OPTIONS)
    if not np.isfinite(found.fun):
        raise InvalidInput("the Gamma-Gamma likelihood could not be maximised", field="orders")
    if np.any(np.abs(found.x) > LOG_BOUND):
        raise InvalidInput(
            "the Gamma-Gamma model cannot be fitted on these orders (the fit runs off to "
            "infinite parameters: too few repeat customers)",
            field="orders",
        )
    p, q, v = np.exp(found.x)
    return GammaGammaParams(float(p), float(q), float(v), -float(found.fun))


def expected_average_value(params: GammaGammaParams, summary: CustomerSummary) -> Array:
    """E[M | x, m̄] per customer; customers with x = 0 get the population mean p v / (q − 1)."""
    p, q, v = params.p, params.q, params.v
    if q <= 1:
        raise InvalidInput(f"q = {q:g} <= 1: the mean spend is infinite", field="q")
    x, m = summary.frequency, summary.monetary
    result: Array = p * (v + x * m) / (p * x + q - 1.0)
    return result
