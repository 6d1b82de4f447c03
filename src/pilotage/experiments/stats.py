"""Sufficient statistics of experiment variants, as numpy arrays (one element per analysis).

Every method of the package takes these and works on whole arrays at once: element ``i``
of a control statistic is compared with element ``i`` of a treatment statistic, so one
call analyses thousands of variant x metric pairs without a Python loop.

Conventions (the same as GrowthBook's gbstats ``models/statistics.py``):

- mean metric: ``mean = sum/n``, per-unit variance ``(sum_squares - sum**2/n)/(n - 1)``
  (the unbiased sample variance);
- proportion metric: ``p = conversions/n``, per-unit variance ``p(1 - p)`` (no ``n - 1``);
- ratio metric (``sum(m)/sum(d)`` over units): per-unit variance by the delta method with
  the covariance term, ``var_m/d^2 - 2 cov m/d^3 + m^2 var_d/d^4`` at the means
  (Deng, Knoblich, Lu, "Applying the Delta Method in Metric Analytics", KDD 2018, eq. 4).

Bad input (n < 1, NaN or infinite values, conversions outside ``0..n``, arrays of
different shapes, empty arrays) raises :class:`pilotage.errors.InvalidInput` naming the
field; nothing silently becomes NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pilotage.errors import InvalidInput

Array = NDArray[np.float64]


def as_array(value: ArrayLike, field: str, *, minimum: float | None = None) -> Array:
    """``value`` as a 1-d float array; InvalidInput if empty, NaN, infinite or below ``minimum``."""
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0:
        raise InvalidInput(f"{field} must be a non-empty list of numbers", field=field)
    if not np.all(np.isfinite(arr)):
        raise InvalidInput(f"{field} contains NaN or an infinite value", field=field)
    if minimum is not None and np.any(arr < minimum):
        bad = arr[arr < minimum][0]
        raise InvalidInput(f"{field} must be at least {minimum:g}, got {bad:g}", field=field)
    return arr


def same_shape(field: str, *arrays: Array) -> None:
    if len({a.shape for a in arrays}) > 1:
        shapes = ", ".join(str(a.shape[0]) for a in arrays)
        raise InvalidInput(f"{field}: arrays have different lengths ({shapes})", field=field)


class Moments(Protocol):
    """What every test needs from a variant: size, mean, per-unit variance, raw mean."""

    @property
    def n(self) -> Array: ...
    @property
    def mean(self) -> Array: ...
    @property
    def variance(self) -> Array: ...
    @property
    def unadjusted_mean(self) -> Array: ...


@dataclass(frozen=True, init=False)
class MeanStats:
    """A mean metric per variant: units ``n``, ``sum`` and ``sum_squares`` of the values."""

    n: Array
    sum: Array
    sum_squares: Array

    def __init__(self, n: ArrayLike, sum: ArrayLike, sum_squares: ArrayLike) -> None:
        arrays = (
            as_array(n, "n", minimum=1),
            as_array(sum, "sum"),
            as_array(sum_squares, "sum_squares", minimum=0),
        )
        same_shape("mean statistics", *arrays)
        count, total, squares = arrays
        # Cauchy-Schwarz: sum_squares >= sum**2 / n for real values; below it (beyond
        # rounding) the moments cannot come from data.
        short = squares < total**2 / count * (1 - 1e-9) - 1e-9
        if short.any():
            raise InvalidInput(
                "sum_squares is smaller than sum²/n: these moments cannot come from real values",
                field="sum_squares",
            )
        for name, arr in zip(("n", "sum", "sum_squares"), arrays, strict=True):
            object.__setattr__(self, name, arr)

    @property
    def mean(self) -> Array:
        return self.sum / self.n

    @property
    def unadjusted_mean(self) -> Array:
        return self.mean

    @property
    def variance(self) -> Array:
        """Unbiased per-unit variance; 0 when ``n == 1`` (then tests report ``zero_variance``)."""
        dev = np.maximum(self.sum_squares - self.sum**2 / self.n, 0.0)
        return np.divide(dev, self.n - 1, out=np.zeros_like(dev), where=self.n > 1)


@dataclass(frozen=True, init=False)
class ProportionStats:
    """A conversion metric per variant: units ``n`` and ``conversions`` (0 allowed)."""

    n: Array
    conversions: Array

    def __init__(self, n: ArrayLike, conversions: ArrayLike) -> None:
        n_arr = as_array(n, "n", minimum=1)
        c_arr = as_array(conversions, "conversions", minimum=0)
        same_shape("proportion statistics", n_arr, c_arr)
        if np.any(c_arr > n_arr):
            i = int(np.argmax(c_arr > n_arr))
            raise InvalidInput(
                f"conversions ({c_arr[i]:g}) exceed n ({n_arr[i]:g}) at row {i}",
                field="conversions",
            )
        object.__setattr__(self, "n", n_arr)
        object.__setattr__(self, "conversions", c_arr)

    @property
    def sum(self) -> Array:
        return self.conversions

    @property
    def sum_squares(self) -> Array:
        return self.conversions

    @property
    def mean(self) -> Array:
        return self.conversions / self.n

    @property
    def unadjusted_mean(self) -> Array:
        return self.mean

    @property
    def variance(self) -> Array:
        """Per-unit Bernoulli variance ``p(1 - p)`` (gbstats' convention, no ``n - 1``)."""
        p = self.mean
        return p * (1 - p)


@dataclass(frozen=True, init=False)
class RatioStats:
    """A ratio metric ``sum(m)/sum(d)`` over ``n`` randomisation units (e.g. revenue/session).

    ``cross_sum`` is ``sum(m_i * d_i)`` over units, needed for the covariance term.
    """

    n: Array
    num: MeanStats
    den: MeanStats
    cross_sum: Array

    def __init__(self, num: MeanStats, den: MeanStats, cross_sum: ArrayLike) -> None:
        cross = as_array(cross_sum, "cross_sum")
        same_shape("ratio statistics", num.n, den.n, cross)
        if np.any(num.n != den.n):
            raise InvalidInput("numerator and denominator must have the same n", field="n")
        if np.any(den.sum == 0):
            raise InvalidInput("a ratio metric's denominator sum is 0", field="den.sum")
        object.__setattr__(self, "n", num.n)
        object.__setattr__(self, "num", num)
        object.__setattr__(self, "den", den)
        object.__setattr__(self, "cross_sum", cross)

    @property
    def mean(self) -> Array:
        return self.num.sum / self.den.sum

    @property
    def unadjusted_mean(self) -> Array:
        return self.mean

    @property
    def covariance(self) -> Array:
        dev = self.cross_sum - self.num.sum * self.den.sum / self.n
        return np.divide(dev, self.n - 1, out=np.zeros_like(dev), where=self.n > 1)

    @property
    def variance(self) -> Array:
        """Delta-method per-unit variance of the ratio, covariance term included."""
        m, d = self.num.mean, self.den.mean
        var = (
            self.num.variance / d**2
            - 2 * self.covariance * m / d**3
            + m**2 * self.den.variance / d**4
        )
        return np.maximum(var, 0.0)


@dataclass(frozen=True)
class AdjustedMoments:
    """Moments after an adjustment (CUPED): the mean is adjusted, ``unadjusted_mean`` is not."""

    n: Array
    mean: Array
    variance: Array
    unadjusted_mean: Array
