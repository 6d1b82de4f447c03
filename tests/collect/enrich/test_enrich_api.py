"""The public API of pilotage.collect.enrich, and its documentation."""

from __future__ import annotations

from pathlib import Path

import pilotage.collect.enrich as enrich
from pilotage.collect.enrich.channels import CHANNELS

DOC = Path(__file__).parents[3] / "docs" / "enrichment.md"


def test_public_api() -> None:
    assert set(enrich.__all__) == {
        "CHANNELS",
        "Acquisition",
        "Agent",
        "classify",
        "country",
        "is_bot",
        "is_bot_path",
        "parse_user_agent",
    }
    for name in enrich.__all__:
        assert getattr(enrich, name) is not None


def test_every_channel_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in CHANNELS:
        assert f"| {name} |" in text, name
