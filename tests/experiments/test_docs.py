"""The worked example of docs/experiments.md is rendered here and must appear verbatim."""

from __future__ import annotations

from pathlib import Path

from statsmodels.stats.proportion import proportions_ztest

from pilotage.experiments import (
    ProportionStats,
    beta_binomial,
    proportions_test,
    sample_size_proportions,
    srm_check,
    welch_test,
)

DOC = Path(__file__).parents[2] / "docs" / "experiments.md"


def render_example() -> str:
    a, b = ProportionStats([10000], [500]), ProportionStats([10100], [585])
    z = proportions_test(a, b, variance="pooled")
    _, p_ref = proportions_ztest([585, 500], [10100, 10000])
    assert abs(z.p_value[0] - p_ref) < 1e-12  # the doc's number is statsmodels' number
    rel = welch_test(a, b, relative=True)
    bb = beta_binomial(a, b)
    srm = srm_check([10000, 10100])
    n = sample_size_proportions(0.05, 0.10)[0]
    return "\n".join(
        [
            f"- absolute lift: {z.effect[0]:+.5f}; pooled z = {z.statistic[0]:.4f}, "
            f"p = {z.p_value[0]:.5f}",
            f"- relative lift (Welch, delta method): {rel.effect[0]:+.2%}, "
            f"95 % CI [{rel.ci_low[0]:+.2%}, {rel.ci_high[0]:+.2%}], p = {rel.p_value[0]:.5f}",
            f"- Beta(1, 1) prior: P(green > control) = {bb.prob_b_beats_a[0]:.4f}, "
            f"expected loss of choosing green = {bb.expected_loss_b[0]:.2e}",
            f"- SRM: chi-square p = {srm.p_value[0]:.4f} (no mismatch at 0.001)",
            f"- sample size for baseline 5 %, MDE +10 % relative, power 0.8: {n:,.0f} per arm",
        ]
    )


def test_worked_example_is_current() -> None:
    assert render_example() in DOC.read_text()


def test_every_public_function_is_documented() -> None:
    import pilotage.experiments as ex

    text = DOC.read_text()
    missing = [name for name in ex.__all__ if name[0].islower() and f"`{name}" not in text]
    assert not missing
