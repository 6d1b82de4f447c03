"""Docs that cannot rot: settings and commands are documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from pilotage.cli import app
from pilotage.config import settings_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_settings_page_is_generated_from_the_declarations() -> None:
    assert (ROOT / "docs" / "settings.md").read_text() == settings_markdown(), (
        "regenerate docs/settings.md with "
        "python -c 'from pilotage.config import settings_markdown; print(settings_markdown(), end=\"\")'"
    )


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    group = typer.main.get_command(app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    assert names
    for name in names:
        assert f"pilotage {name}" in readme, f"`pilotage {name}` is not in the README"


def test_the_seo_checks_table_is_up_to_date() -> None:
    from pilotage.seo.audit import checks_markdown

    doc = (ROOT / "docs" / "seo.md").read_text()
    assert checks_markdown() in doc, "regenerate the table of docs/seo.md (checks_markdown)"
