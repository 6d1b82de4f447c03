"""Channel attribution: journeys (from the event store or a CSV of paths), rule-based
models, Markov removal effects solved exactly, Shapley values, model comparison, and
return on campaign costs. Each model's formula and reference is in its docstring and
in docs/attribution.md.
"""

from __future__ import annotations

from pilotage.attribution.compare import MODELS, Comparison, compare, run_model
from pilotage.attribution.costs import Costs, Return, read_costs_csv, returns
from pilotage.attribution.credit import Attribution
from pilotage.attribution.from_store import journeys_from_store
from pilotage.attribution.heuristics import (
    first_touch,
    last_non_direct,
    last_touch,
    linear,
    position_based,
    time_decay,
)
from pilotage.attribution.journeys import Journey, Journeys, journeys_of, read_paths_csv
from pilotage.attribution.markov import Chain, chain, conversion_probability, markov
from pilotage.attribution.shapley import MAX_CHANNELS, shapley

__all__ = [
    "MAX_CHANNELS",
    "MODELS",
    "Attribution",
    "Chain",
    "Comparison",
    "Costs",
    "Journey",
    "Journeys",
    "Return",
    "chain",
    "compare",
    "conversion_probability",
    "first_touch",
    "journeys_from_store",
    "journeys_of",
    "last_non_direct",
    "last_touch",
    "linear",
    "markov",
    "position_based",
    "read_costs_csv",
    "read_paths_csv",
    "returns",
    "run_model",
    "shapley",
    "time_decay",
]
