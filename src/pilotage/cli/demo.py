"""`pilotage demo`: load the real sample log and the seeded shop, then (optionally) serve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pilotage.cli.admin import serve
from pilotage.cli.common import console
from pilotage.cli.imports import summary
from pilotage.cli.users import print_owner_login
from pilotage.collect.importers.report import ImportReport

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlalchemy.orm import Session

    from pilotage.instance import Instance
    from pilotage.store.app import Site

SHOP = "boutique.example"
LOG_SITE = "semicomplete.com"
DEMO_DAYS = 120


def sample_log() -> Path:
    return Path(
        str(resources.files("pilotage") / "sample_data" / "apache_logs_semicomplete_2015.log")
    )


def load_shop(inst: Instance, now: datetime, daily_visitors: int = 400) -> None:
    from pilotage import sites as domain
    from pilotage.demo import generate

    start = (now - timedelta(days=DEMO_DAYS)).date()
    with console.status("Generating the demo shop…"):
        data = generate(
            SHOP, start=start, days=DEMO_DAYS + 1, now=now, daily_visitors=daily_visitors
        )
    with inst.app.session() as s:
        site = domain.add_site(s, SHOP, "Europe/Paris", "EUR")
        for g in data.goals:
            domain.add_goal(
                s,
                site,
                g["name"],
                page=g["page_pattern"] if g["kind"] == "page" else "",
                event=g["event_name"] if g["kind"] == "event" else "",
                props=g["props"],
                currency=g["currency"] or None,
            )
        for f in data.funnels:
            domain.add_funnel(s, site, f["name"], f["steps"])
        for currency, per_euro in data.rates.items():
            domain.set_rate(
                s, site, currency, (Decimal(1) / Decimal(per_euro)).quantize(Decimal("1e-8"))
            )
        load_benchmark(s, site)
        site_id = site.id
    report = ImportReport(source=f"demo shop ({DEMO_DAYS} days)", read=data.hits.num_rows)
    with console.status("Sessionising and storing the demo shop…"):
        inst.load_hits(data.hits, report)
    summary(report, json=False)
    load_crawl(inst, site_id, now)


def load_crawl(inst: Instance, site_id: int, now: datetime) -> None:
    """Crawl and audit the shop's pages (``pilotage.demo.website``, served on 127.0.0.1
    meanwhile), kept as the shop's crawl for its SEO page."""
    import asyncio

    from pilotage.crawl.engine import Crawler, CrawlSettings
    from pilotage.crawl.store import CrawlStore
    from pilotage.demo.website import serving
    from pilotage.seo.crawls import site_dir
    from pilotage.seo.saved import saved_audit

    directory = site_dir(inst.settings, site_id) / now.strftime("%Y%m%d-%H%M%S")
    with console.status("Crawling and auditing the demo shop's pages…"), serving() as origin:
        settings = CrawlSettings(
            start_url=origin + "/", allow_private=True, check_external=False, max_pages=2000
        )
        with CrawlStore(directory, create=True) as store:
            crawled = asyncio.run(Crawler(settings, store).run())
            audit = saved_audit(store)
    console.print(
        f"SEO: {crawled.pages} pages of the demo shop crawled, {len(audit.findings)} issues."
    )


# The demo shop's competitor benchmark (seeded, fictional competitors): criterion ->
# (weight, axis of the positioning map), and each competitor's scores out of 5.
BENCHMARK_CRITERIA = {
    "Prix": (2.0, "x"),
    "Largeur de gamme": (1.5, "y"),
    "Délais de livraison": (1.0, None),
    "Service client": (1.0, None),
}
BENCHMARK_SCORES = {
    "Boutique démo": (3.5, 3.0, 4.0, 4.5),
    "Maison Rivet": (2.5, 4.5, 3.0, 3.5),
    "Déco Direct": (4.5, 2.5, 4.5, 2.5),
    "Atelier Chêne & Co": (2.0, 3.5, 2.5, 4.5),
    "Le Grenier Moderne": (4.0, 4.0, 3.5, 3.0),
}


def load_benchmark(s: Session, site: Site) -> None:
    """Competitors x weighted criteria for the Watch page's benchmark and map."""
    from pilotage.watch.benchmark import add_competitor, add_criterion, set_score

    criteria = [
        add_criterion(s, site, name, weight, axis)
        for name, (weight, axis) in BENCHMARK_CRITERIA.items()
    ]
    for index, (name, scores) in enumerate(BENCHMARK_SCORES.items()):
        competitor = add_competitor(s, site, name, is_self=index == 0)
        for criterion, score in zip(criteria, scores, strict=True):
            set_score(s, competitor, criterion, score)


def replay_recent(table: pa.Table, now: datetime) -> pa.Table:
    """The hits moved by whole days so that the last one falls yesterday.

    The real log is from May 2015: stored as it is, it would be older than the retention
    period (25 months by default) and deleted by the server's first purge, and no
    dashboard period would show it. Whole days keep weekdays' and hours' shapes only
    roughly (the shift is a multiple of days, not of weeks), which a demo can afford."""
    import pyarrow as pa  # here, not at the top: every command imports this module
    import pyarrow.compute as pc

    last = pc.max(table["ts"]).as_py()
    days = ((now - timedelta(days=1)).date() - last.date()).days
    shifted = pc.add(table["ts"], pa.scalar(timedelta(days=days), pa.duration("us")))
    return table.set_column(table.schema.get_field_index("ts"), "ts", shifted)


def load_log(inst: Instance, now: datetime) -> None:
    from pilotage import sites as domain
    from pilotage.collect.importers.logs import read_log_hits

    with inst.app.session() as s:
        domain.add_site(s, LOG_SITE, "America/Chicago", "USD")
    table, report = read_log_hits([sample_log()], "combined", LOG_SITE)
    inst.load_hits(replay_recent(table, now), report)
    summary(report, json=False)


def demo(
    serve_after: Annotated[bool, typer.Option("--serve", help="Serve once loaded.")] = False,
) -> None:
    """Load the demo data (once) into the configured store."""
    from pilotage.instance import Instance

    inst = Instance()
    known = set(inst.known_sites())
    if SHOP not in known:
        load_shop(inst, datetime.now(UTC))
    if LOG_SITE not in known:
        load_log(inst, datetime.now(UTC))
    if known >= {SHOP, LOG_SITE}:
        console.print("The demo data is already loaded.")
    print_owner_login(inst)
    inst.close()
    if serve_after:
        where = f"http://{inst.settings.host}:{inst.settings.port}"
        console.print(f"Serving on {where} (Ctrl+C to stop)")
        serve()
