"""Per-customer (x, t_x, T, m̄) summary: the input of BG/NBD and Gamma-Gamma.

Definitions of Fader, Hardie & Lee (2005), "Counting your customers the easy way",
Marketing Science 24(2), section 2, and of their CDNOW analysis:

- orders of one customer on the same day are one transaction (amounts summed);
- ``frequency`` x = number of *repeat* transactions (transaction days after the first);
- ``recency`` t_x = time from the first to the last transaction;
- ``age`` T = time from the first transaction to the end of the calibration period;
- ``monetary`` m̄ = mean value of the repeat transactions (0 when x = 0): the first
  purchase is left out, as in Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4).

Only orders on or before ``end`` count; customers whose first order is after ``end`` are
left out. Times are in ``unit``: ``"days"`` or ``"weeks"`` (7 days); a summary always
carries its unit, and the models keep it on their fitted parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import numpy.typing as npt

from pilotage.customers.orders import Orders
from pilotage.errors import InvalidInput

TimeUnit = Literal["days", "weeks"]
DAYS_PER_UNIT: dict[str, float] = {"days": 1.0, "weeks": 7.0}


@dataclass(frozen=True)
class CustomerSummary:
    customer: npt.NDArray[np.str_]
    frequency: npt.NDArray[np.float64]
    recency: npt.NDArray[np.float64]
    age: npt.NDArray[np.float64]
    monetary: npt.NDArray[np.float64]
    unit: TimeUnit
    end: date

    def __len__(self) -> int:
        return int(self.frequency.size)


def check_unit(unit: str) -> TimeUnit:
    if unit == "days":
        return "days"
    if unit == "weeks":
        return "weeks"
    raise InvalidInput(f"time unit {unit!r} is not days or weeks", field="unit")


def summarise(orders: Orders, *, end: date, unit: TimeUnit) -> CustomerSummary:
    """The calibration summary of ``orders`` up to ``end`` (inclusive), times in ``unit``."""
    per_day = DAYS_PER_UNIT[check_unit(unit)]
    keep = orders.day <= np.datetime64(end, "D")
    if not keep.any():
        raise InvalidInput(f"no order on or before {end}", field="end")
    customers, days, amounts = _transactions(orders, keep)
    ids, first_index, count = np.unique(customers, return_index=True, return_counts=True)
    last_index = first_index + count - 1
    first, last = days[first_index], days[last_index]
    end_day = np.datetime64(end, "D")
    repeat_total = np.add.reduceat(amounts, first_index) - amounts[first_index]
    frequency = (count - 1).astype(np.float64)
    monetary = np.divide(
        repeat_total, frequency, out=np.zeros_like(repeat_total), where=frequency > 0
    )
    return CustomerSummary(
        ids,
        frequency,
        (last - first).astype(np.float64) / per_day,
        (end_day - first).astype(np.float64) / per_day,
        monetary,
        unit,
        end,
    )


def _transactions(
    orders: Orders, keep: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.datetime64], npt.NDArray[np.float64]]:
    """Orders merged per (customer, day), sorted by customer then day."""
    customer, day, amount = orders.customer[keep], orders.day[keep], orders.amount[keep]
    order = np.lexsort((day, customer))
    customer, day, amount = customer[order], day[order], amount[order]
    new = np.ones(customer.size, dtype=bool)
    new[1:] = (customer[1:] != customer[:-1]) | (day[1:] != day[:-1])
    starts = np.flatnonzero(new)
    return customer[starts], day[starts], np.add.reduceat(amount, starts)
