"""Tables of the command line show the outside world's strings as written."""

from __future__ import annotations

import pytest

from pilotage.cli import common


def test_table_cells_are_not_read_as_rich_markup(capsys: pytest.CaptureFixture[str]) -> None:
    # A page path or a referrer may hold brackets: "[/x]" made Rich raise, "[red]" vanished.
    common.print_table("Pages", ["path", "visitors"], [["/p[/x]", 1], ["[red]promo", None]])
    out = capsys.readouterr().out
    assert "/p[/x]" in out and "[red]promo" in out
