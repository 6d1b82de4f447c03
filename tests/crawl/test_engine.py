"""The crawl engine against the real local test site: limits, robots.txt, redirects, traps,
filters, and resuming after an interruption (a time limit, and a SIGKILL)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pilotage.crawl.engine import Crawler, CrawlSettings, CrawlSummary
from pilotage.crawl.store import CrawlStore
from pilotage.errors import InvalidInput
from tests.seo.site_server import SeoSite, serve_seo_site


@pytest.fixture(scope="module")
def site() -> Iterator[SeoSite]:
    with serve_seo_site() as served:
        yield served


def crawl(out: Path, url: str, **options: object) -> CrawlSummary:
    settings = CrawlSettings(start_url=url, allow_private=True, **options)  # type: ignore[arg-type]
    with CrawlStore(out, create=True) as store:
        return asyncio.run(Crawler(settings, store).run())


def urls(out: Path, internal_host: str = "127.0.0.1") -> set[str]:
    with CrawlStore(out) as store:
        return {p.url for p in store.pages(with_data=False) if f"//{internal_host}:" in p.url}


@pytest.fixture(scope="module")
def full(site: SeoSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("full")
    crawl(out, site.site.url + "/", max_pages=200)
    return out


def test_the_page_limit_holds(site: SeoSite, tmp_path: Path) -> None:
    summary = crawl(tmp_path, site.site.url + "/", max_pages=7, check_external=False)
    assert summary.stopped_by == "max-pages"
    assert summary.pages == 7
    assert len(urls(tmp_path)) == 7


def test_robots_txt_is_obeyed_and_recorded(site: SeoSite, full: Path) -> None:
    with CrawlStore(full) as store:
        blocked = [p for p in store.pages(with_data=False) if not p.robots_allowed]
        robots = store.robots()
    assert blocked and all("/prive/" in p.url and p.error == "robots.txt" for p in blocked)
    assert not any("/prive/" in path for path in site.site.paths("GET"))  # never fetched
    assert robots and "Disalow: /brouillons/" in robots[0].body


def test_external_links_are_checked_once_and_not_followed(site: SeoSite, full: Path) -> None:
    external = urls(full, "localhost")
    assert external  # the external partner's URLs are in the crawl…
    asked = site.external.requests
    assert len(asked) == len(set(asked))  # …each asked once
    with CrawlStore(full) as store:
        rows = [p for p in store.pages() if "//localhost:" in p.url]
    assert all(p.data is None for p in rows)  # and never parsed for links


def test_redirect_chains_are_recorded_hop_by_hop(site: SeoSite, full: Path) -> None:
    with CrawlStore(full) as store:
        chain = store.page(site.site.url + "/offre-speciale")
        final = store.page(site.site.url + "/boutique/")
    assert chain is not None and final is not None
    assert [status for _, status in chain.redirects] == [301, 302]
    assert chain.status == 301 and chain.final_url == site.site.url + "/boutique/"
    assert final.status == 200 and final.data is not None


def test_an_infinite_calendar_is_cut_and_named(site: SeoSite, full: Path) -> None:
    with CrawlStore(full) as store:
        traps = store.get_meta("traps")
        calendar = [u for u in urls(full) if "/agenda" in u]
    assert traps == [site.site.url + "/agenda"]
    assert 50 <= len(calendar) <= 101


def test_filters_and_depth(site: SeoSite, tmp_path: Path) -> None:
    only_products = crawl(
        tmp_path / "a", site.site.url + "/", include=(r"/produits/", r"/$"), check_external=False,
        sitemaps=False,
    )  # fmt: skip
    assert only_products.pages >= 2
    assert all(u.endswith("/") or "/produits/" in u for u in urls(tmp_path / "a"))
    crawl(tmp_path / "b", site.site.url + "/", max_depth=0, sitemaps=False)
    assert urls(tmp_path / "b") == {site.site.url + "/"}
    with pytest.raises(InvalidInput):
        CrawlSettings(start_url=site.site.url, include=("([",))


def test_a_crawl_stopped_by_its_time_limit_resumes_to_the_same_pages(
    site: SeoSite, full: Path, tmp_path: Path
) -> None:
    # A delay between requests makes the whole crawl take seconds, however fast the machine:
    # the one-second limit always cuts it.
    first = crawl(tmp_path, site.site.url + "/", max_pages=200, max_seconds=1.0, delay=0.05)
    assert first.stopped_by == "time"
    partial = urls(tmp_path)
    second = crawl(tmp_path, site.site.url + "/", max_pages=200)
    assert second.resumed and second.stopped_by in ("done", "max-pages")
    assert partial < urls(tmp_path)
    assert urls(tmp_path) == urls(full)


def test_a_killed_crawl_resumes_without_losing_or_doubling_pages(
    site: SeoSite, full: Path, tmp_path: Path
) -> None:
    command = [
        sys.executable, "-m", "pilotage", "seo", "crawl", site.site.url + "/",
        "--out", str(tmp_path), "--allow-private", "--max-pages", "200", "--quiet",
        "--workers", "1", "--delay", "0.05",  # seconds in all: the kill lands mid-crawl
    ]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL, start_new_session=True)
    database = tmp_path / "crawl.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if database.exists() and _saved(database) >= 10:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # as a power cut would
    process.wait()
    killed_at = _saved(database)
    assert 10 <= killed_at < len(urls(full))
    subprocess.run(command, check=True, stderr=subprocess.DEVNULL, timeout=120)
    assert urls(tmp_path) == urls(full)
    with sqlite3.connect(database) as db:
        doubled = db.execute("SELECT count(*) - count(DISTINCT src || dst) FROM links").fetchone()
        again = db.execute("SELECT count(*) FROM links").fetchone()
    full_links = sqlite3.connect(full / "crawl.sqlite").execute("SELECT count(*) FROM links")
    assert again[0] == full_links.fetchone()[0]  # no page's links stored twice
    assert doubled[0] >= 0


def _saved(database: Path) -> int:
    try:
        with sqlite3.connect(database, timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM pages").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_seo_crawl_audits_the_crawl_and_seo_report_reads_it_back(
    site: SeoSite, tmp_path: Path
) -> None:
    from pilotage.seo.audit import run_audit
    from pilotage.seo.report import report_json
    from pilotage.seo.saved import FILENAME

    command = [
        sys.executable, "-m", "pilotage", "seo", "crawl", site.site.url + "/",
        "--out", str(tmp_path), "--allow-private", "--max-pages", "200", "--quiet",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
    assert "Audit: " in done.stderr and "errors" in done.stderr
    assert (tmp_path / FILENAME).is_file()
    report = [sys.executable, "-m", "pilotage", "seo", "report", str(tmp_path), "--locale", "en"]
    shown = subprocess.run(report, capture_output=True, text=True, check=True, timeout=120)
    with CrawlStore(tmp_path) as store:
        assert shown.stdout == report_json(run_audit(store), locale="en") + "\n"


def test_page_heads_hold_what_indexability_and_headlines_need(full: Path) -> None:
    from pilotage.seo.checks_page import is_indexable

    with CrawlStore(full) as store:
        heads = {row.url: row for row in store.page_heads()}
        pages = [row for row in store.pages() if row.data is not None]
    assert len(heads) == len(pages) > 20
    for page in pages:
        head = heads[page.url]
        assert head.data is not None and page.data is not None
        assert is_indexable(head) == is_indexable(page)
        assert head.data.title == page.data.title
        assert head.data.headings["h1"] == page.data.headings.get("h1", [])
    assert not all(is_indexable(row) for row in heads.values())  # the site has some


def test_an_audit_helped_by_worker_processes_is_the_same(full: Path) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from pilotage.seo.audit import run_audit

    with CrawlStore(full) as store:
        alone = run_audit(store)
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            helped = run_audit(store, executor=pool)
    assert helped == alone
    assert any(f.check.id == "keyword-cannibalisation" for f in alone.findings)


def test_a_large_crawl_is_audited_after_its_workers_stop(
    site: SeoSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pilotage.cli.seo as seo_cli
    from pilotage.cli import main
    from pilotage.seo.audit import run_audit
    from pilotage.seo.saved import saved_audit

    monkeypatch.setattr(seo_cli, "HELPED_AUDIT_PAGES", 0)  # every crawl counts as large
    args = ["seo", "crawl", site.site.url + "/", "--out", str(tmp_path), "--allow-private"]
    assert main([*args, "--max-pages", "200", "--quiet"]) == 0
    with CrawlStore(tmp_path) as store:
        assert (tmp_path / "audit.json").is_file()
        assert saved_audit(store, save=False) == run_audit(store)
