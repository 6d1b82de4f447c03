"""Frequentist tests of treatment vs control: Welch's t-test and the two-proportion z-test.

Effects (``B`` treatment, ``A`` control, ``mu`` means, ``v`` per-unit variances):

- absolute lift ``mu_B - mu_A``, variance ``v_B/n_B + v_A/n_A`` (unpooled);
- relative lift ``(mu_B - mu_A)/|mu_A|`` with the delta-method variance
  ``v_B/(n_B mu_A^2) + v_A mu_B^2/(n_A mu_A^4)`` (gbstats ``frequentist_variance``;
  Deng et al., KDD 2018).

:func:`welch_test` uses a Student t reference distribution with Welch-Satterthwaite
degrees of freedom computed from the per-unit variances, for both lifts (Welch 1947; the
convention of gbstats 0.8.0 ``TTest.dof``). :func:`proportions_test` is the normal z-test
for two proportions; its standard error is *pooled* (``p(1-p)(1/n_A + 1/n_B)`` with the
pooled ``p``, the score test, statsmodels' ``proportions_ztest`` default) or *unpooled*
(Wald); the caller chooses, ``variance="pooled"`` is the documented default. The
confidence interval always uses the unpooled standard error (a pooled one is only valid
under the null).

Explicit results instead of NaN: when the variance of the difference is 0 (e.g. no
conversion in either arm) or a relative lift has a zero control mean, the row's
``error`` is ``"zero_variance"`` or ``"baseline_zero"``, ``p_value`` is 1 and the
interval is ``[effect, effect]`` (gbstats returns the same "default output").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import special

from pilotage.errors import InvalidInput
from pilotage.experiments.stats import Array, Moments, ProportionStats, same_shape

Alternative = Literal["two-sided", "greater", "less"]
PooledVariance = Literal["pooled", "unpooled"]


@dataclass(frozen=True)
class TestResult:
    """One element per analysis. ``ci_low``/``ci_high`` are infinite on a one-sided side."""

    effect: Array
    se: Array
    statistic: Array
    dof: Array
    p_value: Array
    ci_low: Array
    ci_high: Array
    error: NDArray[np.str_]

    __test__ = False  # not a pytest class


def check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise InvalidInput(f"alpha must be between 0 and 1, got {alpha}", field="alpha")


def check_alternative(alternative: str) -> None:
    if alternative not in ("two-sided", "greater", "less"):
        raise InvalidInput(
            f"alternative {alternative!r} is not two-sided, greater or less", field="alternative"
        )


def lift(a: Moments, b: Moments, relative: bool) -> tuple[Array, Array, NDArray[np.str_]]:
    """Point estimate, its variance and an error label per row (see module docstring)."""
    same_shape("variants", a.n, b.n)
    va, vb = a.variance, b.variance
    base = a.unadjusted_mean
    zero_base = base == 0
    safe = np.where(zero_base, 1.0, base)
    if relative:
        effect = (b.mean - a.mean) / np.abs(safe)
        var = vb / (safe**2 * b.n) + va * b.unadjusted_mean**2 / (safe**4 * a.n)
    else:
        effect = b.mean - a.mean
        var = vb / b.n + va / a.n
    error = np.where(zero_base & relative, "baseline_zero", "")
    return effect, var, error


def welch_dof(a: Moments, b: Moments) -> Array:
    """Welch-Satterthwaite degrees of freedom from per-unit variances."""
    qa, qb = a.variance / a.n, b.variance / b.n
    den = qb**2 / (b.n - 1) + qa**2 / (a.n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dof = (qa + qb) ** 2 / den
    return np.where(np.isfinite(dof) & (dof > 0), dof, 1.0)


def t_quantile(dof: Array, q: float) -> Array:
    """Student t quantile; for ``dof >= 1000`` the Cornish-Fisher series in ``1/dof``.

    ``t = z + g1/v + g2/v^2 + g3/v^3 + g4/v^4`` (Abramowitz & Stegun 26.7.5); its
    truncation error is below 1e-12 at ``v >= 1000`` and it avoids ``stdtrit``'s iteration,
    the bulk of a Welch test's cost.
    """
    z = float(special.ndtri(q))
    v = np.maximum(dof, 1.0)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    series = z + g1 / v + g2 / v**2 + g3 / v**3 + g4 / v**4
    small = dof < 1000
    if small.any():
        series[small] = special.stdtrit(dof[small], q)
    return np.asarray(series, dtype=np.float64)


def finish(
    effect: Array,
    var: Array,
    error: NDArray[np.str_],
    normal: bool,
    dof: Array,
    *,
    alternative: str,
    alpha: float,
    null: float,
    stat_var: Array | None = None,
) -> TestResult:
    bad = error != ""
    se = np.sqrt(np.where(bad, 1.0, var))
    stat_se = se if stat_var is None else np.sqrt(np.where(bad, 1.0, stat_var))
    statistic = np.where(bad, 0.0, (effect - null) / stat_se)
    # scipy.special's ufuncs (the functions behind scipy.stats' t and norm, less overhead);
    # each needed tail and quantile is computed once
    tail = alpha / 2 if alternative == "two-sided" else alpha
    signed = -np.abs(statistic) if alternative == "two-sided" else statistic
    signed = -signed if alternative == "greater" else signed
    if normal:
        p, half = special.ndtr(signed), -special.ndtri(tail) * se
    else:
        p, half = special.stdtr(dof, signed), t_quantile(dof, 1 - tail) * se
    low, high = effect - half, effect + half
    if alternative == "two-sided":
        p = 2 * p
    elif alternative == "greater":
        high = np.full_like(effect, np.inf)
    else:
        low = np.full_like(effect, -np.inf)
    return TestResult(
        effect=effect,
        se=np.where(bad, 0.0, se),
        statistic=statistic,
        dof=dof,
        p_value=np.where(bad, 1.0, np.minimum(p, 1.0)),
        ci_low=np.where(bad, effect, low),
        ci_high=np.where(bad, effect, high),
        error=error,
    )


def welch_test(
    a: Moments,
    b: Moments,
    *,
    relative: bool = False,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
    null: float = 0.0,
) -> TestResult:
    """Welch's unequal-variance t-test of B vs A, absolute or relative lift.

    ``t = (effect - null)/se`` with ``se`` from the module docstring, ``dof`` =
    ``(q_A + q_B)^2 / (q_A^2/(n_A-1) + q_B^2/(n_B-1))`` with ``q = v/n``; p-value and
    ``1 - alpha`` interval from Student's t. Reference: Welch (1947), Biometrika 34;
    gbstats 0.8.0 ``TwoSidedTTest``. Proportion inputs use ``v = p(1-p)``.
    """
    check_alpha(alpha)
    check_alternative(alternative)
    effect, var, error = lift(a, b, relative)
    # as gbstats: a zero-variance arm (e.g. no conversion) makes Welch's dof undefined
    error = np.where((error == "") & (a.variance * b.variance <= 0), "zero_variance", error)
    dof = welch_dof(a, b)
    return finish(effect, var, error, False, dof, alternative=alternative, alpha=alpha, null=null)


def proportions_test(
    a: ProportionStats,
    b: ProportionStats,
    *,
    variance: PooledVariance = "pooled",
    relative: bool = False,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
) -> TestResult:
    """Two-proportion z-test of ``p_B - p_A = 0``.

    ``z = (p_B - p_A)/se0`` with ``se0 = sqrt(p(1-p)(1/n_A + 1/n_B))``, ``p`` pooled over
    both arms, when ``variance="pooled"``, or ``sqrt(p_A(1-p_A)/n_A + p_B(1-p_B)/n_B)``
    when ``"unpooled"``. For a relative lift the z statistic is the same (the test is of
    ``p_B = p_A`` either way) and the interval uses the delta-method variance. Reference:
    Agresti, Categorical Data Analysis (3rd ed.), sec. 3.1; statsmodels
    ``proportions_ztest``.
    """
    check_alpha(alpha)
    check_alternative(alternative)
    if variance not in ("pooled", "unpooled"):
        raise InvalidInput(f"variance {variance!r} is not pooled or unpooled", field="variance")
    effect, var, error = lift(a, b, relative)
    abs_effect, unpooled, _ = lift(a, b, False)
    if variance == "pooled":
        p = (a.conversions + b.conversions) / (a.n + b.n)
        stat_var = p * (1 - p) * (1 / a.n + 1 / b.n)
    else:
        stat_var = unpooled
    # the z statistic is that of the absolute difference; rescale it to the effect's scale
    scale = np.where(abs_effect == 0, 1.0, effect / np.where(abs_effect == 0, 1.0, abs_effect))
    error = np.where((error == "") & ((stat_var <= 0) | (var <= 0)), "zero_variance", error)
    inf = np.full_like(effect, np.inf)
    return finish(
        effect,
        var,
        error,
        True,
        inf,
        alternative=alternative,
        alpha=alpha,
        null=0.0,
        stat_var=stat_var * scale**2,
    )
