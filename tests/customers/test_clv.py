"""CLV: telescoping without discount, discounting lowers it, units cannot be confused."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from pilotage.customers import (
    BgNbdParams,
    CustomerSummary,
    GammaGammaParams,
    cdnow_sample,
    customer_value,
    expected_average_value,
    expected_purchases,
    lifetime_value,
    month_length,
)
from pilotage.errors import InvalidInput


def test_month_length_per_unit() -> None:
    assert month_length("days") == pytest.approx(30.4375)
    assert month_length("weeks") == pytest.approx(30.4375 / 7)


def test_undiscounted_clv_is_value_times_expected_purchases(
    bgnbd_fit: BgNbdParams, gg_fit: GammaGammaParams, cdnow_weeks: CustomerSummary
) -> None:
    clv = lifetime_value(bgnbd_fit, gg_fit, cdnow_weeks, horizon_months=12, discount_rate=0.0)
    direct = expected_average_value(gg_fit, cdnow_weeks) * expected_purchases(
        bgnbd_fit, cdnow_weeks, 12 * 30.4375 / 7
    )
    np.testing.assert_allclose(clv, direct, rtol=1e-10)
    discounted = lifetime_value(
        bgnbd_fit, gg_fit, cdnow_weeks, horizon_months=12, discount_rate=0.01
    )
    assert np.all(discounted < clv) and np.all(discounted > clv / 1.01**12)


def test_days_and_weeks_give_the_same_value() -> None:
    orders = cdnow_sample()
    weeks = customer_value(orders, end=date(1997, 9, 30), unit="weeks", horizon_months=6)
    days = customer_value(orders, end=date(1997, 9, 30), unit="days", horizon_months=6)
    np.testing.assert_allclose(days.clv, weeks.clv, rtol=2e-3)
    assert weeks.rows()[0]["customer_id"] == "1"


@pytest.mark.parametrize(("horizon", "rate", "field"), [(0, 0.01, "horizon"),
                                                        (12, -0.1, "discount_rate"),
                                                        (12, float("nan"), "discount_rate")])  # fmt: skip
def test_bad_terms(horizon: int, rate: float, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        customer_value(cdnow_sample(), horizon_months=horizon, discount_rate=rate)
    assert error.value.field == field
