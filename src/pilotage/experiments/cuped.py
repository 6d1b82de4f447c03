"""CUPED: variance reduction with a pre-experiment covariate (Deng, Xu, Kohavi, Walker, WSDM 2013).

Each unit has a post-period value ``y`` and a pre-period value ``x``. The adjusted value
is ``y - theta x`` with ``theta = cov(y, x)/var(x)`` estimated on both arms *pooled*
(so it does not depend on the assignment). The adjusted mean is ``mean_y - theta mean_x``
and its per-unit variance ``var_y + theta^2 var_x - 2 theta cov(y, x)``. The relative
lift divides by the *unadjusted* control mean ``mean_y(A)``. This is gbstats 0.8.0
``compute_theta`` and ``RegressionAdjustedStatistic``; covariances use ``n - 1``. When the
pooled pre-period (or post-period) variance is 0, ``theta`` is 0 (no adjustment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from pilotage.errors import InvalidInput
from pilotage.experiments.stats import AdjustedMoments, Array, MeanStats, as_array, same_shape


@dataclass(frozen=True, init=False)
class CupedStats:
    """Post-period and pre-period moments of the same units, and ``sum(y_i * x_i)``."""

    post: MeanStats
    pre: MeanStats
    cross_sum: Array

    def __init__(self, post: MeanStats, pre: MeanStats, cross_sum: ArrayLike) -> None:
        cross = as_array(cross_sum, "cross_sum")
        same_shape("CUPED statistics", post.n, pre.n, cross)
        if np.any(post.n != pre.n):
            raise InvalidInput("post and pre statistics must have the same n", field="n")
        object.__setattr__(self, "post", post)
        object.__setattr__(self, "pre", pre)
        object.__setattr__(self, "cross_sum", cross)

    @property
    def n(self) -> Array:
        return self.post.n


def _cov(cross: Array, sum_y: Array, sum_x: Array, n: Array) -> Array:
    return np.asarray((cross - sum_y * sum_x / n) / np.maximum(n - 1, 1), dtype=np.float64)


def cuped_theta(a: CupedStats, b: CupedStats) -> Array:
    """Pooled ``theta = cov(y, x)/var(x)`` over both arms; 0 where a variance is 0."""
    same_shape("variants", a.n, b.n)
    n = a.n + b.n
    pre = MeanStats(n, a.pre.sum + b.pre.sum, a.pre.sum_squares + b.pre.sum_squares)
    post = MeanStats(n, a.post.sum + b.post.sum, a.post.sum_squares + b.post.sum_squares)
    cov = _cov(a.cross_sum + b.cross_sum, post.sum, pre.sum, n)
    ok = (pre.variance > 0) & (post.variance > 0)
    return np.where(ok, cov / np.where(ok, pre.variance, 1.0), 0.0)


def _adjust(s: CupedStats, theta: Array) -> AdjustedMoments:
    cov = _cov(s.cross_sum, s.post.sum, s.pre.sum, s.n)
    var = s.post.variance + theta**2 * s.pre.variance - 2 * theta * cov
    return AdjustedMoments(
        n=s.n,
        mean=s.post.mean - theta * s.pre.mean,
        variance=np.maximum(var, 0.0),
        unadjusted_mean=s.post.mean,
    )


def cuped(a: CupedStats, b: CupedStats) -> tuple[AdjustedMoments, AdjustedMoments, Array]:
    """Adjusted moments of control and treatment (feed them to any test), and ``theta``."""
    theta = cuped_theta(a, b)
    return _adjust(a, theta), _adjust(b, theta), theta
