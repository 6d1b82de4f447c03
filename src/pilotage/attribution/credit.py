"""The result every attribution model returns: credited conversions and value per channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy.typing as npt


@dataclass(frozen=True)
class Attribution:
    """``conversions[i]`` and ``value[i]`` credited to ``channels[i]`` by ``model``.

    ``removal_effects`` is set by the Markov model only (one per channel, before
    normalisation).
    """

    model: str
    channels: tuple[str, ...]
    conversions: tuple[float, ...]
    value: tuple[float, ...]
    removal_effects: tuple[float, ...] | None = None

    def conversions_of(self, channel: str) -> float:
        return self.conversions[self.channels.index(channel)]

    def value_of(self, channel: str) -> float:
        return self.value[self.channels.index(channel)]

    def to_dict(self) -> dict[str, object]:
        rows = []
        for i, channel in enumerate(self.channels):
            row: dict[str, object] = {
                "channel": channel,
                "conversions": self.conversions[i],
                "value": self.value[i],
            }
            if self.removal_effects is not None:
                row["removal_effect"] = self.removal_effects[i]
            rows.append(row)
        return {"model": self.model, "channels": rows}


def attribution(
    model: str,
    channels: tuple[str, ...],
    conversions: npt.NDArray[Any],
    value: npt.NDArray[Any],
    removal_effects: npt.NDArray[Any] | None = None,
) -> Attribution:
    return Attribution(
        model,
        channels,
        tuple(float(x) for x in conversions),
        tuple(float(x) for x in value),
        None if removal_effects is None else tuple(float(x) for x in removal_effects),
    )
