"""Welch and two-proportion tests against scipy and statsmodels (tolerance 1e-10)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from pilotage.errors import InvalidInput
from pilotage.experiments import MeanStats, ProportionStats, proportions_test, welch_test
from pilotage.experiments.frequentist import t_quantile


def raw_stats(rng: np.random.Generator, k: int) -> tuple[list[np.ndarray], MeanStats]:
    samples = [
        rng.normal(rng.uniform(1, 3), rng.uniform(0.5, 2), rng.integers(5, 200)) for _ in range(k)
    ]
    return samples, MeanStats(
        [s.size for s in samples], [s.sum() for s in samples], [(s**2).sum() for s in samples]
    )


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_welch_matches_scipy_ttest_ind(alternative: str) -> None:
    rng = np.random.default_rng(1)
    raw_a, a = raw_stats(rng, 20)
    raw_b, b = raw_stats(rng, 20)
    got = welch_test(a, b, alternative=alternative)  # type: ignore[arg-type]
    for i in range(20):
        ref = stats.ttest_ind(raw_b[i], raw_a[i], equal_var=False, alternative=alternative)
        assert got.p_value[i] == pytest.approx(ref.pvalue, abs=1e-10)
        assert got.statistic[i] == pytest.approx(ref.statistic, rel=1e-10)
        ci = ref.confidence_interval(0.95)
        assert got.ci_low[i] == pytest.approx(ci.low, rel=1e-9)
        assert got.ci_high[i] == pytest.approx(ci.high, rel=1e-9)


def test_welch_matches_ttest_ind_from_stats() -> None:
    a = MeanStats([100, 50], [230.0, 40], [800.0, 100])
    b = MeanStats([120, 60], [300.0, 60], [1000.0, 150])
    got = welch_test(a, b)
    ref = stats.ttest_ind_from_stats(
        b.mean, np.sqrt(b.variance), b.n, a.mean, np.sqrt(a.variance), a.n, equal_var=False
    )
    np.testing.assert_allclose(got.p_value, ref.pvalue, atol=1e-12)


def test_relative_lift_delta_method_by_simulation() -> None:
    """The delta-method se of (mB - mA)/mA matches the spread of simulated ratios (2 %)."""
    rng = np.random.default_rng(7)
    a = MeanStats([4000], [4000 * 10.0], [4000 * (100 + 9.0)])
    b = MeanStats([4000], [4000 * 11.0], [4000 * (121 + 16.0)])
    got = welch_test(a, b, relative=True)
    ma = rng.normal(10, 3 / np.sqrt(4000), 200_000)
    mb = rng.normal(11, 4 / np.sqrt(4000), 200_000)
    assert got.se[0] == pytest.approx(np.std((mb - ma) / ma), rel=0.02)
    assert got.effect[0] == pytest.approx(0.1)


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_pooled_z_test_matches_statsmodels(alternative: str) -> None:
    a = ProportionStats([1000, 2500, 80], [50, 260, 7])
    b = ProportionStats([1100, 2400, 90], [72, 250, 3])
    ours = {"larger": "greater", "smaller": "less"}.get(alternative, alternative)
    got = proportions_test(a, b, variance="pooled", alternative=ours)  # type: ignore[arg-type]
    for i in range(3):
        z, p = proportions_ztest(
            [b.conversions[i], a.conversions[i]], [b.n[i], a.n[i]], alternative=alternative
        )
        assert got.statistic[i] == pytest.approx(z, rel=1e-10)
        assert got.p_value[i] == pytest.approx(p, abs=1e-12)


def test_unpooled_z_test_is_the_wald_test() -> None:
    a, b = ProportionStats([1000], [50]), ProportionStats([1100], [72])
    got = proportions_test(a, b, variance="unpooled")
    pa, pb = 50 / 1000, 72 / 1100
    z = (pb - pa) / np.sqrt(pa * (1 - pa) / 1000 + pb * (1 - pb) / 1100)
    assert got.p_value[0] == pytest.approx(2 * stats.norm.sf(z), abs=1e-12)
    z_pooled, _ = proportions_ztest([72, 50], [1100, 1000])
    assert got.statistic[0] != pytest.approx(z_pooled, rel=1e-4)


def test_relative_z_test_keeps_the_p_value() -> None:
    a, b = ProportionStats([1000], [50]), ProportionStats([1100], [72])
    absolute = proportions_test(a, b)
    relative = proportions_test(a, b, relative=True)
    assert relative.p_value[0] == pytest.approx(absolute.p_value[0], abs=1e-12)
    assert relative.effect[0] == pytest.approx((72 / 1100 - 0.05) / 0.05)


def test_no_conversions_is_an_explicit_result() -> None:
    a, b = ProportionStats([100, 100], [0, 0]), ProportionStats([100, 100], [0, 5])
    z = proportions_test(a, b)
    assert list(z.error) == ["zero_variance", ""]
    assert z.p_value[0] == 1.0 and not np.isnan(z.p_value).any()
    w = welch_test(a, b, relative=True)
    assert list(w.error) == ["baseline_zero", "baseline_zero"]
    assert list(w.p_value) == [1.0, 1.0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n": [0], "conversions": [0]}, "n"),
        ({"n": [-5], "conversions": [0]}, "n"),
        ({"n": [float("nan")], "conversions": [0]}, "n"),
        ({"n": [], "conversions": []}, "n"),
        ({"n": [10], "conversions": [11]}, "conversions"),
        ({"n": [10], "conversions": [-1]}, "conversions"),
    ],
)
def test_bad_proportions_name_the_field(kwargs: dict[str, list[float]], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        ProportionStats(**kwargs)
    assert err.value.field == field


def test_bad_options_are_refused() -> None:
    a = ProportionStats([10], [1])
    with pytest.raises(InvalidInput, match="variance"):
        proportions_test(a, a, variance="both")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="alpha"):
        welch_test(a, a, alpha=1.5)
    with pytest.raises(InvalidInput, match="lengths"):
        welch_test(a, ProportionStats([10, 10], [1, 2]))


@pytest.mark.parametrize("q", [0.9, 0.95, 0.975, 0.995, 0.9995])
def test_t_quantile_matches_scipy(q: float) -> None:
    dof = np.array([2.5, 30.0, 999.0, 1000.0, 2345.6, 1e5, 1e9])
    np.testing.assert_allclose(t_quantile(dof, q), stats.t.ppf(q, dof), rtol=1e-12)
