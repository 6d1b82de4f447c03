"""`pilotage seo crawl|report|diff`: crawl a site, audit it, compare two crawls.

A crawl is a directory (``--out``) holding one SQLite file; the report and the
comparison read it, so a crawl is audited again without fetching anything.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pilotage.durations import parse_duration
from pilotage.errors import InvalidInput

if TYPE_CHECKING:
    from pilotage.crawl.engine import CrawlSettings, CrawlSummary
    from pilotage.crawl.store import CrawlStore

app = typer.Typer(help="SEO audit: crawl a site, report its issues, compare crawls.")


# Up to this many pages, the audit after a crawl runs its keyword job in one of the crawl's
# workers, beside the other checks; beyond, the workers are stopped first and the audit
# runs in one process, so that a large crawl's peak memory is the audit's alone.
HELPED_AUDIT_PAGES = 20_000


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """uvloop's event loop where it exists (not on Windows): the fetching process is
    CPU-bound on the event loop and httpx, and uvloop costs less per callback (0.6 s of
    the fetching process's 5 s of CPU on python3-doc)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return asyncio.new_event_loop
    return uvloop.new_event_loop


@contextmanager
def _parsers(workers: int) -> Iterator[Executor | None]:
    """Parsing runs in ``workers`` processes (the fetching stays in this one)."""
    if workers <= 1:
        yield None
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pilotage.seo.extract"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        # Start the workers now, from another thread: they import the parser (a third of a
        # second) while this process reads robots.txt and the sitemaps.
        threading.Thread(target=_start_workers, args=(pool, workers), daemon=True).start()
        yield pool


def _start_workers(pool: Executor, workers: int) -> None:
    for _ in range(workers):  # each submission finding no idle worker starts one
        try:
            pool.submit(os.getpid)
        except RuntimeError:  # the crawl already ended (refused at start, interrupted)
            return


def _stop_forkserver() -> None:
    """Stop the process the workers were forked from (it stays until exit otherwise, 47 MB
    beside a large audit). Python keeps this for its own tests: absent, nothing is done."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if callable(stop):
        stop()


@app.command("crawl")
def crawl(
    url: Annotated[str, typer.Argument(help="Start URL, e.g. https://www.example.org/")],
    out: Annotated[
        Path, typer.Option("--out", help="Directory for the crawl (resumed if unfinished).")
    ],
    max_pages: Annotated[int, typer.Option(help="Most internal pages to fetch.")] = 10_000,
    max_depth: Annotated[
        int, typer.Option(help="Most clicks from the start URL (-1: no limit).")
    ] = -1,
    max_time: Annotated[str, typer.Option(help="Stop after this long (90s, 15m, 2h).")] = "",
    concurrency: Annotated[int, typer.Option(help="Requests in flight.")] = 16,
    delay: Annotated[float, typer.Option(help="Seconds between two requests to one host.")] = 0.0,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Allow local and private addresses.")
    ] = False,
    ignore_robots: Annotated[
        bool, typer.Option("--ignore-robots", help="Do not obey robots.txt (your own site only).")
    ] = False,
    include: Annotated[
        list[str] | None, typer.Option(help="Only URLs matching this regex.")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Skip URLs matching this regex.")
    ] = None,
    subdomains: Annotated[bool, typer.Option(help="Treat subdomains as the same site.")] = False,
    external: Annotated[bool, typer.Option(help="Check external links' status.")] = True,
    sitemaps: Annotated[bool, typer.Option(help="Read the site's XML sitemaps.")] = True,
    user_agent: Annotated[str, typer.Option(help="User-Agent header (and robots.txt token).")] = "",
    workers: Annotated[int, typer.Option(help="Parsing processes (0: one per core).")] = 0,
    render: Annotated[
        str,
        typer.Option(
            help="Run pages' JavaScript in Chromium: never, auto (pages that need it), always."
        ),
    ] = "never",
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    audit: Annotated[
        bool, typer.Option(help="Audit the crawl once it is over (seo report reads it back).")
    ] = True,
) -> None:
    """Crawl a site into --out, obeying robots.txt, with a progress bar; then audit it."""
    from pilotage.crawl.engine import DEFAULT_USER_AGENT, CrawlSettings
    from pilotage.crawl.store import CrawlStore

    settings = CrawlSettings(
        start_url=url,
        max_pages=max_pages,
        max_depth=None if max_depth < 0 else max_depth,
        max_seconds=parse_duration(max_time, "max-time") if max_time else None,
        concurrency=concurrency,
        delay=delay,
        obey_robots=not ignore_robots,
        allow_private=allow_private,
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
        subdomains=subdomains,
        check_external=external,
        sitemaps=sitemaps,
        user_agent=user_agent or DEFAULT_USER_AGENT,
        render=render,
    )
    workers = workers or os.cpu_count() or 1
    console = Console(stderr=True)
    with CrawlStore(out, create=True) as store:
        with _parsers(workers) as executor:
            summary = _run_crawl(settings, store, executor, console, quiet)
            finished = audit and summary.stopped_by in ("done", "max-pages")
            helped = store.page_count() <= HELPED_AUDIT_PAGES
            if finished and helped:
                _audit_after_crawl(store, console, quiet, executor)
        if finished and not helped:  # the workers are gone: their memory with them
            _stop_forkserver()
            _audit_after_crawl(store, console, quiet, None)


def _run_crawl(
    settings: CrawlSettings,
    store: CrawlStore,
    executor: Executor | None,
    console: Console,
    quiet: bool,
) -> CrawlSummary:
    """Run the crawl with a progress bar, print its summary; Ctrl-C says how to resume."""
    from pilotage.crawl.engine import Crawler

    max_pages = settings.max_pages
    out = store.directory
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.1f} pages/s · {task.fields[errors]} errors"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet or not console.is_terminal,
    )
    task = progress.add_task("Crawling", total=max_pages, rate=0.0, errors=0)

    def show(p: object) -> None:
        from pilotage.crawl.engine import CrawlProgress

        assert isinstance(p, CrawlProgress)
        rate = p.pages / p.elapsed if p.elapsed else 0.0
        total = min(max_pages, p.pages + p.queued)  # the queue grows as links are found
        progress.update(task, completed=p.pages, total=total, rate=rate, errors=p.errors)

    crawler = Crawler(settings, store, executor=executor, on_progress=show)
    try:
        with progress, asyncio.Runner(loop_factory=_loop_factory()) as runner:
            summary = runner.run(crawler.run())
    except KeyboardInterrupt:
        print(
            f"Interrupted: {store.page_count()} pages saved in {out}; "
            "run the same command again to resume.",
            file=sys.stderr,
        )
        raise typer.Exit(130) from None
    _print_summary(summary, out)
    return summary


def _print_summary(summary: CrawlSummary, out: Path) -> None:
    stopped = {"done": "done", "max-pages": "page limit reached", "time": "time limit reached"}
    print(
        f"Crawled {summary.pages} pages and checked {summary.external} external links "
        f"in {summary.elapsed_s:.1f} s ({summary.pages_per_second:.1f} pages/s), "
        f"{summary.errors} errors; {stopped.get(summary.stopped_by, summary.stopped_by)}"
        f"{' (resumed)' if summary.resumed else ''}. Saved in {out}.",
        file=sys.stderr,
    )
    for sitemap, problem in summary.sitemap_errors[:10]:
        print(f"Sitemap {sitemap}: {problem}", file=sys.stderr)
    for trap in summary.traps:
        print(f"Stopped following {trap}: too many query strings (a URL trap?)", file=sys.stderr)


def _audit_after_crawl(
    store: CrawlStore, console: Console, quiet: bool, executor: Executor | None
) -> None:
    """Audit the finished crawl (saved beside it, the parsing workers helping) and print
    what it found, worst first."""
    from pilotage.seo.saved import saved_audit

    if quiet or not console.is_terminal:
        result = saved_audit(store, executor=executor)
    else:
        with console.status("Auditing…"):
            result = saved_audit(store, executor=executor)
    severities = {"error": 0, "warning": 0, "notice": 0}
    for finding in result.findings:
        severities[finding.check.severity] += 1
    counts = ", ".join(f"{n} {severity}s" for severity, n in severities.items())
    print(f"Audit: {len(result.findings)} issues ({counts}).", file=sys.stderr)
    for summary in result.summaries[:5]:
        print(f"  {summary.check.title}: {summary.pages} pages", file=sys.stderr)
    print(f"Full report: pilotage seo report {store.directory} --format html --output report.html",
          file=sys.stderr)  # fmt: skip


Locale = Annotated[str, typer.Option(help="Language of the report: fr or en.")]


@app.command("report")
def report(
    directory: Annotated[Path, typer.Argument(help="A crawl directory (seo crawl --out).")],
    fmt: Annotated[
        str, typer.Option("--format", help="json, csv, pages-csv, xlsx or html.")
    ] = "json",
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    urls: Annotated[
        Path | None, typer.Option(help="File of known URLs, one per line (orphan pages).")
    ] = None,
    locale: Locale = "fr",
) -> None:
    """Audit a crawl: issues by priority, explained, with how to fix them."""
    from pilotage.crawl.store import CrawlStore
    from pilotage.seo import report as reports
    from pilotage.seo.audit import run_audit
    from pilotage.seo.saved import saved_audit

    formats = ("json", "csv", "pages-csv", "xlsx", "html")
    if fmt not in formats:
        raise InvalidInput(f"unknown format {fmt!r}; use {', '.join(formats)}", field="format")
    if locale not in ("fr", "en"):
        raise InvalidInput(f"unknown language {locale!r}; use fr or en", field="locale")
    extra = _read_urls(urls) if urls else []
    with CrawlStore(directory) as store:
        if fmt == "pages-csv":
            _write(reports.pages_csv(store), output)
            return
        audit = run_audit(store, extra_urls=extra) if extra else saved_audit(store)
        if fmt == "xlsx":
            target = output or directory / "report.xlsx"
            reports.report_xlsx(audit, store, target, locale=locale)
            print(f"Report written to {target}", file=sys.stderr)
            return
    render = {
        "json": reports.report_json, "csv": reports.report_csv, "html": reports.report_html,
    }[fmt]  # fmt: skip
    _write(render(audit, locale=locale), output)


def _read_urls(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", field="urls") from None
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")
        print(f"Report written to {output}", file=sys.stderr)


@app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier crawl directory.")],
    new: Annotated[Path, typer.Argument(help="The later crawl directory.")],
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Compare two crawls: new, fixed and persisting issues; changed titles, statuses…"""
    from pilotage.cli.common import print_json, print_table
    from pilotage.crawl.store import CrawlStore
    from pilotage.seo.compare import compare
    from pilotage.seo.saved import saved_audit

    if fmt not in ("table", "json"):
        raise InvalidInput(f"unknown format {fmt!r}; use table or json", field="format")
    with CrawlStore(old) as before, CrawlStore(new) as after:
        result = compare(before, after, saved_audit(before).issues, saved_audit(after).issues)
    data = result.to_json()
    if fmt == "json":
        print_json(data)
        return
    print_table("Crawl comparison", ["what", "count"], list(data["summary"].items()))
    rows = [
        [kind, issue["check"], issue["url"], issue["detail"]]
        for kind in ("new", "fixed")
        for issue in data["issues"][kind][:50]
    ]
    if rows:
        print_table("Issues", ["", "check", "url", "detail"], rows)


@app.command("keywords")
def keywords(
    directory: Annotated[Path, typer.Argument(help="A crawl directory (seo crawl --out).")],
    view: Annotated[
        str,
        typer.Option(help="terms (the site's n-grams), pages (each page's TF-IDF terms) or map."),
    ] = "terms",
    top: Annotated[int, typer.Option(help="Terms per size (terms) or per page (pages, map).")] = 20,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Keywords of a crawl: n-gram frequencies, TF-IDF per page, term -> pages map."""
    from pilotage.cli.common import print_csv, print_json, print_table
    from pilotage.crawl.store import CrawlStore
    from pilotage.seo.keywords import keyword_map, site_terms, tfidf

    if view not in ("terms", "pages", "map"):
        raise InvalidInput(f"unknown view {view!r}; use terms, pages or map", field="view")
    if fmt not in ("table", "json", "csv"):
        raise InvalidInput(f"unknown format {fmt!r}; use table, json or csv", field="format")
    if top < 1:
        raise InvalidInput(f"--top must be at least 1, not {top}", field="top")
    with CrawlStore(directory) as store:
        if view == "terms":
            header = ["term", "words", "pages", "occurrences"]
            rows = [[t.term, t.size, t.documents, t.count] for t in site_terms(store, top=top)]
        else:
            scores = tfidf(store, top_per_page=top)
            if view == "pages":
                header = ["url", "term", "tfidf"]
                rows = [[url, term, round(score, 4)] for url, ranked in scores.items()
                        for term, score in ranked]  # fmt: skip
            else:
                header = ["term", "url", "tfidf"]
                rows = [[term, url, round(score, 4)] for term, pages in keyword_map(scores).items()
                        for url, score in pages]  # fmt: skip
    if fmt == "json":
        print_json([dict(zip(header, row, strict=True)) for row in rows])
    elif fmt == "csv":
        print_csv(header, rows)
    else:
        print_table(f"Keywords ({view})", header, rows[:200])
