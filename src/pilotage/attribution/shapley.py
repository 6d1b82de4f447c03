"""Shapley-value attribution, exact over every subset of the channels seen.

This is the "simplified Shapley value" of Zhao, Mahboobi & Bagheri, "Shapley value
methods for attribution modeling in online advertising" (arXiv:1804.05327, 2018), the
form eeghor/mta's ``shapley`` uses (MIT), after the cooperative-game framing of
Dalessandro, Perlich, Stitelman & Provost, "Causally motivated attribution for online
advertising" (ADKDD 2012). The worth of a coalition S of channels is
``v(S) = Σ conversions of the journeys whose set of channels is a subset of S``
(order and repeats ignored; nulls play no part), and channel i is credited

    φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S)),

so that Σ φ_i = v(N) = all conversions (efficiency). Value is credited the same way
with conversion value as the worth. All 2ⁿ coalitions are evaluated, with n the number
of channels seen; n is limited to ``MAX_CHANNELS`` (2¹⁵ coalitions × 15 channels) and
more is refused.
"""

from __future__ import annotations

from math import factorial

import numpy as np
import numpy.typing as npt

from pilotage.attribution.credit import Attribution, attribution
from pilotage.attribution.journeys import Journeys
from pilotage.errors import InvalidInput

MAX_CHANNELS = 15


def coalition_worth(
    masks: npt.NDArray[np.int64], amounts: npt.NDArray[np.float64], n: int
) -> npt.NDArray[np.float64]:
    """``v[S]`` for every bit mask S: the sum of ``amounts`` of the journeys whose channel
    mask is a subset of S (a subset-sum, or zeta, transform: O(n 2ⁿ))."""
    v = np.bincount(masks, weights=amounts, minlength=1 << n).astype(np.float64)
    every = np.arange(1 << n)
    for bit in range(n):
        has = (every >> bit) & 1 == 1
        v[has] += v[every[has] ^ (1 << bit)]
    return v


def shapley_of_worth(v: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    """φ_i from the worth of every coalition (see the module doc)."""
    every = np.arange(1 << n)
    size = np.array([bin(m).count("1") for m in range(1 << n)])
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    phi = np.zeros(n)
    for i in range(n):
        without = every[(every >> i) & 1 == 0]
        phi[i] = np.sum(weight[size[without]] * (v[without | (1 << i)] - v[without]))
    return phi


def shapley(journeys: Journeys) -> Attribution:
    """Exact simplified Shapley values for conversions and for value."""
    channels = journeys.channels
    n = len(channels)
    if n > MAX_CHANNELS:
        raise InvalidInput(
            f"Shapley attribution over {n} channels is refused: at most {MAX_CHANNELS} "
            "(2^n coalitions); group channels or use --by channel",
            field="channels",
        )
    index = {c: i for i, c in enumerate(channels)}
    masks = np.array(
        [sum(1 << index[c] for c in set(p.channels)) for p in journeys.paths], dtype=np.int64
    )
    conv = np.array([p.conversions for p in journeys.paths], dtype=np.float64)
    value = np.array([p.value for p in journeys.paths], dtype=np.float64)
    if n == 0:
        return attribution("shapley", channels, np.zeros(0), np.zeros(0))
    phi_conv = shapley_of_worth(coalition_worth(masks, conv, n), n)
    phi_value = shapley_of_worth(coalition_worth(masks, value, n), n)
    return attribution("shapley", channels, phi_conv, phi_value)
