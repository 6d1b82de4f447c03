"""docs/customers.md: the worked example's numbers are recomputed here, so they cannot rot."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pilotage.customers import (
    cdnow_sample,
    cohort_matrix,
    customer_value,
    expected_purchases,
    rfm_table,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "customers.md"
START, END = "<!-- example:start -->\n", "<!-- example:end -->\n"


def example_text() -> str:
    orders = cdnow_sample()
    value = customer_value(
        orders, end=date(1997, 9, 30), unit="weeks", horizon_months=12, discount_rate=0.01
    )
    bg, gg, s = value.bgnbd, value.gammagamma, value.summary
    i = s.customer.tolist().index("1")
    in_39 = expected_purchases(bg, s, 39.0)[i]
    segments = rfm_table(orders, as_of=date(1998, 6, 30)).segment_counts()
    cohorts = cohort_matrix(orders)
    lines = [
        "```text",
        f"BG/NBD (weeks): r = {bg.r:.3f}, alpha = {bg.alpha:.3f} weeks, a = {bg.a:.3f}, "
        f"b = {bg.b:.3f}, log-likelihood = {bg.log_likelihood:.1f}",
        f"Gamma-Gamma (dollars): p = {gg.p:.2f}, q = {gg.q:.2f}, v = {gg.v:.2f}",
        f"customer 1: x = {s.frequency[i]:.0f}, t_x = {s.recency[i]:.2f} weeks, "
        f"T = {s.age[i]:.2f} weeks, m = {s.monetary[i]:.2f}",
        f"  P(alive) = {value.probability_alive[i]:.3f}, "
        f"E[purchases in next 39 weeks] = {in_39:.3f}, "
        f"E[value per purchase] = {value.expected_value[i]:.2f}",
        f"  CLV over 12 months at 1 %/month = {value.clv[i]:.2f}",
        f"mean CLV of the 2,357 customers = {value.clv.mean():.2f}",
        "RFM segments at 1998-06-30: " + ", ".join(f"{name} {n}" for name, n in segments),
        "retention (% of cohort buying in month k), k = 0..3: "
        + "; ".join(
            f"{c} ({size}): " + ", ".join(f"{p:g}" for p in pct[:4])
            for c, size, pct in zip(cohorts.cohorts, cohorts.sizes, cohorts.percent(), strict=True)
        ),
        "```",
    ]
    return "\n".join(lines) + "\n"


def test_worked_example_is_current() -> None:
    text = DOC.read_text()
    block = text[text.index(START) + len(START) : text.index(END)]
    assert block == example_text(), "regenerate the block with tests/customers/test_docs.py"


def test_commands_are_documented() -> None:
    text = DOC.read_text()
    for command in ("rfm", "cohorts", "clv"):
        assert f"pilotage customers {command}" in text
