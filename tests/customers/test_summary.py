"""(x, t_x, T, m̄): same-day orders merged, first purchase left out of m̄, units explicit."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from pilotage.customers import CustomerSummary, orders_from_rows, summarise
from pilotage.customers.summary import check_unit
from pilotage.errors import InvalidInput

ROWS = [
    ("a", date(2024, 1, 1), 10.0),
    ("a", date(2024, 1, 8), 4.0),
    ("a", date(2024, 1, 8), 2.0),  # same day: one transaction of 6
    ("a", date(2024, 1, 15), 8.0),
    ("a", date(2024, 3, 1), 99.0),  # after the calibration end
    ("b", date(2024, 1, 22), 5.0),
    ("c", date(2024, 2, 20), 1.0),  # first order after the end: left out
]


def test_hand_worked_summary_in_weeks_and_days() -> None:
    orders = orders_from_rows(ROWS, today=date(2024, 6, 1))
    weeks = summarise(orders, end=date(2024, 1, 29), unit="weeks")
    assert weeks.customer.tolist() == ["a", "b"]
    assert weeks.frequency.tolist() == [2.0, 0.0]
    assert weeks.recency.tolist() == [2.0, 0.0]
    assert weeks.age.tolist() == [4.0, 1.0]
    assert weeks.monetary.tolist() == [7.0, 0.0]  # (6 + 8) / 2, first purchase excluded
    days = summarise(orders, end=date(2024, 1, 29), unit="days")
    np.testing.assert_allclose(days.age, weeks.age * 7)


def test_cdnow_has_946_repeat_buyers(cdnow_weeks: CustomerSummary) -> None:
    # Fader, Hardie & Lee (2005, JMR) fit Gamma-Gamma on the 946 CDNOW customers who made
    # at least one repeat purchase in the 39-week calibration period.
    assert len(cdnow_weeks) == 2357
    assert int(np.sum(cdnow_weeks.frequency > 0)) == 946
    assert cdnow_weeks.age.max() == pytest.approx(272 / 7)  # 1997-01-01 .. 1997-09-30


def test_bad_unit_and_empty_period() -> None:
    with pytest.raises(InvalidInput) as error:
        check_unit("months")
    assert error.value.field == "unit"
    orders = orders_from_rows(ROWS, today=date(2024, 6, 1))
    with pytest.raises(InvalidInput, match="no order"):
        summarise(orders, end=date(2023, 1, 1), unit="days")
