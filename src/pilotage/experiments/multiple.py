"""Multiple-comparison corrections of p-values along the last axis.

- Holm (1979), "A simple sequentially rejective multiple test procedure", Scand. J.
  Statist. 6: sorted ``p_(i)`` becomes ``max_{j<=i} min(1, (m - j + 1) p_(j))``; controls
  the family-wise error rate.
- Benjamini & Hochberg (1995), JRSS B 57: sorted ``p_(i)`` becomes
  ``min_{j>=i} min(1, m p_(j)/j)``; controls the false-discovery rate.

Both match statsmodels ``multipletests`` (methods ``holm`` and ``fdr_bh``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pilotage.errors import InvalidInput
from pilotage.experiments.stats import Array


def _prepare(p_values: ArrayLike) -> tuple[Array, NDArray[np.intp]]:
    p = np.atleast_1d(np.asarray(p_values, dtype=np.float64))
    if p.size == 0 or not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise InvalidInput("p-values must be a non-empty list of numbers in [0, 1]", field="p")
    return p, np.argsort(p, axis=-1, kind="stable")


def _unsort(sorted_values: Array, order: NDArray[np.intp]) -> Array:
    out = np.empty_like(sorted_values)
    np.put_along_axis(out, order, sorted_values, axis=-1)
    return out


def holm(p_values: ArrayLike) -> Array:
    """Holm-adjusted p-values (module docstring)."""
    p, order = _prepare(p_values)
    m = p.shape[-1]
    ps = np.take_along_axis(p, order, axis=-1)
    adj = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * ps), axis=-1)
    return _unsort(adj, order)


def benjamini_hochberg(p_values: ArrayLike) -> Array:
    """Benjamini-Hochberg-adjusted p-values (module docstring)."""
    p, order = _prepare(p_values)
    m = p.shape[-1]
    ps = np.take_along_axis(p, order, axis=-1)
    raw = np.minimum(1.0, m * ps / np.arange(1, m + 1))
    adj = np.flip(np.minimum.accumulate(np.flip(raw, axis=-1), axis=-1), axis=-1)
    return _unsort(adj, order)
