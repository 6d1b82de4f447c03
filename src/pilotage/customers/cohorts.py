"""Cohort retention by first-purchase month.

A customer's cohort is the calendar month of their first order. Cell (cohort c, offset
k) counts the customers of c with at least one order in the month c + k (k = 0 is the
first month, so it holds the whole cohort); percent = count / cohort size × 100.
Offsets run up to the month of the last order in the data: cells that lie after it are
absent (``None``), not zero, because that month has not been observed yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pilotage.customers.orders import Orders


@dataclass(frozen=True)
class CohortMatrix:
    cohorts: tuple[str, ...]  # "YYYY-MM", oldest first
    sizes: tuple[int, ...]
    counts: tuple[tuple[int, ...], ...]  # counts[c][k]: customers of c active in month c+k

    def percent(self) -> tuple[tuple[float, ...], ...]:
        return tuple(
            tuple(round(100.0 * n / size, 2) for n in row)
            for row, size in zip(self.counts, self.sizes, strict=True)
        )

    def cells(self) -> list[dict[str, Any]]:
        """Heatmap-ready: one dict per observed (cohort, offset) cell."""
        return [
            {
                "cohort": cohort,
                "offset": k,
                "size": size,
                "customers": n,
                "percent": pct,
            }
            for cohort, size, row, pct_row in zip(
                self.cohorts, self.sizes, self.counts, self.percent(), strict=True
            )
            for k, (n, pct) in enumerate(zip(row, pct_row, strict=True))
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cohorts": list(self.cohorts),
            "sizes": list(self.sizes),
            "counts": [list(row) for row in self.counts],
            "percent": [list(row) for row in self.percent()],
        }


def cohort_matrix(orders: Orders) -> CohortMatrix:
    """Retention counts of ``orders`` by first-purchase month (see the module docstring)."""
    month = orders.day.astype("datetime64[M]").astype(np.int64)
    ids, inverse = np.unique(orders.customer, return_inverse=True)
    first = np.full(ids.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, inverse, month)
    cohort_months = np.unique(first)
    last_month = int(month.max())
    offset = month - first[inverse]
    active = np.unique(np.stack([first[inverse], offset, inverse]), axis=1)
    counts: list[tuple[int, ...]] = []
    sizes: list[int] = []
    for cm in cohort_months:
        in_cohort = active[:, active[0] == cm]
        width = last_month - int(cm) + 1
        counts.append(tuple(np.bincount(in_cohort[1], minlength=width).tolist()))
        sizes.append(int(np.sum(first == cm)))
    return CohortMatrix(_month_labels(cohort_months), tuple(sizes), tuple(counts))


def _month_labels(months: npt.NDArray[np.int64]) -> tuple[str, ...]:
    return tuple(str(np.datetime64(int(m), "M")) for m in months)
