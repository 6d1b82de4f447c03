"""Sample-ratio mismatch: Pearson's chi-square goodness of fit of observed units per arm.

``X^2 = sum_i (o_i - e_i)^2/e_i`` with ``e_i = w_i/sum(w) * sum(o)``, ``k - 1`` degrees of
freedom (Pearson 1900; gbstats ``check_srm``; Fabijan et al., "Diagnosing Sample Ratio
Mismatch in Online Controlled Experiments", KDD 2019). A mismatch is flagged when the
p-value is below ``threshold``, 0.001 by default (GrowthBook's and Fabijan et al.'s value),
so that designed unequal splits (e.g. 95/5) are tested against their own weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from pilotage.errors import InvalidInput
from pilotage.experiments.stats import Array

DEFAULT_SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SrmResult:
    statistic: Array
    p_value: Array
    mismatch: NDArray[np.bool_]


def srm_check(
    counts: ArrayLike, weights: ArrayLike | None = None, threshold: float = DEFAULT_SRM_THRESHOLD
) -> SrmResult:
    """Chi-square SRM test; ``counts`` is ``(arms,)`` or ``(experiments, arms)``.

    ``weights`` (same last dimension; default equal) are the designed split. Every weight
    must be positive and every experiment must have at least one unit.
    """
    obs = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    if obs.ndim != 2 or obs.shape[1] < 2:
        raise InvalidInput("SRM needs the units of at least two arms", field="counts")
    if not np.all(np.isfinite(obs)) or np.any(obs < 0):
        raise InvalidInput("arm counts must be finite and non-negative", field="counts")
    w = np.ones(obs.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape[-1] != obs.shape[1] or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise InvalidInput("one positive weight per arm is needed", field="weights")
    total = obs.sum(axis=1, keepdims=True)
    if np.any(total == 0):
        raise InvalidInput("an experiment has no units in any arm", field="counts")
    expected = w / w.sum(axis=-1, keepdims=True) * total
    stat = ((obs - expected) ** 2 / expected).sum(axis=1)
    p = sps.chi2.sf(stat, obs.shape[1] - 1)
    return SrmResult(statistic=stat, p_value=p, mismatch=p < threshold)
