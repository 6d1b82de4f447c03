"""The decision summary of an experiment: a winner or "keep running", with warnings.

Rule: treatment p-values (one per treatment vs the control) are adjusted for multiple
comparisons (Holm by default). The treatment with the smallest adjusted p-value below
``alpha`` wins if its effect is positive; if that effect is negative, the control wins.
Otherwise the status is "keep running". ``confidence`` is ``1 - adjusted p`` of the best
treatment. Warnings never change a number but a sample-ratio mismatch withholds the
winner (the assignment is broken, so the comparison is not trustworthy; Fabijan et al.,
KDD 2019). Peeking (more than one look without a sequential method) and an under-powered
test (planned power below ``min_power``) are reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from pilotage.errors import InvalidInput
from pilotage.experiments.multiple import benjamini_hochberg, holm
from pilotage.experiments.srm import SrmResult
from pilotage.experiments.stats import as_array

Correction = Literal["holm", "bh", "none"]


@dataclass(frozen=True)
class Decision:
    status: Literal["winner", "keep running"]
    winner: str | None
    confidence: float
    adjusted_p_values: tuple[float, ...]
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "winner": self.winner,
            "confidence": self.confidence,
            "adjusted_p_values": list(self.adjusted_p_values),
            "warnings": list(self.warnings),
        }


def _warnings(
    srm: SrmResult | None, looks: int, sequential: bool, power: float | None, min_power: float
) -> list[str]:
    out = []
    if srm is not None and bool(np.any(srm.mismatch)):
        out.append(f"sample ratio mismatch (chi-square p = {float(np.min(srm.p_value)):.3g})")
    if looks > 1 and not sequential:
        out.append(f"peeking: {looks} looks without a sequential method inflate false positives")
    if power is not None and power < min_power:
        out.append(f"under-powered: power {power:.2f} is below {min_power:.2f}")
    return out


def decide(
    variants: Sequence[str],
    p_values: ArrayLike,
    effects: ArrayLike,
    *,
    alpha: float = 0.05,
    correction: Correction = "holm",
    srm: SrmResult | None = None,
    looks: int = 1,
    sequential: bool = False,
    power: float | None = None,
    min_power: float = 0.8,
    higher_is_better: bool = True,
) -> Decision:
    """Decide from the tests of ``variants[1:]`` against the control ``variants[0]``.

    ``higher_is_better=False`` is for metrics one wants down (bounce rate, time to
    checkout, refunds): a significant negative effect then makes the treatment win."""
    p = as_array(p_values, "p_values")
    eff = as_array(effects, "effects")
    if len(variants) != p.size + 1 or eff.size != p.size:
        raise InvalidInput(
            "give the control and one p-value and effect per treatment", field="variants"
        )
    if correction not in ("holm", "bh", "none"):
        raise InvalidInput(f"correction {correction!r} is not holm, bh or none", field="correction")
    adjusted = {"holm": holm, "bh": benjamini_hochberg}.get(correction, lambda x: x)(p)
    best = int(np.argmin(adjusted))
    warnings = _warnings(srm, looks, sequential, power, min_power)
    winner = None
    if adjusted[best] < alpha and eff[best] != 0 and not (srm is not None and srm.mismatch.any()):
        better = eff[best] > 0 if higher_is_better else eff[best] < 0
        winner = variants[best + 1] if better else variants[0]
    return Decision(
        status="winner" if winner else "keep running",
        winner=winner,
        confidence=float(1 - adjusted[best]),
        adjusted_p_values=tuple(float(x) for x in adjusted),
        warnings=tuple(warnings),
    )


ERROR_WARNINGS = {
    "baseline_zero": "the control has no conversion (or a zero mean): the relative lift is "
    "undefined, so no test could be made",
    "zero_variance": "an arm has no variance (no conversion at all, say): the test cannot "
    "be computed yet",
}


def error_warnings(treatments: Sequence[str], errors: ArrayLike) -> list[str]:
    """One warning per treatment whose test could not be computed: an explicit result,
    never a silent ``p = 1`` (the labels come from ``pilotage.experiments.frequentist``)."""
    labels = np.asarray(errors, dtype=str).ravel()
    return [
        f"{name}: {ERROR_WARNINGS.get(label, label)}"
        for name, label in zip(treatments, labels, strict=True)
        if label
    ]
