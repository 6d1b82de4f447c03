"""Gamma-Gamma against the published CDNOW fit and the model integrated numerically.

Published: Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4), CDNOW, 946 repeat
customers: p = 6.25, q = 3.74, v = 15.44. The independent checks build the density of m̄
from scipy.stats: m̄ | ν ~ Gamma(px, rate xν) (mean of x Gamma(p, ν) values) and
ν ~ Gamma(q, rate v).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from scipy import integrate, stats

from pilotage.customers import (
    CustomerSummary,
    GammaGammaParams,
    expected_average_value,
    fit_gammagamma,
)
from pilotage.customers.gammagamma import log_likelihood
from pilotage.errors import InvalidInput

PARAMS = GammaGammaParams(6.25, 3.74, 15.44)


def test_reproduces_the_published_fit(gg_fit: GammaGammaParams) -> None:
    # Published to 2 decimals: agree to rounding (5e-3).
    assert (gg_fit.p, gg_fit.q, gg_fit.v) == pytest.approx((6.25, 3.74, 15.44), abs=5e-3)


def _density(x: float, m: float) -> float:
    p, q, v = PARAMS.p, PARAMS.q, PARAMS.v

    def given(nu: float) -> float:
        spend = stats.gamma.pdf(m, p * x, scale=1 / (x * nu))
        return float(spend * stats.gamma.pdf(nu, q, scale=1 / v))

    value, _ = integrate.quad(given, 0, np.inf, epsabs=1e-14, epsrel=1e-10, limit=200)
    return float(value)


@pytest.mark.parametrize(("x", "m"), [(1, 11.77), (2, 22.35), (5, 40.0), (12, 3.5)])
def test_density_and_expectation_match_integration(x: int, m: float) -> None:
    ll = log_likelihood(np.array([PARAMS.p, PARAMS.q, PARAMS.v]), np.array([x]), np.array([m]))
    assert ll[0] == pytest.approx(np.log(_density(x, m)), abs=1e-7)

    # E[M | x, m̄] = E[p / ν | m̄]: the posterior mean of the transaction mean.
    def weighted(nu: float) -> float:
        spend = stats.gamma.pdf(m, PARAMS.p * x, scale=1 / (x * nu))
        return float(PARAMS.p / nu * spend * stats.gamma.pdf(nu, PARAMS.q, scale=1 / PARAMS.v))

    numerator, _ = integrate.quad(weighted, 0, np.inf, epsabs=1e-14, epsrel=1e-10, limit=200)
    summary = CustomerSummary(
        np.array(["c"]), np.array([float(x)]), np.zeros(1), np.ones(1), np.array([m]), "weeks",
        date(2000, 1, 1),
    )  # fmt: skip
    got = expected_average_value(PARAMS, summary)[0]
    assert got == pytest.approx(numerator / _density(x, m), rel=1e-7)


def test_density_integrates_to_one() -> None:
    total, _ = integrate.quad(
        lambda m: float(np.exp(log_likelihood(np.array([6.25, 3.74, 15.44]), np.array([3.0]),
                                              np.array([m]))[0])),
        0, np.inf, limit=200,
    )  # fmt: skip
    assert total == pytest.approx(1.0, abs=1e-8)


def test_zero_repeat_amount_is_refused(cdnow_weeks: CustomerSummary) -> None:
    bad = replace(cdnow_weeks, monetary=np.zeros(len(cdnow_weeks)))
    with pytest.raises(InvalidInput) as error:
        fit_gammagamma(bad)
    assert error.value.field == "amount"
