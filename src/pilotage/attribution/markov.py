"""Markov-chain attribution by removal effect, solved exactly.

States are ``start``, the touch states, and two absorbing states, ``conversion`` and
``null``. In a chain of order k a touch state is the tuple of the path's last (up to)
k channels, so a path a > b > c of order 2 walks start → (a) → (a, b) → (b, c) → end
(Anderl, Becker, von Wangenheim & Schumann, "Mapping the customer journey: a
graph-based framework for online attribution modeling", IJRM 2016, higher-order
chains). Transition probabilities are transition counts over a state's outflow, each
path weighted by its conversions + nulls, its last state going to ``conversion``
(weight: conversions) and ``null`` (weight: nulls).

With Q the transient-to-transient block and r the transient-to-conversion column,
the absorption probabilities are ``x = (I − Q)⁻¹ r`` (the fundamental matrix
N = (I − Q)⁻¹, Kemeny & Snell, *Finite Markov Chains*, 1960, ch. 3), solved as one
sparse linear system; ``P(conv) = x[start]``. Removing channel c sends every state
that contains c to ``null``: its rows and columns of Q and its entry of r become 0.
The removal effect is ``RE_c = 1 − P(conv without c) / P(conv)``; the conversions
credited to c are ``RE_c / Σ RE × total conversions``, and likewise for value
(Anderl et al.; ChannelAttribution's ``markov_model`` estimates the same quantity by
simulation, which this module does not need).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from pilotage.attribution.credit import Attribution, attribution
from pilotage.attribution.journeys import Journeys
from pilotage.errors import InvalidInput

State = tuple[str, ...]
MAX_ORDER = 4
START = 0


@dataclass(frozen=True)
class Chain:
    """Transition counts of the journeys: transient state 0 is ``start`` (the empty
    tuple), the others are channel tuples; ``to_conv`` and ``to_null`` count the
    transitions into the absorbing states."""

    order: int
    states: tuple[State, ...]
    counts: sp.csr_matrix
    to_conv: npt.NDArray[np.float64]
    to_null: npt.NDArray[np.float64]

    @property
    def outflow(self) -> npt.NDArray[np.float64]:
        row_sums = np.asarray(self.counts.sum(axis=1)).ravel()
        return np.asarray(row_sums + self.to_conv + self.to_null, dtype=np.float64)

    def probabilities(self) -> npt.NDArray[np.float64]:
        """The full transition matrix, transient states then conversion then null."""
        n = len(self.states)
        out = np.where(self.outflow > 0, self.outflow, 1.0)
        full = np.zeros((n + 2, n + 2))
        full[:n, :n] = self.counts.toarray() / out[:, None]
        full[:n, n] = self.to_conv / out
        full[:n, n + 1] = self.to_null / out
        full[n, n] = full[n + 1, n + 1] = 1.0
        return full


def _check_order(order: int) -> None:
    if not 1 <= order <= MAX_ORDER:
        raise InvalidInput(f"Markov order {order} must be 1 to {MAX_ORDER}", field="order")


def chain(journeys: Journeys, order: int = 1) -> Chain:
    """Count the transitions of ``journeys`` in a chain of the given order."""
    _check_order(order)
    index: dict[State, int] = {(): START}
    src: list[int] = []
    dst: list[int] = []
    weight: list[float] = []
    ends: list[int] = []
    kept = [p for p in journeys.paths if p.conversions + p.nulls > 0]
    for path in kept:
        prev = START
        for pos in range(len(path.channels)):
            state = path.channels[max(0, pos - order + 1) : pos + 1]
            here = index.setdefault(state, len(index))
            src.append(prev)
            dst.append(here)
            weight.append(path.conversions + path.nulls)
            prev = here
        ends.append(prev)
    n = len(index)
    counts = sp.coo_matrix((weight, (src, dst)), shape=(n, n)).tocsr()
    end = np.array(ends, dtype=np.int64)
    to_conv = np.bincount(end, weights=[p.conversions for p in kept], minlength=n)
    to_null = np.bincount(end, weights=[p.nulls for p in kept], minlength=n)
    states = tuple(sorted(index, key=index.__getitem__))
    return Chain(order, states, counts, to_conv.astype(np.float64), to_null.astype(np.float64))


def conversion_probability(ch: Chain, removed: frozenset[str] = frozenset()) -> float:
    """P(reaching ``conversion`` from ``start``), with the states that hold a channel of
    ``removed`` turned into ``null``: ``x = (I − Q)⁻¹ r``, ``x[start]``."""
    n = len(ch.states)
    out = ch.outflow
    keep = np.array([not (set(s) & removed) for s in ch.states], dtype=np.float64)
    scale = np.divide(keep, out, out=np.zeros(n), where=out > 0)
    q = sp.diags(scale) @ ch.counts @ sp.diags(keep)
    r = scale * ch.to_conv
    system = (sp.identity(n, format="csc") - q).tocsc()
    x = np.atleast_1d(spla.spsolve(system, r))
    return float(x[START])


def removal_effects(ch: Chain, channels: tuple[str, ...]) -> npt.NDArray[np.float64]:
    """``1 − P(conv without c) / P(conv)`` per channel; all 0 when P(conv) is 0."""
    base = conversion_probability(ch)
    if base <= 0:
        return np.zeros(len(channels))
    return np.array([1.0 - conversion_probability(ch, frozenset({c})) / base for c in channels])


def markov(journeys: Journeys, order: int = 1) -> Attribution:
    """Removal-effect attribution from an order-``order`` chain (see the module doc).

    With no conversion at all every credit and removal effect is 0 (an explicit result,
    not a NaN)."""
    ch = chain(journeys, order)
    channels = journeys.channels
    effects = np.clip(removal_effects(ch, channels), 0.0, 1.0)
    total = effects.sum()
    shares = effects / total if total > 0 else np.zeros(len(channels))
    return attribution(
        f"markov_{order}" if order > 1 else "markov",
        channels,
        shares * journeys.conversions,
        shares * journeys.value,
        effects,
    )
