"""Sample size, power and minimum detectable effect (MDE) for proportions and means.

All sizes are *per arm*, arms of equal size. With ``arms > 2`` each treatment is compared
with the control at ``alpha/(arms - 1)`` (Bonferroni), so the family-wise error rate of
the experiment stays at ``alpha``. ``z_a = z_{1-alpha/2}`` (two-sided) or ``z_{1-alpha}``.

- Proportions, ``method="evan_miller"`` (default; Evan Miller's sample-size calculator,
  https://www.evanmiller.org/ab-testing/sample-size.html): with baseline ``p`` and absolute
  effect ``d``, ``n = (z_a sqrt(2p(1-p)) + z_b sqrt(p(1-p) + (p+d)(1-p-d)))^2/d^2``.
- Proportions, ``method="arcsine"``: Cohen's ``h = 2 asin sqrt(p+d) - 2 asin sqrt(p)``,
  ``n = 2((z_a + z_b)/h)^2`` (Cohen 1988, ch. 6; statsmodels ``NormalIndPower``).
- Means, ``distribution="normal"``: ``n = 2 sd^2 (z_a + z_b)^2/d^2``; power includes both
  tails, ``Phi(d sqrt(n/2)/sd - z_a) + Phi(-d sqrt(n/2)/sd - z_a)`` (statsmodels
  ``NormalIndPower``). ``distribution="t"``: noncentral t with ``2n - 2`` df and
  noncentrality ``d sqrt(n/2)/sd`` (statsmodels ``TTestIndPower``).

``mde`` is absolute unless ``relative=True`` (then ``d = mde * baseline``). Sizes and
MDEs without a closed form are found by vectorised bisection (60 halvings).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as sps

from pilotage.errors import InvalidInput
from pilotage.experiments.stats import Array, as_array

Sides = Literal["two-sided", "one-sided"]
ProportionMethod = Literal["evan_miller", "arcsine"]
Distribution = Literal["normal", "t"]


def _z_alpha(alpha: float, arms: int, sides: Sides) -> float:
    if not 0 < alpha < 1:
        raise InvalidInput(f"alpha must be between 0 and 1, got {alpha}", field="alpha")
    if arms < 2:
        raise InvalidInput(f"an experiment needs at least 2 arms, got {arms}", field="arms")
    if sides not in ("two-sided", "one-sided"):
        raise InvalidInput(f"sides {sides!r} is not two-sided or one-sided", field="sides")
    per_test = alpha / (arms - 1)
    return float(sps.norm.isf(per_test / 2 if sides == "two-sided" else per_test))


def _z_power(power: float) -> float:
    if not 0 < power < 1:
        raise InvalidInput(f"power must be between 0 and 1, got {power}", field="power")
    return float(sps.norm.ppf(power))


def _effect(baseline: ArrayLike, mde: ArrayLike, relative: bool) -> tuple[Array, Array]:
    p = as_array(baseline, "baseline")
    if np.any((p <= 0) | (p >= 1)):
        raise InvalidInput("a baseline rate must be strictly between 0 and 1", field="baseline")
    d = as_array(mde, "mde") * (p if relative else 1.0)
    if np.any(d == 0) or np.any((p + d <= 0) | (p + d >= 1)):
        raise InvalidInput("baseline + mde must stay strictly between 0 and 1", field="mde")
    return p, d


def bisect(f: Callable[[Array], Array], low: Array, high: Array) -> Array:
    """Root of increasing ``f`` per element in ``[low, high]`` (60 halvings, no Python per row)."""
    for _ in range(60):
        mid = (low + high) / 2
        above = f(mid) > 0
        high, low = np.where(above, mid, high), np.where(above, low, mid)
    return (low + high) / 2


def sample_size_proportions(
    baseline: ArrayLike,
    mde: ArrayLike,
    *,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    sides: Sides = "two-sided",
    method: ProportionMethod = "evan_miller",
) -> Array:
    """Units per arm to detect ``mde`` on a conversion rate (module docstring)."""
    p, d = _effect(baseline, mde, relative)
    za, zb = _z_alpha(alpha, arms, sides), _z_power(power)
    if method == "arcsine":
        h = 2 * np.arcsin(np.sqrt(p + d)) - 2 * np.arcsin(np.sqrt(p))
        return np.asarray(2 * ((za + zb) / h) ** 2, dtype=np.float64)
    if method != "evan_miller":
        raise InvalidInput(f"method {method!r} is not evan_miller or arcsine", field="method")
    spread = za * np.sqrt(2 * p * (1 - p)) + zb * np.sqrt(p * (1 - p) + (p + d) * (1 - p - d))
    return np.asarray(spread**2 / d**2, dtype=np.float64)


def power_proportions(
    baseline: ArrayLike,
    mde: ArrayLike,
    n: ArrayLike,
    *,
    relative: bool = True,
    alpha: float = 0.05,
    arms: int = 2,
    sides: Sides = "two-sided",
) -> Array:
    """Power of Evan Miller's test with ``n`` units per arm (inverse of the size formula)."""
    p, d = _effect(baseline, mde, relative)
    size = as_array(n, "n", minimum=1)
    za = _z_alpha(alpha, arms, sides)
    top = np.abs(d) * np.sqrt(size) - za * np.sqrt(2 * p * (1 - p))
    return np.asarray(sps.norm.cdf(top / np.sqrt(p * (1 - p) + (p + d) * (1 - p - d))))


