"""Journeys: the ordered touchpoints before a conversion, or before nothing (a null path).

A ``Journey`` is one path of channels with the conversions, conversion value and nulls
(journeys that ended without converting) it stands for, as in ChannelAttribution's
input (columns ``path``, ``total_conversions``, ``total_conversion_value``,
``total_null``; Altomare & Loris, CRAN package ChannelAttribution). Journeys built
from the event store also carry ``ages``: the days from each touch to the conversion
(or, for a null path, to the path's last touch), which the time-decay model needs.

``encode`` flattens journeys into numpy arrays (one row per touch) so that the models
aggregate with ``np.bincount`` instead of Python loops.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pilotage.errors import InvalidInput

DIRECT = "Direct"
SEPARATOR = ">"
# Header names accepted for each column of an imported paths CSV.
PATH_COLUMNS = {
    "path": ("path",),
    "conversions": ("conversions", "total_conversions"),
    "value": ("value", "total_conversion_value", "conversion_value"),
    "nulls": ("nulls", "null", "total_null"),
}


def _check_amount(value: float, field: str, where: str) -> float:
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(f"{field} {value!r} {where} must be a number >= 0", field=field)
    return float(value)


@dataclass(frozen=True)
class Journey:
    channels: tuple[str, ...]
    conversions: float = 0.0
    value: float = 0.0
    nulls: float = 0.0
    ages: tuple[float, ...] | None = None  # days from each touch to the path's end

    def __post_init__(self) -> None:
        where = f"for path {SEPARATOR.join(self.channels)!r}"
        if not self.channels or any(not c for c in self.channels):
            raise InvalidInput(f"empty path or empty channel name {where}", field="path")
        for name in ("conversions", "value", "nulls"):
            _check_amount(getattr(self, name), name, where)
        if self.ages is not None:
            if len(self.ages) != len(self.channels):
                raise InvalidInput(f"one age per touch is needed {where}", field="ages")
            for age in self.ages:
                _check_amount(age, "ages", where)


@dataclass(frozen=True)
class Journeys:
    """Paths, plus conversions that had no touch in their lookback window.

    Those ``unattributed_*`` conversions are reported, never spread over channels.
    """

    paths: tuple[Journey, ...]
    unattributed_conversions: float = 0.0
    unattributed_value: float = 0.0
    direct: str = DIRECT

    @property
    def channels(self) -> tuple[str, ...]:
        """Every channel seen, sorted."""
        return tuple(sorted({c for p in self.paths for c in p.channels}))

    @property
    def conversions(self) -> float:
        return float(sum(p.conversions for p in self.paths))

    @property
    def value(self) -> float:
        return float(sum(p.value for p in self.paths))

    @property
    def has_times(self) -> bool:
        """Every converting path knows its touch times (null paths need none)."""
        converting = [p for p in self.paths if p.conversions > 0 or p.value > 0]
        return all(p.ages is not None for p in converting)


@dataclass(frozen=True)
class Encoded:
    """Journeys as flat arrays: touch ``t`` is channel ``channel[t]`` at position
    ``position[t]`` of path ``path[t]``; per path: ``length``, ``conversions``, ``value``,
    ``nulls``; ``age[t]`` is NaN-free, 0 when the journeys carry no times."""

    channels: tuple[str, ...]
    channel: npt.NDArray[np.int64]
    path: npt.NDArray[np.int64]
    position: npt.NDArray[np.int64]
    age: npt.NDArray[np.float64]
    length: npt.NDArray[np.int64]
    conversions: npt.NDArray[np.float64]
    value: npt.NDArray[np.float64]
    nulls: npt.NDArray[np.float64]


def encode(journeys: Journeys) -> Encoded:
    channels = journeys.channels
    index = {c: i for i, c in enumerate(channels)}
    paths = journeys.paths
    lengths = np.array([len(p.channels) for p in paths], dtype=np.int64)
    flat = [index[c] for p in paths for c in p.channels]
    ages = [a for p in paths for a in (p.ages or (0.0,) * len(p.channels))]
    starts = np.cumsum(lengths) - lengths
    path_of = np.repeat(np.arange(len(paths), dtype=np.int64), lengths)
    return Encoded(
        channels=channels,
        channel=np.array(flat, dtype=np.int64),
        path=path_of,
        position=np.arange(int(lengths.sum()), dtype=np.int64) - starts[path_of],
        age=np.array(ages, dtype=np.float64),
        length=lengths,
        conversions=np.array([p.conversions for p in paths], dtype=np.float64),
        value=np.array([p.value for p in paths], dtype=np.float64),
        nulls=np.array([p.nulls for p in paths], dtype=np.float64),
    )


def parse_path(text: str, line: int) -> tuple[str, ...]:
    channels = tuple(part.strip() for part in text.split(SEPARATOR))
    if not text.strip() or any(not c for c in channels):
        raise InvalidInput(f"line {line}: empty path or channel in {text!r}", field="path")
    return channels


def _header(fields: list[str]) -> dict[str, str | None]:
    lowered = {f.strip().lower(): f for f in fields}
    found: dict[str, str | None] = {}
    for key, names in PATH_COLUMNS.items():
        found[key] = next((lowered[n] for n in names if n in lowered), None)
    if found["path"] is None:
        raise InvalidInput(f"the paths file has no 'path' column (columns: {fields})", field="path")
    if found["conversions"] is None and found["nulls"] is None:
        raise InvalidInput(
            "the paths file needs a conversions or nulls column", field="conversions"
        )
    return found


def _number(row: dict[str, str], column: str | None, field: str, line: int) -> float:
    if column is None or not (row.get(column) or "").strip():
        return 0.0
    text = (row[column] or "").strip()
    try:
        number = float(text)
    except ValueError:
        raise InvalidInput(f"line {line}: {field} {text!r} is not a number", field=field) from None
    return _check_amount(number, field, f"on line {line}")


def read_paths_csv(text: str, *, direct: str = DIRECT) -> Journeys:
    """Journeys from a CSV of paths: ``path`` ("Google > Email > Direct"), and any of
    ``conversions`` / ``total_conversions``, ``value`` / ``total_conversion_value``,
    ``nulls`` / ``total_null`` (missing cells count 0). Rows of the same path add up."""
    reader = csv.DictReader(io.StringIO(text))
    cols = _header(list(reader.fieldnames or []))
    totals: dict[tuple[str, ...], list[float]] = {}
    for line, row in enumerate(reader, start=2):
        path = parse_path(row.get(cols["path"] or "") or "", line)
        amounts = [_number(row, cols[k], k, line) for k in ("conversions", "value", "nulls")]
        acc = totals.setdefault(path, [0.0, 0.0, 0.0])
        for i, amount in enumerate(amounts):
            acc[i] += amount
    if not totals:
        raise InvalidInput("the paths file holds no path", field="path")
    return Journeys(tuple(Journey(p, t[0], t[1], t[2]) for p, t in totals.items()), direct=direct)


def journeys_of(rows: Iterable[tuple[str, float, float, float]]) -> Journeys:
    """Journeys from ``(path text, conversions, value, nulls)`` tuples (a convenience
    for tests and the docs)."""
    paths = [Journey(parse_path(p, i + 1), c, v, n) for i, (p, c, v, n) in enumerate(rows)]
    return Journeys(tuple(paths))
