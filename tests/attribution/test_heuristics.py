"""Rule-based models against credit worked out by hand."""

from __future__ import annotations

import pytest

from pilotage.attribution import (
    Journey,
    Journeys,
    first_touch,
    journeys_of,
    last_non_direct,
    last_touch,
    linear,
    position_based,
    time_decay,
)
from pilotage.errors import InvalidInput

# A > B > C converts twice (value 30), B > Direct once (value 10), C once (value 5).
J = journeys_of([("A > B > C", 2, 30, 0), ("B > Direct", 1, 10, 0), ("C", 1, 5, 3)])


def credit(result: object) -> dict[str, float]:
    return dict(zip(result.channels, result.conversions, strict=True))  # type: ignore[attr-defined]


def test_first_last_and_last_non_direct() -> None:
    assert credit(first_touch(J)) == {"A": 2, "B": 1, "C": 1, "Direct": 0}
    assert credit(last_touch(J)) == {"A": 0, "B": 0, "C": 3, "Direct": 1}
    assert credit(last_non_direct(J)) == {"A": 0, "B": 1, "C": 3, "Direct": 0}


def test_last_non_direct_keeps_an_all_direct_path() -> None:
    only = journeys_of([("Direct > Direct", 1, 4, 0)])
    assert credit(last_non_direct(only)) == {"Direct": 1}


def test_linear_splits_evenly_and_values_follow() -> None:
    result = linear(J)
    assert credit(result) == pytest.approx(
        {"A": 2 / 3, "B": 2 / 3 + 0.5, "C": 2 / 3 + 1, "Direct": 0.5}
    )
    assert result.value_of("B") == pytest.approx(10 + 5)
    assert sum(result.value) == pytest.approx(45)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("A", {"A": 1.0}),
        ("A > B", {"A": 0.5, "B": 0.5}),
        ("A > B > C", {"A": 0.4, "B": 0.2, "C": 0.4}),
        ("A > B > C > D", {"A": 0.4, "B": 0.1, "C": 0.1, "D": 0.4}),
    ],
)
def test_position_based_40_20_40(path: str, expected: dict[str, float]) -> None:
    assert credit(position_based(journeys_of([(path, 1, 0, 0)]))) == pytest.approx(expected)


def test_time_decay_google_definition() -> None:
    # Google: with a 7-day half-life, a touch 8 days before the conversion gets half the
    # credit of a touch 1 day before.
    j = Journeys((Journey(("Old", "New"), 1.0, 3.0, 0.0, ages=(8.0, 1.0)),))
    result = time_decay(j, 7.0)
    assert result.conversions_of("New") == pytest.approx(2 / 3)
    assert result.conversions_of("Old") == pytest.approx(1 / 3)
    assert result.value_of("New") == pytest.approx(2.0)


def test_time_decay_needs_times_and_a_positive_half_life() -> None:
    with pytest.raises(InvalidInput) as err:
        time_decay(J)
    assert err.value.field == "model"
    with pytest.raises(InvalidInput, match="half-life"):
        time_decay(Journeys(()), 0)


def test_no_paths_gives_an_empty_result() -> None:
    assert linear(Journeys(())).channels == ()
