"""Shapley values against a brute force over permutations."""

from __future__ import annotations

from itertools import permutations

import pytest

from pilotage.attribution import MAX_CHANNELS, journeys_of, shapley
from pilotage.errors import InvalidInput

ROWS = [
    ("A", 3, 30, 1),
    ("A > B", 2, 10, 0),
    ("B > C > B", 4, 8, 2),
    ("C", 1, 1, 0),
    ("A > C", 5, 50, 0),
    ("D > A > B > C", 2, 4, 0),
]


def brute_force(rows: list[tuple[str, float, float, float]], col: int) -> dict[str, float]:
    """Average marginal worth over every order of the players, v(S) summed directly."""
    sets = [(frozenset(c.strip() for c in r[0].split(">")), r[col]) for r in rows]
    players = sorted(set().union(*(s for s, _ in sets)))

    def worth(coalition: set[str]) -> float:
        return sum(amount for s, amount in sets if s <= coalition)

    total = dict.fromkeys(players, 0.0)
    orders = list(permutations(players))
    for order in orders:
        seen: set[str] = set()
        for p in order:
            before = worth(seen)
            seen.add(p)
            total[p] += worth(seen) - before
    return {p: t / len(orders) for p, t in total.items()}


def test_matches_permutation_brute_force() -> None:
    result = shapley(journeys_of(ROWS))
    conv = dict(zip(result.channels, result.conversions, strict=True))
    value = dict(zip(result.channels, result.value, strict=True))
    assert conv == pytest.approx(brute_force(ROWS, 1))
    assert value == pytest.approx(brute_force(ROWS, 2))
    assert sum(result.conversions) == pytest.approx(17)  # efficiency


def test_two_channels_by_hand() -> None:
    # v(A)=2, v(B)=1, v(AB)=2+1+1=4: φ_A = (2 + (4-1))/2 = 2.5, φ_B = (1 + (4-2))/2 = 1.5.
    j = journeys_of([("A", 2, 0, 1), ("B", 1, 0, 0), ("A > B", 1, 0, 0)])
    assert shapley(j).conversions == pytest.approx((2.5, 1.5))


def test_too_many_channels_are_refused() -> None:
    rows = [(f"C{i}", 1.0, 0.0, 0.0) for i in range(MAX_CHANNELS + 1)]
    with pytest.raises(InvalidInput, match="at most 15") as err:
        shapley(journeys_of(rows))
    assert err.value.field == "channels"
