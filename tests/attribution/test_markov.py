"""Markov removal effects: published example, hand values, fundamental matrix, simulation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pilotage.attribution import chain, conversion_probability, journeys_of, markov, read_paths_csv
from pilotage.errors import InvalidInput

DATA = Path(__file__).parents[1] / "data"


def test_published_example_serhii_puzyrov() -> None:
    # S. Puzyrov, "Markov Chain Attribution - Simple Explanation Of Removal Effect" (2019):
    # published transition probabilities start>google 0.8, start>mailing 0.2,
    # google>conv 0.5, google>mailing 0.25, google>null 0.25, mailing>conv 1.
    journeys = read_paths_csv((DATA / "attribution_paths_puzyrov.csv").read_text())
    ch = chain(journeys)
    p = ch.probabilities()
    index = {s: i for i, s in enumerate(ch.states)}
    g, m, conv, null = (
        index[("google ads",)],
        index[("mailing",)],
        len(ch.states),
        len(ch.states) + 1,
    )
    assert p[0, g] == pytest.approx(0.8) and p[0, m] == pytest.approx(0.2)
    assert (p[g, conv], p[g, m], p[g, null]) == pytest.approx((0.5, 0.25, 0.25))
    assert p[m, conv] == pytest.approx(1.0)
    # By hand from those probabilities: P(conv) = 0.8 (0.5 + 0.25) + 0.2 = 0.8; without
    # google 0.2, without mailing 0.8 x 0.5 = 0.4.
    result = markov(journeys)
    assert result.removal_effects == pytest.approx((1 - 0.2 / 0.8, 1 - 0.4 / 0.8))
    assert result.conversions == pytest.approx((4 * 0.75 / 1.25, 4 * 0.5 / 1.25))


def test_classic_three_paths() -> None:
    # c1>c2>c3 converts, c1 and c2>c3 do not: P(conv) = 2/3 x 1/2 x 1/2 + 1/3 x 1/2 = 1/3,
    # removing c1 leaves 1/6 (effect 1/2); removing c2 or c3 leaves 0 (effect 1).
    j = journeys_of([("c1 > c2 > c3", 1, 10, 0), ("c1", 0, 0, 1), ("c2 > c3", 0, 0, 1)])
    result = markov(j)
    assert result.removal_effects == pytest.approx((0.5, 1.0, 1.0))
    assert result.conversions == pytest.approx((0.2, 0.4, 0.4))
    assert result.value == pytest.approx((2.0, 4.0, 4.0))


def _fundamental(p: np.ndarray, n: int) -> float:
    """P(conv | start) from N = (I - Q)^-1 with a dense inverse."""
    q, r = p[:n, :n], p[:n, n]
    return float((np.linalg.inv(np.eye(n) - q) @ r)[0])


def _simulate(p: np.ndarray, n: int, walks: int, seed: int) -> float:
    """Monte-Carlo: walk from start until absorption; share ending in conversion."""
    rng = np.random.default_rng(seed)
    cum = np.cumsum(p, axis=1)
    state = np.zeros(walks, dtype=np.int64)
    alive = np.ones(walks, dtype=bool)
    for _ in range(200):
        u = rng.random(alive.sum())
        state[alive] = np.minimum((u[:, None] > cum[state[alive]]).sum(axis=1), n + 1)
        alive = state < n
        if not alive.any():
            break
    return float(np.mean(state == n))


LOOPY = [
    ("A > B > A > C", 3, 0, 2),
    ("B > B > C", 2, 0, 5),
    ("C > A", 1, 0, 4),
    ("A", 2, 0, 6),
    ("B > A > B > A", 1, 0, 1),
]


@pytest.mark.parametrize("order", [1, 2, 3])
def test_exact_solution_matches_dense_inverse_and_simulation(order: int) -> None:
    j = journeys_of(LOOPY)
    ch = chain(j, order)
    n = len(ch.states)
    p = ch.probabilities()
    exact = conversion_probability(ch)
    assert exact == pytest.approx(_fundamental(p, n), abs=1e-12)
    # 200,000 walks: standard error < 0.0012, so 0.006 is 5 standard errors.
    assert _simulate(p, n, 200_000, seed=order) == pytest.approx(exact, abs=0.006)


def test_removal_matches_dense_inverse_on_the_pruned_chain() -> None:
    ch = chain(journeys_of(LOOPY), 2)
    n = len(ch.states)
    p = ch.probabilities()
    gone = [i for i, s in enumerate(ch.states) if "B" in s]
    for i in gone:  # a state holding B sends everything to null
        p[i, :] = 0.0
        p[i, n + 1] = 1.0
    assert conversion_probability(ch, frozenset({"B"})) == pytest.approx(_fundamental(p, n))


def test_higher_order_states_are_tuples() -> None:
    ch = chain(journeys_of([("A > B > C", 1, 0, 0)]), 2)
    assert ch.states == ((), ("A",), ("A", "B"), ("B", "C"))


def test_zero_conversions_give_explicit_zeros() -> None:
    result = markov(journeys_of([("A > B", 0, 0, 3)]))
    assert result.conversions == (0.0, 0.0) and result.removal_effects == (0.0, 0.0)


def test_order_is_bounded() -> None:
    with pytest.raises(InvalidInput) as err:
        markov(journeys_of(LOOPY), 5)
    assert err.value.field == "order"
