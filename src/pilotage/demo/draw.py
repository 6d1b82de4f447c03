"""Weighted draws from cumulative weights, the hot path of the demo generator.

``pick`` makes the same single draw as ``random.Random.choices(population,
cum_weights=cum)[0]`` (one ``random()`` call, bisected into the cumulative weights)
without building a list per call.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import TypeVar

T = TypeVar("T")


def cumulative(weights: Iterable[float]) -> tuple[float, ...]:
    return tuple(accumulate(weights))


def pick(rng: random.Random, population: Sequence[T], cum: Sequence[float]) -> T:
    return population[bisect(cum, rng.random() * cum[-1], 0, len(cum) - 1)]
