"""Imported paths: the ChannelAttribution column names, and bad input."""

from __future__ import annotations

import pytest

from pilotage.attribution import Journey, read_paths_csv
from pilotage.errors import InvalidInput


def test_reads_channelattribution_columns_and_adds_up_repeated_paths() -> None:
    text = (
        "path,total_conversions,total_conversion_value,total_null\n"
        "Google > Email > Direct,2,20.5,1\n"
        "Google>Email>Direct,1,1,\n"
        "Email,0,0,4\n"
    )
    j = read_paths_csv(text)
    assert j.paths[0] == Journey(("Google", "Email", "Direct"), 3.0, 21.5, 1.0)
    assert j.paths[1].nulls == 4.0
    assert j.channels == ("Direct", "Email", "Google")
    assert j.conversions == 3.0


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("path,conversions\n,1\n", "path"),
        ("path,conversions\nA > > B,1\n", "path"),
        ("path,conversions\nA,-1\n", "conversions"),
        ("path,conversions,value\nA,1,nan\n", "value"),
        ("path,conversions,value\nA,1,abc\n", "value"),
        ("path,conversions\n", "path"),
        ("route,conversions\nA,1\n", "path"),
        ("path,value\nA,1\n", "conversions"),
    ],
)
def test_bad_input_names_the_field(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        read_paths_csv(text)
    assert err.value.field == field


def test_journey_checks_its_ages() -> None:
    with pytest.raises(InvalidInput) as err:
        Journey(("A", "B"), 1.0, ages=(1.0,))
    assert err.value.field == "ages"
