"""All models side by side: conversions and value credited to each channel."""

from __future__ import annotations

from dataclasses import dataclass

from pilotage.attribution import heuristics
from pilotage.attribution.credit import Attribution
from pilotage.attribution.journeys import Journeys
from pilotage.attribution.markov import markov
from pilotage.attribution.shapley import MAX_CHANNELS, shapley
from pilotage.errors import InvalidInput

MODELS = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "time_decay",
    "position_based",
    "markov",
    "shapley",
)


@dataclass(frozen=True)
class Comparison:
    """``results[m]`` per model run; ``skipped`` names the models ``all`` left out, and why."""

    channels: tuple[str, ...]
    results: tuple[Attribution, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    unattributed_conversions: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "channels": list(self.channels),
            "models": [r.to_dict() for r in self.results],
            "skipped": [{"model": m, "reason": why} for m, why in self.skipped],
            "unattributed_conversions": self.unattributed_conversions,
        }


def run_model(
    journeys: Journeys, model: str, *, half_life_days: float = 7.0, order: int = 1
) -> Attribution:
    """One model by name (one of ``MODELS``)."""
    if model == "time_decay":
        return heuristics.time_decay(journeys, half_life_days)
    if model == "markov":
        return markov(journeys, order)
    if model == "shapley":
        return shapley(journeys)
    if model in MODELS:
        fn = getattr(heuristics, model)
        result: Attribution = fn(journeys)
        return result
    raise InvalidInput(f"unknown model {model!r}; use all or {', '.join(MODELS)}", field="model")


def _why_not(journeys: Journeys, model: str) -> str | None:
    if model == "time_decay" and not journeys.has_times:
        return "the journeys carry no touch times"
    if model == "shapley" and len(journeys.channels) > MAX_CHANNELS:
        return f"more than {MAX_CHANNELS} channels"
    return None


def compare(
    journeys: Journeys,
    models: tuple[str, ...] = MODELS,
    *,
    half_life_days: float = 7.0,
    order: int = 1,
) -> Comparison:
    """Run ``models``; with the default (all of them) a model that cannot run on these
    journeys is listed in ``skipped`` with its reason instead of failing the rest."""
    results, skipped = [], []
    for model in models:
        why = _why_not(journeys, model) if models == MODELS else None
        if why is not None:
            skipped.append((model, why))
            continue
        results.append(run_model(journeys, model, half_life_days=half_life_days, order=order))
    return Comparison(
        journeys.channels, tuple(results), tuple(skipped), journeys.unattributed_conversions
    )
