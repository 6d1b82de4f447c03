"""What every CLI module shares: the instance, output helpers, the error edge."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from pilotage.instance import Instance

console = Console()
err_console = Console(stderr=True)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def instance(read_only: bool = False) -> Instance:
    # Imported on use: commands import only what they run, so `pilotage` starts quickly.
    from pilotage.instance import Instance

    return Instance(read_only=read_only)


def print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection in a CSV cell (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def print_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    sys.stdout.write(out.getvalue())


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title)
    for name in header:
        table.add_column(name, justify="left" if name == header[0] else "right")
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)
