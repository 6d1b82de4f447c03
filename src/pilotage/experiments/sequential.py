"""Sequential testing: always-valid confidence sequences and group-sequential alpha spending.

**Confidence sequences** (asymptotic, Waudby-Smith et al., "Time-uniform central limit
theory and asymptotic confidence sequences", arXiv:2103.06476v7, eqs. 9, 155, 161; as in
gbstats 0.8.0 ``SequentialTwoSidedTTest``). With ``N = n_A + n_B``, ``se`` the lift's
standard error (see :mod:`.frequentist`) and the tuning parameter ``N*`` (default 5000;
set it to the total sample size at which decisions are usually taken),
``rho = sqrt((-2 log alpha + log(-2 log alpha + 1))/N*)``, the half-width is
``se sqrt(N) sqrt(2(N rho^2 + 1) log(sqrt(N rho^2 + 1)/alpha)/(N rho)^2)`` and the
always-valid p-value is ``min(1, 1/e)`` with
``e = exp(rho^2 N D^2/se^2 / (2(N rho^2 + 1)))/sqrt(N rho^2 + 1)``. Valid however often
the results are looked at.

**Group-sequential boundaries** for ``K`` planned looks at information fractions
``0 < t_1 < ... < t_K = 1``, two-sided, with Lan-DeMets spending functions (Lan & DeMets,
Biometrika 70, 1983), each side spending ``alpha/2`` as in R ldbounds, gsDesign and SAS
SEQDESIGN: O'Brien-Fleming type ``a(t) = 2 (2 - 2 Phi(z_{1-alpha/4}/sqrt(t)))`` and
Pocock type ``a(t) = alpha log(1 + (e - 1) t)``; ``a(1) = alpha``. Boundary ``c_k`` solves
``P(|Z_j| < c_j for j < k, |Z_k| >= c_k) = a(t_k) - a(t_{k-1})``, computed by numerical
integration of the Brownian-motion density on a grid (Armitage, McPherson & Rowe, JRSS A
132, 1969; Jennison & Turnbull, *Group Sequential Methods*, 2000, ch. 19).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize
from scipy import stats as sps

from pilotage.errors import InvalidInput
from pilotage.experiments.frequentist import TestResult, check_alpha, lift
from pilotage.experiments.stats import Array, Moments, as_array

Spending = Literal["obrien_fleming", "pocock"]
GRID = 801  # odd, for Simpson's rule on the continuation region


def confidence_sequence(
    a: Moments,
    b: Moments,
    *,
    relative: bool = False,
    alpha: float = 0.05,
    tuning: float = 5000.0,
) -> TestResult:
    """Two-sided always-valid interval and p-value of B vs A (module docstring)."""
    check_alpha(alpha)
    if not (np.isfinite(tuning) and tuning > 0):
        raise InvalidInput(f"tuning parameter must be positive, got {tuning}", field="tuning")
    effect, var, error = lift(a, b, relative)
    error = np.where((error == "") & (a.variance * b.variance <= 0), "zero_variance", error)
    bad = error != ""
    var = np.where(bad, 1.0, var)
    n = a.n + b.n
    rho2 = (-2 * np.log(alpha) + np.log(-2 * np.log(alpha) + 1)) / tuning
    tr2p1 = n * rho2 + 1
    half = np.sqrt(var * n) * np.sqrt(2 * tr2p1 * np.log(np.sqrt(tr2p1) / alpha) / (n**2 * rho2))
    st2 = effect**2 * n / var
    log_e = rho2 * st2 / (2 * tr2p1) - 0.5 * np.log(tr2p1)
    p = np.minimum(np.exp(-log_e), 1.0)
    return TestResult(
        effect=effect,
        se=np.where(bad, 0.0, np.sqrt(var)),
        statistic=np.where(bad, 0.0, effect / np.sqrt(var)),
        dof=np.full_like(effect, np.inf),
        p_value=np.where(bad, 1.0, p),
        ci_low=np.where(bad, effect, effect - half),
        ci_high=np.where(bad, effect, effect + half),
        error=error,
    )


def spent_alpha(t: ArrayLike, alpha: float = 0.05, kind: Spending = "obrien_fleming") -> Array:
    """Cumulative two-sided alpha spent at information fraction(s) ``t`` (Lan-DeMets)."""
    check_alpha(alpha)
    frac = as_array(t, "information_fractions", minimum=0)
    if np.any(frac > 1):
        raise InvalidInput("information fractions must be at most 1", field="information_fractions")
    if kind == "obrien_fleming":
        with np.errstate(divide="ignore"):
            z = sps.norm.isf(alpha / 4) / np.sqrt(frac)
        return np.asarray(4 * sps.norm.sf(z), dtype=np.float64)
    if kind == "pocock":
        return np.asarray(alpha * np.log(1 + (np.e - 1) * frac), dtype=np.float64)
    raise InvalidInput(f"spending {kind!r} is not obrien_fleming or pocock", field="spending")


def _crossing(c: float, mass: Array, grid: Array, sd: float, root_t: float) -> float:
    """``P(|S(t)| >= c sqrt(t))`` from the continuation mass at the previous look.

    Exact normal tails given each grid point, so the result is smooth in ``c``.
    """
    upper = sps.norm.sf((c * root_t - grid) / sd)
    lower = sps.norm.cdf((-c * root_t - grid) / sd)
    return float(mass @ (upper + lower))


def _excess(c: float, mass: Array, grid: Array, sd: float, root_t: float, target: float) -> float:
    return _crossing(c, mass, grid, sd, root_t) - target


def _simpson(grid: Array) -> Array:
    weights = np.ones(grid.size)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    step = float(grid[1] - grid[0])
    return weights * (step / 3)


def group_sequential_bounds(
    information_fractions: ArrayLike, alpha: float = 0.05, kind: Spending = "obrien_fleming"
) -> Array:
    """Two-sided z boundaries ``c_1..c_K`` for planned looks (module docstring).

    Reject at look ``k`` when ``|z_k| >= c_k``. Look-by-look loop: ``K`` is the number of
    planned looks (a handful), not the number of analyses.
    """
    t = as_array(information_fractions, "information_fractions", minimum=0)
    if t[0] <= 0 or np.any(np.diff(t) <= 0) or t[-1] > 1:
        raise InvalidInput(
            "information fractions must increase strictly within (0, 1]",
            field="information_fractions",
        )
    spend = np.diff(np.concatenate(([0.0], spent_alpha(t, alpha, kind))))
    bounds = [float(sps.norm.isf(spend[0] / 2))]
    # S(t) = sqrt(t) Z_t is Brownian motion; keep its density on the continuation region
    grid = np.linspace(-1.0, 1.0, GRID) * bounds[0] * np.sqrt(t[0])
    density = sps.norm.pdf(grid / np.sqrt(t[0])) / np.sqrt(t[0])
    for k in range(1, t.size):
        sd, root_t = float(np.sqrt(t[k] - t[k - 1])), float(np.sqrt(t[k]))
        mass = density * _simpson(grid)
        c = optimize.brentq(_excess, 0.1, 40.0, args=(mass, grid, sd, root_t, spend[k]))
        bounds.append(float(c))
        new_grid = np.linspace(-1.0, 1.0, GRID) * c * root_t
        density = sps.norm.pdf((new_grid[:, None] - grid[None, :]) / sd) / sd @ mass
        grid = new_grid
    return np.asarray(bounds)
