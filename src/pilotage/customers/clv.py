"""Customer lifetime value: BG/NBD purchases × Gamma-Gamma value, discounted monthly.

For each customer, over ``horizon`` months with a monthly discount rate d:

    CLV = Σ_{k=1..horizon} E[M | x, m̄] · (E[Y(k·μ)] − E[Y((k−1)·μ)]) / (1 + d)^k

where E[Y(t)] is the BG/NBD conditional expectation (``bgnbd.expected_purchases``),
E[M] the Gamma-Gamma expected transaction value and μ one month in the model's time unit
(365.25 / 12 = 30.4375 days, or 4.348 weeks). This is the discrete discounted-cash-flow
form used by the ``lifetimes`` package (``utils._customer_lifetime_value``), here with the
month length derived from the summary's unit instead of a ``freq`` argument, so a weekly
fit is never read as daily. Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4), give the
continuous-discounting equivalent (DERT). The horizon is in months; the discount rate is
per month (e.g. 0.01 ≈ 12.7 % a year). The value is in the currency of the amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from pilotage.customers.bgnbd import (
    BgNbdParams,
    expected_purchases,
    fit_bgnbd,
    probability_alive,
)
from pilotage.customers.gammagamma import (
    GammaGammaParams,
    expected_average_value,
    fit_gammagamma,
)
from pilotage.customers.orders import Orders
from pilotage.customers.summary import DAYS_PER_UNIT, CustomerSummary, TimeUnit, summarise
from pilotage.errors import InvalidInput

Array = npt.NDArray[np.float64]
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class CustomerValue:
    """Per-customer model outputs (arrays aligned with ``summary.customer``)."""

    summary: CustomerSummary
    bgnbd: BgNbdParams
    gammagamma: GammaGammaParams
    horizon_months: int
    discount_rate: float
    probability_alive: Array
    expected_purchases: Array  # over the horizon
    expected_value: Array  # mean value of one future transaction
    clv: Array

    def rows(self) -> list[dict[str, Any]]:
        s = self.summary
        return [
            {
                "customer_id": str(s.customer[i]),
                "frequency": float(s.frequency[i]),
                "recency": float(s.recency[i]),
                "age": float(s.age[i]),
                "monetary": float(s.monetary[i]),
                "probability_alive": float(self.probability_alive[i]),
                "expected_purchases": float(self.expected_purchases[i]),
                "expected_value": float(self.expected_value[i]),
                "clv": float(self.clv[i]),
            }
            for i in range(len(s))
        ]


def month_length(unit: TimeUnit) -> float:
    """One month (365.25 / 12 days) in ``unit``."""
    return DAYS_PER_MONTH / DAYS_PER_UNIT[unit]


def lifetime_value(
    bgnbd: BgNbdParams,
    gammagamma: GammaGammaParams,
    summary: CustomerSummary,
    *,
    horizon_months: int,
    discount_rate: float,
) -> Array:
    """CLV per customer of ``summary`` (see the module docstring for the formula)."""
    _check_terms(horizon_months, discount_rate)
    value = expected_average_value(gammagamma, summary)
    month = month_length(summary.unit)
    total = np.zeros(len(summary))
    before = np.zeros(len(summary))
    for k in range(1, horizon_months + 1):
        after = expected_purchases(bgnbd, summary, k * month)
        total += value * (after - before) / (1.0 + discount_rate) ** k
        before = after
    return total


def _check_terms(horizon_months: int, discount_rate: float) -> None:
    if horizon_months < 1 or horizon_months > 1200:
        raise InvalidInput(
            f"horizon {horizon_months} months is not between 1 and 1200", field="horizon"
        )
    if not np.isfinite(discount_rate) or not 0 <= discount_rate < 1:
        raise InvalidInput(
            f"monthly discount rate {discount_rate} is not in [0, 1)", field="discount_rate"
        )


def customer_value(
    orders: Orders,
    *,
    end: date | None = None,
    unit: TimeUnit = "weeks",
    horizon_months: int = 12,
    discount_rate: float = 0.01,
) -> CustomerValue:
    """Fit BG/NBD and Gamma-Gamma on ``orders`` up to ``end`` (default: the last order
    date), and value every customer over ``horizon_months`` months."""
    _check_terms(horizon_months, discount_rate)
    end = end or orders.day.max().astype(date)
    summary = summarise(orders, end=end, unit=unit)
    bgnbd, gammagamma = fit_bgnbd(summary), fit_gammagamma(summary)
    horizon = horizon_months * month_length(unit)
    return CustomerValue(
        summary,
        bgnbd,
        gammagamma,
        horizon_months,
        discount_rate,
        probability_alive(bgnbd, summary),
        expected_purchases(bgnbd, summary, horizon),
        expected_average_value(gammagamma, summary),
        lifetime_value(
            bgnbd, gammagamma, summary, horizon_months=horizon_months, discount_rate=discount_rate
        ),
    )
