"""Durations as typed in the CLI and the watch forms."""

from __future__ import annotations

import pytest

from pilotage.durations import parse_duration
from pilotage.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("15m", 900), ("1.5H", 5400), (" 1d ", 86400), ("2w", 1209600)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, "every") == seconds


@pytest.mark.parametrize("text", ["", "soon", "-5m", "0", "5 minutes", "1y"])
def test_bad_durations_name_their_field(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_duration(text, "max-time")
    assert caught.value.field == "max-time"
