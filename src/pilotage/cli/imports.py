"""`pilotage import logs|events|ga4`: bulk loads, with a progress bar and a summary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from pilotage.cli.common import console, err_console, instance, print_json, print_table
from pilotage.collect.importers.report import ImportReport
from pilotage.errors import NotFound

if TYPE_CHECKING:
    import pyarrow as pa

app = typer.Typer(help="Load events from files into the store.", no_args_is_help=True)
Files = Annotated[list[Path], typer.Argument(help="Files to import.", show_default=False)]
SiteOpt = Annotated[str, typer.Option(help="Site domain the events belong to.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[..., None]]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(*args: object) -> None:
            # Importers call progress(done, total) or progress(path, done, total).
            done, total = args[-2], args[-1]
            bar.update(task, completed=done, total=total)  # type: ignore[arg-type]

        yield update


def _check(paths: list[Path]) -> None:
    for p in paths:
        if not p.is_file():
            raise NotFound(f"no file '{p}'", field="file")


def _finish(site: str, read: Callable[..., tuple[pa.Table, ImportReport]], json: bool) -> None:
    inst = instance()
    domain = inst.check_site(site)
    with progress_bar("Reading") as update:
        table, report = read(domain, update)
    with console.status("Sessionising and storing…"):
        inst.load_hits(table, report)
    old = _older_than(table, inst.retention_cutoff())
    inst.close()
    summary(report, json)
    if old:
        err_console.print(
            f"Warning: {old} of these events are older than the retention period "
            f"({inst.settings.retention_months} months, PILOTAGE_RETENTION_MONTHS) and "
            "will be deleted by the next purge.",
            markup=False,
            soft_wrap=True,
        )


def _older_than(table: pa.Table, cutoff: datetime) -> int:
    import pyarrow as pa
    import pyarrow.compute as pc

    if table.num_rows == 0:
        return 0
    limit = pa.scalar(cutoff, pa.timestamp("us", tz="UTC"))
    return int(pc.sum(pc.less(table["ts"], limit)).as_py() or 0)


def summary(report: ImportReport, json: bool) -> None:
    if json:
        print_json(report.as_dict())
        return
    rows = [
        ("read", report.read),
        ("imported", report.imported),
        ("skipped (not events)", report.skipped),
        ("of which bots", report.bots),
        ("rejected", report.rejected_total),
    ]
    print_table(f"Import of {report.source}", ["", "lines"], rows)
    for reason, n in report.rejected.most_common():
        lines = ", ".join(str(x) for x in report.first_lines.get(reason, []))
        console.print(f"  rejected {n} × {reason} (first lines: {lines})", markup=False)


@app.command("logs")
def import_logs(
    files: Files,
    site: SiteOpt,
    log_format: Annotated[
        str, typer.Option(help="combined, common, vhost_combined, nginx or a LogFormat string.")
    ] = "combined",
    json: JsonOpt = False,
) -> None:
    """Import web server access logs (plain, .gz or .bz2)."""
    from pilotage.collect.importers.logs import read_log_hits

    _check(files)
    _finish(site, lambda d, p: read_log_hits(files, log_format, d, progress=p), json)


@app.command("events")
def import_events(
    files: Files,
    site: SiteOpt,
    map: Annotated[str, typer.Option(help="Column mapping, e.g. ts=event_time,name=type.")] = "",
    fmt: Annotated[str, typer.Option("--format", help="auto, csv, parquet or ndjson.")] = "auto",
    json: JsonOpt = False,
) -> None:
    """Import CSV, Parquet or NDJSON event files."""
    from pilotage.collect.importers.files import ColumnMapping, read_event_files

    _check(files)
    mapping = ColumnMapping.parse(map) if map else None
    _finish(
        site,
        lambda d, p: read_event_files(files, d, mapping, fmt, progress=p),  # type: ignore[arg-type]
        json,
    )


@app.command("ga4")
def import_ga4(files: Files, site: SiteOpt, json: JsonOpt = False) -> None:
    """Import Google Analytics 4 BigQuery export files (NDJSON or Parquet)."""
    from pilotage.collect.importers.ga4 import read_ga4_export

    _check(files)
    _finish(site, lambda d, p: read_ga4_export(files, d, progress=p), json)
