"""BG/NBD against the published CDNOW fit and against the model integrated numerically.

Published: Fader, Hardie & Lee (2005), Marketing Science 24(2), CDNOW sample, 39-week
calibration, weeks: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
Independent checks integrate the individual-level model over the Gamma(r, α) and
Beta(a, b) mixing distributions with scipy.integrate.quad, and simulate it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from scipy import integrate
from scipy.special import gamma as gamma_fn

from pilotage.customers import (
    BgNbdParams,
    CustomerSummary,
    expected_purchases,
    expected_purchases_new,
    fit_bgnbd,
    probability_alive,
)
from pilotage.customers.bgnbd import log_likelihood
from pilotage.errors import InvalidInput

PARAMS = BgNbdParams(0.243, 4.414, 0.793, 2.426, "weeks")
# (x, t_x, T) in weeks, including CDNOW customer 1 (2, 30.43, 38.86) and a one-timer.
CUSTOMERS = [(2.0, 30.43, 38.86), (0.0, 0.0, 38.86), (7.0, 35.0, 36.0), (1.0, 2.0, 32.0)]


def test_reproduces_the_published_fit(bgnbd_fit: BgNbdParams) -> None:
    # The paper gives 3 decimals: agree to rounding (5e-4) and the LL to 0.05.
    got = (bgnbd_fit.r, bgnbd_fit.alpha, bgnbd_fit.a, bgnbd_fit.b)
    assert got == pytest.approx((0.243, 4.414, 0.793, 2.426), abs=5e-4)
    assert bgnbd_fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)
    assert bgnbd_fit.unit == "weeks"


def test_alpha_scales_with_the_time_unit(cdnow_weeks: CustomerSummary) -> None:
    days = replace(
        cdnow_weeks, recency=cdnow_weeks.recency * 7, age=cdnow_weeks.age * 7, unit="days"
    )
    fit = fit_bgnbd(days)
    assert fit.unit == "days"
    assert fit.alpha == pytest.approx(4.414 * 7, rel=2e-3)
    assert (fit.r, fit.a, fit.b) == pytest.approx((0.243, 0.793, 2.426), abs=5e-4)


def _mixture(params: BgNbdParams, f: object) -> float:
    """∫∫ f(λ, p) dGamma(λ; r, α) dBeta(p; a, b), by nested quad.

    λ = y^(1/r) removes the λ^(r−1) singularity: Gamma(r, α)(dλ) = α^r/Γ(r+1) e^(−αλ) dy;
    the Beta weight p^(a−1) (1−p)^(b−1) is quad's algebraic weight."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b

    def over_lambda(p: float) -> float:
        def g(y: float) -> float:
            lam = y ** (1 / r)
            return float(f(lam, p) * np.exp(-alpha * lam))  # type: ignore[operator]

        value, _ = integrate.quad(g, 0, np.inf, limit=200, epsabs=1e-13, epsrel=1e-10)
        return float(value)

    norm_p = gamma_fn(a + b) / (gamma_fn(a) * gamma_fn(b))
    outer, _ = integrate.quad(
        over_lambda, 0, 1, weight="alg", wvar=(a - 1, b - 1), epsabs=1e-13, epsrel=1e-9
    )
    return float(outer * norm_p * alpha**r / gamma_fn(r + 1))


def _alive_and_dropped(x: float, tx: float, age: float) -> tuple[object, object]:
    def alive(lam: float, p: float) -> float:
        return float((1 - p) ** x * lam**x * np.exp(-lam * age))

    def dropped(lam: float, p: float) -> float:
        return float(p * (1 - p) ** (x - 1) * lam**x * np.exp(-lam * tx)) if x > 0 else 0.0

    return alive, dropped


def _bought_while_alive(lam: float, p: float, t: float) -> float:
    """Expected purchases in t of a customer alive now: ∫₀ᵗ λ e^(−λps) ds."""
    return lam * t if p == 0 else float(-np.expm1(-lam * p * t) / p)


@pytest.mark.parametrize(("x", "tx", "age"), CUSTOMERS)
def test_likelihood_alive_and_expectation_match_integration(
    x: float, tx: float, age: float
) -> None:
    summary = CustomerSummary(
        np.array(["c"]), np.array([x]), np.array([tx]), np.array([age]), np.zeros(1), "weeks",
        date(1997, 9, 30),
    )  # fmt: skip
    alive, dropped = _alive_and_dropped(x, tx, age)
    l_alive = _mixture(PARAMS, alive)
    l_total = l_alive + _mixture(PARAMS, dropped)
    ll = log_likelihood(PARAMS.as_array(), summary.frequency, summary.recency, summary.age)
    assert ll[0] == pytest.approx(np.log(l_total), abs=1e-6)
    assert probability_alive(PARAMS, summary)[0] == pytest.approx(l_alive / l_total, rel=1e-6)
    t = 39.0
    future = _mixture(PARAMS, lambda lam, p: alive(lam, p) * _bought_while_alive(lam, p, t))
    got = expected_purchases(PARAMS, summary, t)[0]
    assert got == pytest.approx(future / l_total, rel=1e-5)


def test_new_customer_expectation_matches_a_simulation() -> None:
    # X(t) = min(N, K): N ~ Poisson(λt) purchases while buying, K ~ Geometric(p) purchases
    # until the one after which the customer drops out.
    rng = np.random.default_rng(20050301)
    n, t = 400_000, 39.0
    lam = rng.gamma(PARAMS.r, 1 / PARAMS.alpha, n)
    p = rng.beta(PARAMS.a, PARAMS.b, n)
    x = np.minimum(rng.poisson(lam * t), rng.geometric(p))
    stderr = x.std() / np.sqrt(n)
    assert float(expected_purchases_new(PARAMS, t)) == pytest.approx(x.mean(), abs=4 * stderr)


def test_units_must_match(cdnow_weeks: CustomerSummary) -> None:
    with pytest.raises(InvalidInput) as error:
        probability_alive(replace(PARAMS, unit="days"), cdnow_weeks)
    assert error.value.field == "unit"
    with pytest.raises(InvalidInput):
        expected_purchases(PARAMS, cdnow_weeks, float("nan"))


def test_nobody_repeating_cannot_be_fitted(cdnow_weeks: CustomerSummary) -> None:
    none = replace(cdnow_weeks, frequency=np.zeros(len(cdnow_weeks)))
    with pytest.raises(InvalidInput, match="bought twice"):
        fit_bgnbd(none)
