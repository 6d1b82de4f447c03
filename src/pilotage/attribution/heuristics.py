"""Rule-based (heuristic) attribution models.

Each model gives every touch of a path a weight; a path's weights sum to 1, and a
channel is credited ``Σ weight × conversions`` (and ``Σ weight × value``) over its
touches. Definitions follow Google's descriptions of its former rule-based models
(Google Ads Help, "About attribution models", answer 6259715) and eeghor/mta
(``mta.py``, MIT):

- first touch: the first touch gets 1;
- last touch: the last touch gets 1;
- last non-direct: the last touch whose channel is not ``Direct`` gets 1; a path made
  only of Direct touches credits its last (Direct) touch;
- linear: each of the k touches gets 1/k;
- time decay: touch t gets ``2^(−age_t / half_life)`` (age in days before the
  conversion, continuous), normalised over the path; a 7-day half-life is Google's
  default, so a touch 8 days before the conversion weighs half a touch 1 day before;
- position-based (U-shaped, 40/20/40): k = 1 → 1; k = 2 → 0.5 and 0.5; k ≥ 3 → 0.4 to
  the first and the last touch, 0.2/(k−2) to each middle touch.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pilotage.attribution.credit import Attribution, attribution
from pilotage.attribution.journeys import Encoded, Journeys, encode
from pilotage.errors import InvalidInput

Weights = npt.NDArray[np.float64]
DEFAULT_HALF_LIFE_DAYS = 7.0


def _credit(model: str, enc: Encoded, weights: Weights) -> Attribution:
    n = len(enc.channels)
    conv = np.bincount(enc.channel, weights=weights * enc.conversions[enc.path], minlength=n)
    value = np.bincount(enc.channel, weights=weights * enc.value[enc.path], minlength=n)
    return attribution(model, enc.channels, conv, value)


def _last(enc: Encoded) -> npt.NDArray[np.bool_]:
    return np.asarray(enc.position == enc.length[enc.path] - 1, dtype=np.bool_)


def first_touch(journeys: Journeys) -> Attribution:
    """All credit to the first touch of each path."""
    enc = encode(journeys)
    return _credit("first_touch", enc, (enc.position == 0).astype(np.float64))


def last_touch(journeys: Journeys) -> Attribution:
    """All credit to the last touch of each path."""
    enc = encode(journeys)
    return _credit("last_touch", enc, _last(enc).astype(np.float64))


def last_non_direct(journeys: Journeys) -> Attribution:
    """All credit to the last touch that is not Direct (the last touch when all are)."""
    enc = encode(journeys)
    direct = np.array([c == journeys.direct for c in enc.channels], dtype=bool)
    is_direct = direct[enc.channel] if len(enc.channels) else np.zeros(0, dtype=bool)
    # Per path, the highest position of a non-direct touch, or -1 when there is none.
    best = np.full(len(enc.length), -1, dtype=np.int64)
    np.maximum.at(best, enc.path[~is_direct], enc.position[~is_direct])
    chosen = np.where(best >= 0, best, enc.length - 1)
    return _credit("last_non_direct", enc, (enc.position == chosen[enc.path]).astype(np.float64))


def linear(journeys: Journeys) -> Attribution:
    """Each of a path's k touches gets 1/k."""
    enc = encode(journeys)
    return _credit("linear", enc, 1.0 / enc.length[enc.path])


def time_decay(journeys: Journeys, half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> Attribution:
    """Touch weight ``2^(−age/half_life)``, normalised per path (ages in days)."""
    if not np.isfinite(half_life_days) or half_life_days <= 0:
        raise InvalidInput(
            f"half-life {half_life_days!r} must be a positive number of days", field="half_life"
        )
    if journeys.paths and not journeys.has_times:
        raise InvalidInput(
            "time decay needs the time of each touch; imported paths have none", field="model"
        )
    enc = encode(journeys)
    raw = np.exp2(-enc.age / half_life_days)
    total = np.bincount(enc.path, weights=raw, minlength=len(enc.length))
    return _credit("time_decay", enc, raw / total[enc.path])


def position_based(journeys: Journeys, first: float = 0.4, last: float = 0.4) -> Attribution:
    """40/20/40: ``first`` and ``last`` to the ends, the rest shared by middle touches;
    one touch gets 1, two touches 0.5 each (eeghor/mta's convention)."""
    if first < 0 or last < 0 or first + last > 1:
        raise InvalidInput(f"shares {first}/{last} must be >= 0 and sum to <= 1", field="shares")
    enc = encode(journeys)
    k = enc.length[enc.path].astype(np.float64)
    is_end = (enc.position == 0) | _last(enc)
    middle = (1.0 - first - last) / np.maximum(k - 2.0, 1.0)
    ends = np.where(enc.position == 0, first, last)
    weights = np.where(is_end, ends, middle)
    weights = np.where(k == 2, 0.5, np.where(k == 1, 1.0, weights))
    return _credit("position_based", enc, weights)