def mde_proportions(
    baseline: ArrayLike,
    n: ArrayLike,
    *,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    sides: Sides = "two-sided",
) -> Array:
    """Smallest upward effect detectable with ``n`` units per arm (Evan Miller's formula)."""
    p = as_array(baseline, "baseline")
    size = as_array(n, "n", minimum=1)
    _z_alpha(alpha, arms, sides), _z_power(power)

    def gap(d: Array) -> Array:
        return power_proportions(p, d, size, relative=False, alpha=alpha, arms=arms, sides=sides)

    d = bisect(lambda d: gap(d) - power, np.full_like(p, 1e-12), (1 - p) * (1 - 1e-9))
    return d / p if relative else d


def power_means(
    sd: ArrayLike,
    mde: ArrayLike,
    n: ArrayLike,
    *,
    alpha: float = 0.05,
    arms: int = 2,
    sides: Sides = "two-sided",
    distribution: Distribution = "normal",
) -> Array:
    """Power to detect an absolute ``mde`` on a mean of standard deviation ``sd``."""
    sigma = as_array(sd, "sd")
    if np.any(sigma <= 0):
        raise InvalidInput("standard deviation must be positive", field="sd")
    size = as_array(n, "n", minimum=2)
    effect = np.abs(as_array(mde, "mde")) / sigma * np.sqrt(size / 2)
    za = _z_alpha(alpha, arms, sides)
    if distribution == "normal":
        far = sps.norm.cdf(-effect - za) if sides == "two-sided" else 0.0
        return np.asarray(sps.norm.sf(za - effect) + far, dtype=np.float64)
    if distribution != "t":
        raise InvalidInput(
            f"distribution {distribution!r} is not normal or t", field="distribution"
        )
    df = 2 * size - 2
    tail = alpha / (arms - 1) / (2 if sides == "two-sided" else 1)
    crit = sps.t.isf(tail, df)
    far = sps.nct.cdf(-crit, df, effect) if sides == "two-sided" else 0.0
    return np.asarray(sps.nct.sf(crit, df, effect) + far, dtype=np.float64)


def sample_size_means(
    sd: ArrayLike,
    mde: ArrayLike,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    sides: Sides = "two-sided",
    distribution: Distribution = "normal",
) -> Array:
    """Units per arm to detect an absolute ``mde`` on a mean (bisection on :func:`power_means`)."""
    sigma, delta = as_array(sd, "sd"), as_array(mde, "mde")
    _z_power(power)
    za, zb = _z_alpha(alpha, arms, sides), _z_power(power)
    guess = 2 * (sigma * (za + zb) / np.where(delta == 0, np.nan, delta)) ** 2
    if not np.all(np.isfinite(guess)):
        raise InvalidInput("mde must be non-zero", field="mde")

    def gap(size: Array) -> Array:
        got = power_means(
            sigma, delta, size, alpha=alpha, arms=arms, sides=sides, distribution=distribution
        )
        return got - power

    return bisect(gap, np.full_like(guess, 2.0), guess * 2 + 10)


def mde_means(
    sd: ArrayLike,
    n: ArrayLike,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    sides: Sides = "two-sided",
) -> Array:
    """Smallest absolute effect on a mean detectable with ``n`` per arm (normal, one tail)."""
    sigma, size = as_array(sd, "sd"), as_array(n, "n", minimum=2)
    za, zb = _z_alpha(alpha, arms, sides), _z_power(power)
    return np.asarray((za + zb) * sigma * np.sqrt(2 / size), dtype=np.float64)
