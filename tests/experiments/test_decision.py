"""The decision summary: winner, keep running, and its warnings."""

from __future__ import annotations

import pytest
from statsmodels.stats.multitest import multipletests

from pilotage.errors import InvalidInput
from pilotage.experiments import decide, srm_check


def test_clear_winner_with_holm_confidence() -> None:
    got = decide(["control", "b", "c"], [0.001, 0.4], [0.05, 0.01])
    assert got.status == "winner" and got.winner == "b"
    assert got.confidence == pytest.approx(1 - multipletests([0.001, 0.4], method="holm")[1][0])
    assert got.warnings == ()


def test_significant_loss_makes_the_control_win() -> None:
    assert decide(["control", "b"], [0.001], [-0.05]).winner == "control"


def test_keep_running_when_nothing_is_significant() -> None:
    got = decide(["control", "b", "c"], [0.03, 0.04], [0.1, 0.1])  # Holm: 0.06, 0.06
    assert got.status == "keep running" and got.winner is None


def test_warnings_and_srm_withholds_the_winner() -> None:
    srm = srm_check([5000, 5400])
    got = decide(["control", "b"], [0.001], [0.05], srm=srm, looks=3, power=0.5)
    assert got.winner is None
    assert [w.split()[0] for w in got.warnings] == ["sample", "peeking:", "under-powered:"]
    assert not decide(["a", "b"], [0.5], [0.0], looks=3, sequential=True).warnings


def test_mismatched_lengths() -> None:
    with pytest.raises(InvalidInput) as err:
        decide(["control"], [0.1], [0.1])
    assert err.value.field == "variants"


def test_lower_is_better_turns_a_significant_drop_into_a_win() -> None:
    down = decide(["A", "B"], [0.001], [-0.2], higher_is_better=False)
    assert (down.status, down.winner) == ("winner", "B")
    up = decide(["A", "B"], [0.001], [0.2], higher_is_better=False)
    assert up.winner == "A"  # the treatment made the metric worse
