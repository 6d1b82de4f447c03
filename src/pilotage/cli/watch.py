"""`pilotage watch add|list|run|changes|remove`: monitors on competitors' pages.

These commands use the app database only, so they work while `pilotage serve` runs
(which checks due monitors by itself); `pilotage watch run` suits a cron job.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pilotage.cli.common import instance, print_csv, print_json, print_table
from pilotage.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pilotage.config import Settings
    from pilotage.store.app import AppDB, Site

app = typer.Typer(help="Competitive watch: monitors, checks, changes.", no_args_is_help=True)
SiteOpt = Annotated[str, typer.Option("--site", help="Site (domain) the monitor belongs to.")]


def _db() -> AppDB:
    # settings are read afresh (not the cached ``settings()``), as every other command does
    return instance().app


def _site(s: Session, domain: str) -> Site:
    from pilotage.sites import get_site, list_sites

    if domain:
        return get_site(s, domain)
    sites = list_sites(s)
    if len(sites) != 1:
        raise InvalidInput(
            "say which site this monitor is for with --site "
            f"({len(sites)} sites exist; add one with `pilotage sites add`)",
            field="site",
        )
    return sites[0]


@app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="Page (or feed) to watch.")],
    site: SiteOpt = "",
    kind: Annotated[str, typer.Option(help="text, price, availability or feed.")] = "text",
    selector: Annotated[str, typer.Option(help="CSS selector of the part to watch.")] = "",
    xpath: Annotated[str, typer.Option(help="XPath of the part to watch.")] = "",
    jsonpath: Annotated[str, typer.Option(help="JSONPath, for a JSON document.")] = "",
    every: Annotated[str, typer.Option(help="Check interval: 30m, 6h, 1d…")] = "6h",
    name: Annotated[str, typer.Option(help="Name shown in lists and alerts.")] = "",
    competitor: Annotated[str, typer.Option(help="Competitor this page belongs to.")] = "",
    email: Annotated[list[str] | None, typer.Option(help="Alert this address.")] = None,
    webhook: Annotated[str, typer.Option(help="POST alerts to this URL (JSON).")] = "",
    drop_pct: Annotated[float, typer.Option(help="Alert only when the price drops this %.")] = 0,
    rise_pct: Annotated[float, typer.Option(help="Alert only when the price rises this %.")] = 0,
    include: Annotated[list[str] | None, typer.Option(help="Feed: keep items with this.")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="Feed: drop items with this.")] = None,
) -> None:
    """Add a monitor; it is checked at once by `watch run` or the server."""
    from pilotage.watch.monitors import add_monitor

    thresholds = {k: v for k, v in (("drop_pct", drop_pct), ("rise_pct", rise_pct)) if v}
    db = _db()
    with db.session() as s:
        monitor = add_monitor(
            s, _site(s, site), url, kind=kind, name=name, css=selector, xpath=xpath,
            jsonpath=jsonpath, every=every, competitor=competitor,
            keywords={"include": include or [], "exclude": exclude or []},
            thresholds=thresholds, notify={"emails": email or [], "webhook": webhook},
        )  # fmt: skip
        print(f"Monitor {monitor.id} watches {monitor.url} ({monitor.kind}).")
    db.dispose()


@app.command("list")
def list_command(
    site: SiteOpt = "", fmt: Annotated[str, typer.Option("--format")] = "table"
) -> None:
    """Monitors, with their last check."""
    from pilotage.watch.monitors import list_monitors

    db = _db()
    with db.session() as s:
        rows = [
            {"id": m.id, "site": m.site.domain, "name": m.name, "kind": m.kind, "url": m.url,
             "every_seconds": m.every_seconds, "last_checked_at": _iso(m.last_checked_at),
             "next_check_at": _iso(m.next_check_at), "last_error": m.last_error}
            for m in list_monitors(s, _site(s, site) if site else None)
        ]  # fmt: skip
    db.dispose()
    _show(fmt, "Monitors", rows, ["id", "name", "kind", "url", "last_checked_at", "last_error"])


@app.command("run")
def run(
    monitor: Annotated[list[int] | None, typer.Option(help="Check this monitor now.")] = None,
    all_monitors: Annotated[bool, typer.Option("--all", help="Check every monitor now.")] = False,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Allow local and private addresses.")
    ] = False,
) -> None:
    """Check the monitors that are due (or those named), then send alerts."""
    from pilotage.watch.monitors import list_monitors
    from pilotage.watch.schedule import run_checks

    inst = instance()
    db = inst.app
    ids = list(monitor or [])
    if all_monitors:
        with db.session() as s:
            ids = [m.id for m in list_monitors(s)]
    outcomes = asyncio.run(
        run_checks(db, inst.settings, monitor_ids=ids or None, allow_private=allow_private or None)
    )
    db.dispose()
    for o in outcomes:
        text = {"first": "first snapshot", "unchanged": "no change", "changed": "changed"}
        line = text.get(o.state, f"error: {o.error}")
        alert = " (alert sent)" if o.alerted else ""
        print(f"monitor {o.monitor_id}: {line}{alert}", file=sys.stderr)
    print(f"{len(outcomes)} monitor(s) checked.", file=sys.stderr)


@app.command("changes")
def changes(
    site: SiteOpt = "",
    monitor: Annotated[int, typer.Option(help="Only this monitor's changes.")] = 0,
    alerts: Annotated[bool, typer.Option("--alerts", help="Only changes that alerted.")] = False,
    limit: Annotated[int, typer.Option(help="Most changes shown.")] = 50,
    fmt: Annotated[str, typer.Option("--format", help="table, json, csv or atom.")] = "table",
) -> None:
    """Changes found, newest first, with what was added and removed."""
    from pilotage.watch.monitors import get_monitor, recent_changes

    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; use {', '.join(FORMATS)}", field="format")
    inst = instance()
    db = inst.app
    with db.session() as s:
        only = get_monitor(s, monitor) if monitor else None
        found = recent_changes(
            s, site=_site(s, site) if site else None, monitor=only,
            alerted_only=alerts, limit=limit,
        )  # fmt: skip
        if fmt == "atom":
            sys.stdout.write(_atom(found, inst.settings).decode())
            db.dispose()
            return
        rows = [_change_row(c) for c in found]
    db.dispose()
    _show(fmt, "Changes", rows, ["id", "monitor", "detected_at", "summary", "significance"])


@app.command("remove")
def remove(monitor: Annotated[int, typer.Argument(help="Monitor id.")]) -> None:
    """Delete a monitor with its snapshots and changes."""
    from pilotage.watch.monitors import delete_monitor, get_monitor

    db = _db()
    with db.session() as s:
        delete_monitor(s, get_monitor(s, monitor))
    db.dispose()
    print(f"Monitor {monitor} removed.", file=sys.stderr)


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"


def _change_row(c: Any) -> dict[str, Any]:
    return {
        "id": c.id, "monitor": c.monitor_id, "monitor_name": c.monitor.name,
        "url": c.monitor.url, "detected_at": _iso(c.detected_at), "summary": c.summary,
        "significance": c.significance, "alerted": c.alerted, "added": c.added,
        "removed": c.removed, "price_old": c.price_old, "price_new": c.price_new,
        "availability_old": c.availability_old, "availability_new": c.availability_new,
    }  # fmt: skip


def _atom(found: list[Any], settings: Settings) -> bytes:
    from datetime import UTC, datetime

    from pilotage.watch.feed_out import atom_feed
    from pilotage.watch.runner import notice_for

    # the feed's own address mints its entry ids (tag: URIs need a host)
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    notices = [notice_for(c, c.monitor, None) for c in found]
    return atom_feed(
        notices, feed_id="urn:pilotage:watch:changes", title="Pilotage watch",
        self_url=f"{base}/watch/changes.atom", updated=datetime.now(UTC),
    )  # fmt: skip


def _show(fmt: str, title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    if fmt == "json":
        print_json(rows)
    elif fmt == "csv":
        header = list(rows[0]) if rows else columns
        print_csv(header, [[_flat(r[h]) for h in header] for r in rows])
    elif fmt == "table":
        print_table(title, columns, [[_flat(r[c]) for c in columns] for r in rows])
    else:
        raise InvalidInput(f"unknown format {fmt!r}; use table, json or csv", field="format")


FORMATS = ("table", "json", "csv", "atom")


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " | ".join(f"{k}: {v}" for k, v in value.items())
    return "" if value is None else value


bench_app = typer.Typer(
    help="Competitor benchmark: competitors x weighted criteria, scores 0-5.",
    no_args_is_help=True,
)
app.add_typer(bench_app, name="bench")


@bench_app.command("competitor")
def bench_competitor(
    name: Annotated[str, typer.Argument(help="Competitor's name.")],
    site: SiteOpt = "",
    url: Annotated[str, typer.Option(help="Competitor's website.")] = "",
    is_self: Annotated[bool, typer.Option("--self", help="This is our own product.")] = False,
) -> None:
    """Add a competitor to the benchmark."""
    from pilotage.watch.benchmark import add_competitor

    with _db().session() as s:
        row = add_competitor(s, _site(s, site), name, url=url, is_self=is_self)
        print(f"Competitor {row.id}: {row.name}.")


@bench_app.command("criterion")
def bench_criterion(
    name: Annotated[str, typer.Argument(help="Criterion's name.")],
    site: SiteOpt = "",
    weight: Annotated[float, typer.Option(help="Weight, above 0.")] = 1.0,
    axis: Annotated[str, typer.Option(help="Positioning map axis: x, y or none.")] = "",
) -> None:
    """Add a weighted criterion to the benchmark."""
    from pilotage.watch.benchmark import add_criterion

    with _db().session() as s:
        row = add_criterion(s, _site(s, site), name, weight=weight, axis=axis or None)
        print(f"Criterion {row.id}: {row.name} (weight {row.weight:g}).")


@bench_app.command("score")
def bench_score(
    competitor: Annotated[str, typer.Argument(help="Competitor's name.")],
    criterion: Annotated[str, typer.Argument(help="Criterion's name.")],
    score: Annotated[float, typer.Argument(help="Score from 0 to 5.")],
    site: SiteOpt = "",
    note: Annotated[str, typer.Option(help="Why this score.")] = "",
    snapshot: Annotated[int, typer.Option(help="Evidence: a snapshot id.")] = 0,
) -> None:
    """Score a competitor on a criterion (replaces an earlier score)."""
    from pilotage.watch.benchmark import find_competitor, find_criterion, set_score

    with _db().session() as s:
        where = _site(s, site)
        set_score(
            s, find_competitor(s, where, competitor), find_criterion(s, where, criterion),
            score, note=note, snapshot_id=snapshot or None,
        )  # fmt: skip


@bench_app.command("show")
def bench_show(site: SiteOpt = "", fmt: Annotated[str, typer.Option("--format")] = "table") -> None:
    """The matrix: weighted score (scored criteria only), coverage, rank, map position."""
    from pilotage.watch.benchmark import matrix, positioning

    with _db().session() as s:
        table = matrix(s, _site(s, site))
    where = {p.competitor.id: (p.x, p.y) for p in positioning(table)}
    rows = [
        {"rank": c.rank, "name": c.name, "self": c.is_self, "weighted": _round(c.weighted),
         "coverage": round(c.coverage, 4), "x": _round(where.get(c.id, (None, None))[0]),
         "y": _round(where.get(c.id, (None, None))[1]),
         "scores": {k.name: c.cells[k.id].score for k in table.criteria if k.id in c.cells}}
        for c in table.ranked()
    ]  # fmt: skip
    columns = ["rank", "name", "weighted", "coverage", "x", "y"]
    _show(fmt, "Benchmark", rows, columns)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
