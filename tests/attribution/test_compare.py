"""The side-by-side comparison runs each model as called alone."""

from __future__ import annotations

import pytest

from pilotage.attribution import MODELS, compare, journeys_of, linear, markov, run_model
from pilotage.errors import InvalidInput

J = journeys_of([("A > B", 2, 20, 1), ("B", 1, 5, 2), ("C > A", 1, 1, 0)])


def test_all_models_skip_time_decay_without_times() -> None:
    cmp = compare(J)
    assert [r.model for r in cmp.results] == [m for m in MODELS if m != "time_decay"]
    assert cmp.skipped == (("time_decay", "the journeys carry no touch times"),)
    assert cmp.results[3] == linear(J)
    assert cmp.results[-2] == markov(J)
    for r in cmp.results:  # every model credits all conversions
        assert sum(r.conversions) == pytest.approx(4.0)


def test_an_explicit_model_list_fails_loudly() -> None:
    with pytest.raises(InvalidInput):
        compare(J, ("time_decay",))
    with pytest.raises(InvalidInput) as err:
        run_model(J, "data_driven")
    assert err.value.field == "model"
