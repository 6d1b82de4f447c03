"""What every CLI module shares: the instance, output helpers, the error edge."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pilotage.export import csv_text

if TYPE_CHECKING:
    from pilotage.instance import Instance

console = Console()
err_console = Console(stderr=True)


def instance(read_only: bool = False) -> Instance:
    # Imported on use: commands import only what they run, so `pilotage` starts quickly.
    from pilotage.instance import Instance

    return Instance(read_only=read_only)


def print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def print_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    sys.stdout.write(csv_text(header, rows))


def cell(value: Any) -> Text:
    """A table cell shown as written: paths, referrers and crawled text are the outside
    world's, and Rich would read ``[...]`` in them as markup (or fail on ``[/x]``)."""
    return Text("" if value is None else str(value))


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title)
    for name in header:
        table.add_column(name, justify="left" if name == header[0] else "right")
    for row in rows:
        table.add_row(*[cell(v) for v in row])
    console.print(table)
