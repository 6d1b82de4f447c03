"""Durations as people type them: "90", "90s", "15m", "6h", "1d", "1w" (case ignored)."""

from __future__ import annotations

import re

from pilotage.errors import InvalidInput

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str, field: str) -> float:
    """Seconds in ``text`` (a bare number is seconds); InvalidInput naming ``field``."""
    match = _DURATION.match(text.lower())
    if match is None:
        raise InvalidInput(
            f"{field} {text!r} is not a duration like 90s, 30m, 6h or 1d", field=field
        )
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise InvalidInput(f"{field} {text!r} must be longer than zero", field=field)
    return seconds
