"""RFM: recency, frequency and monetary value per customer, quintile scores, segments.

Values, as of ``as_of`` (default: the day of the last order):
recency = days since the customer's last order; frequency = number of orders;
monetary = total amount of the orders.

Scores 1-5 by quintile of the customer base, ties kept together: a customer's score is
1 + ⌊5 · s / n⌋, where s is the number of customers *strictly worse* (more days of
recency; fewer orders; less money) and n the number of customers. So equal values always
get the same score, a quintile edge belongs to the upper quintile, and when many
customers tie (e.g. 60 % with one order) the scores they would have spread over are left
empty instead of being split arbitrarily. This is ``scipy.stats.percentileofscore(...,
kind="strict")`` cut at 20, 40, 60 and 80.

Segments follow the R and (F + M) / 2 score ranges of Putler's RFM guide ("RFM Analysis
For Successful Customer Segmentation", putler.com/rfm-analysis). Those ranges overlap and
are written for 0-5 scores, so the rules are applied in the order of ``SEGMENT_RULES``
(first match wins), with two stated changes so that every segment can occur on 1-5
scores: "Can't lose them" is tested before "At risk" and "Need attention" before "At
risk"; "Lost" (Putler: R 0-2, FM 0-2, which contains Hibernating) is the floor R = 1 and
FM = 1, tested before "Hibernating". Every (R, F, M) gets exactly one segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from pilotage.customers.orders import Orders
from pilotage.errors import InvalidInput

IntArray = npt.NDArray[np.int64]
# (segment, R min, R max, FM min, FM max), FM = (F + M) / 2; first match wins.
SEGMENT_RULES: tuple[tuple[str, int, int, float, float], ...] = (
    ("Champions", 4, 5, 4, 5),
    ("Loyal", 2, 5, 3, 5),
    ("New", 4, 5, 1, 1),
    ("Promising", 3, 4, 1, 1),
    ("Potential loyalists", 3, 5, 1, 3),
    ("Can't lose them", 1, 1, 4, 5),
    ("Need attention", 2, 3, 2, 3),
    ("At risk", 1, 2, 2, 5),
    ("About to sleep", 2, 3, 1, 2),
    ("Lost", 1, 1, 1, 1),
    ("Hibernating", 1, 2, 1, 2),
)
SEGMENTS = tuple(rule[0] for rule in SEGMENT_RULES)


@dataclass(frozen=True)
class RfmTable:
    customer: npt.NDArray[np.str_]
    recency: IntArray  # days
    frequency: IntArray  # orders
    monetary: npt.NDArray[np.float64]
    r_score: IntArray
    f_score: IntArray
    m_score: IntArray
    segment: npt.NDArray[np.str_]
    as_of: date

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "customer_id": str(self.customer[i]),
                "recency_days": int(self.recency[i]),
                "frequency": int(self.frequency[i]),
                "monetary": float(self.monetary[i]),
                "r": int(self.r_score[i]),
                "f": int(self.f_score[i]),
                "m": int(self.m_score[i]),
                "segment": str(self.segment[i]),
            }
            for i in range(self.customer.size)
        ]

    def segment_counts(self) -> list[tuple[str, int]]:
        """(segment, customers) for every segment, in ``SEGMENTS`` order."""
        return [(name, int(np.sum(self.segment == name))) for name in SEGMENTS]


def quintile_scores(values: npt.ArrayLike, *, higher_is_better: bool = True) -> IntArray:
    """Scores 1-5: 1 + ⌊5 · (customers strictly worse) / n⌋ (see the module docstring)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise InvalidInput("no values to score", field="orders")
    ordered = np.sort(v)
    if higher_is_better:
        worse = np.searchsorted(ordered, v, side="left")
    else:
        worse = v.size - np.searchsorted(ordered, v, side="right")
    scores: IntArray = 1 + (5 * worse) // v.size
    return scores


def segment_of(r: npt.ArrayLike, f: npt.ArrayLike, m: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """The segment name of each (R, F, M) score triple (first matching rule)."""
    r_a = np.asarray(r)
    fm = (np.asarray(f) + np.asarray(m)) / 2.0
    names = [name for name, *_ in SEGMENT_RULES]
    conditions = [
        (r_a >= r_lo) & (r_a <= r_hi) & (fm >= fm_lo) & (fm <= fm_hi)
        for _, r_lo, r_hi, fm_lo, fm_hi in SEGMENT_RULES
    ]
    result: npt.NDArray[np.str_] = np.select(conditions, names, default="").astype(np.str_)
    return result


def rfm_table(orders: Orders, *, as_of: date | None = None) -> RfmTable:
    """The RFM table of ``orders`` as of ``as_of`` (default: the last order's day)."""
    last_day = orders.day.max()
    as_of = as_of or last_day.astype(date)
    if np.datetime64(as_of, "D") < last_day:
        raise InvalidInput(f"as-of date {as_of} is before the last order {last_day}", field="as_of")
    ids, inverse = np.unique(orders.customer, return_inverse=True)
    days = orders.day.astype(np.int64)  # days since 1970-01-01
    latest = np.full(ids.size, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(latest, inverse, days)
    recency = np.datetime64(as_of, "D").astype(np.int64) - latest
    frequency = np.bincount(inverse, minlength=ids.size).astype(np.int64)
    monetary = np.bincount(inverse, weights=orders.amount, minlength=ids.size).astype(np.float64)
    r = quintile_scores(recency, higher_is_better=False)
    f = quintile_scores(frequency)
    m = quintile_scores(monetary)
    return RfmTable(ids, recency, frequency, monetary, r, f, m, segment_of(r, f, m), as_of)
