"""`pilotage logs`: web server access-log reports, without a store.

Thin: parses the options, shows a progress bar per file on stderr, calls
:func:`pilotage.collect.importers.logreport.report` and prints Rich tables or JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn
from rich.table import Table

from pilotage.cli.common import cell
from pilotage.errors import InvalidInput, PilotageError

app = typer.Typer(
    name="logs",
    help="Web server access logs: GoAccess-compatible reports with visits and bounce rate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


class _FileProgress:
    """Adapts logs.ProgressCallback to a Rich progress bar per file, by bytes."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[Path, TaskID] = {}

    def __call__(self, path: Path, done: int, total: int) -> None:
        if path not in self.tasks:
            self.tasks[path] = self.progress.add_task(path.name, total=total)
        self.progress.update(self.tasks[path], completed=done)


def _table(title: str, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Table:
    table = Table(title=title)
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i == 0 else "right", overflow="fold")
    for row in rows:
        table.add_row(*[cell(v) for v in row])
    return table


def _print_tables(data: dict[str, Any]) -> None:
    keys = (
        "total_requests", "valid_requests", "failed_requests", "bandwidth",
        "unique_visitors", "pageviews", "visits", "bounce_rate", "visit_duration",
        "bot_pageviews",
    )  # fmt: skip
    console.print(_table("Summary", ("metric", "value"), [(k, data[k]) for k in keys]))
    days = [(d["day"], d["hits"], d["visitors"], d["bytes"]) for d in data["days"]]
    console.print(_table("Days", ("day", "hits", "visitors", "bytes"), days))
    codes = [(s["status"], s["hits"], s["visitors"], s["bytes"]) for s in data["status_codes"]]
    console.print(_table("Status codes", ("status", "hits", "visitors", "bytes"), codes))
    for panel in ("requests", "static_requests", "not_found"):
        rows: list[tuple[Any, ...]] = [
            (i["request"], i["method"], i["protocol"], i["hits"], i["visitors"], i["bytes"])
            for i in data[panel]["items"]
        ]
        header = ("request", "method", "protocol", "hits", "visitors", "bytes")
        console.print(_table(panel.replace("_", " ").capitalize(), header, rows))
    if data["rejected"]:
        rejected = [(r, v["count"], v["first_lines"]) for r, v in data["rejected"].items()]
        console.print(_table("Rejected lines", ("reason", "count", "first lines"), rejected))


@app.callback()
def main() -> None:
    """Web server access logs."""


@app.command()
def report(
    files: Annotated[list[Path], typer.Argument(help="Access log files (.gz, .bz2 too).")],
    format: Annotated[str, typer.Option(help="Output: table or json.")] = "table",
    log_format: Annotated[
        str,
        typer.Option(help="combined, common, vhost_combined, nginx or an Apache LogFormat string."),
    ] = "combined",
    top: Annotated[int, typer.Option(min=1, help="Rows per request panel.")] = 20,
) -> None:
    """Report hits, visitors, bandwidth, status codes, top requests, visits and bounces."""
    try:
        output: Literal["table", "json"]
        if format not in ("table", "json"):
            raise InvalidInput(f"unknown output format {format!r}: use table or json")
        output = "json" if format == "json" else "table"
        # Imported on use so that `pilotage` starts quickly for every other command.
        from pilotage.collect.importers.logreport import report as log_report

        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
        bar = Progress(
            *columns, console=err_console, transient=True, disable=not err_console.is_terminal
        )
        with bar as progress:
            data = log_report(files, log_format, top, progress=_FileProgress(progress))
    except PilotageError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        raise typer.Exit(exc.exit_status) from None
    if output == "json":
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _print_tables(data)


if __name__ == "__main__":
    app()
