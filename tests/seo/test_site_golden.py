"""The SEO audit finds the known defects of the test site, and nothing on its clean pages.

The site (tests/data/seo_site) is served by a real HTTP server on 127.0.0.1 with its
dynamic routes (tests/seo/site_server.py); the test drives the CLI as a user would,
``pilotage seo crawl`` then ``pilotage seo report --format json``, and compares the
issues with the golden list written from the site's pages by hand
(tests/data/seo_site_golden.json). URLs are compared as path + query on the site's
host, since the port changes from run to run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from pilotage.crawl.store import CrawlStore
from tests.seo.site_server import SITE_DIR, serve_seo_site
from tests.server_support import env_for

GOLDEN: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "seo_site_golden.json").read_text("utf-8")
)
SITE_HOST = "127.0.0.1"
MAX_PAGES = 200
# The check ids of the shared contract (/tmp/seo_contract.md, "Check ids").
CONTRACT_CHECKS = [
    "is-crawlable",
    "document-title",
    "meta-description",
    "http-status-code",
    "link-text",
    "crawlable-anchors",
    "robots-txt",
    "image-alt",
    "hreflang",
    "canonical",
    "canonical-not-crawlable",
    "canonical-target-error",
    "title-duplicate",
    "title-too-long",
    "title-too-short",
    "title-multiple",
    "description-duplicate",
    "description-too-long",
    "description-too-short",
    "description-multiple",
    "h1-missing",
    "h1-multiple",
    "lang-missing",
    "viewport-missing",
    "broken-link-internal",
    "broken-link-external",
    "link-to-redirect",
    "redirect-chain",
    "redirect-loop",
    "sitemap-non-indexable",
    "orphan-page",
    "duplicate-content",
    "near-duplicate-content",
    "thin-content",
    "mixed-content",
    "slow-page",
    "heavy-page",
    "deep-page",
    "structured-data-invalid",
    "fetch-error",
    "keyword-cannibalisation",
]
# Golden URLs with no file behind them: routes of site_server.py, or missing on purpose.
NOT_FILES = {
    "/galerie-photos.html",
    "/produits/stock-indisponible.html",
    "/produits/commode-ancienne.html",
    "/ancienne-collection.html",
    "/prive/commandes.html",
    "/produits/retire.html",
}


@dataclass(frozen=True)
class Crawl:
    directory: Path
    requests: list[str]  # "GET /path?query" lines the site server answered


@dataclass(frozen=True)
class Found:
    check: str
    path: str
    detail: str


def pilotage(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pilotage", *args],
        env=env_for(data_dir),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def crawl_site(tmp: Path, max_pages: int) -> Crawl:
    out = tmp / "crawl"
    with serve_seo_site() as servers:
        args = ["--allow-private", "--out", str(out), "--max-pages", str(max_pages)]
        result = pilotage(tmp, "seo", "crawl", servers.site.url + "/", *args)
        requests = list(servers.site.requests)
    assert result.returncode == 0, result.stderr
    return Crawl(out, requests)


def site_path(url: str) -> str | None:
    """'http://127.0.0.1:8123/a.html?x=1' -> '/a.html?x=1'; None for another host."""
    parts = urlsplit(url)
    if parts.hostname != SITE_HOST:
        return None
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def internal_paths(directory: Path) -> list[str]:
    with CrawlStore(directory) as store:
        paths = [site_path(page.url) for page in store.pages(with_data=False)]
    return [path for path in paths if path is not None]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return crawl_site(tmp_path_factory.mktemp("seo_site"), MAX_PAGES)


@pytest.fixture(scope="module")
def report(crawl: Crawl) -> dict[str, Any]:
    result = pilotage(
        crawl.directory.parent, "seo", "report", str(crawl.directory), "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.fixture(scope="module")
def found(report: dict[str, Any]) -> list[Found]:
    issues = []
    for issue in report["issues"]:
        path = site_path(issue["url"])
        if path is not None:
            issues.append(Found(issue["check"], path, str(issue.get("detail") or "")))
    return issues


def _id(entry: dict[str, str]) -> str:
    return f"{entry['check']}:{entry['url']}:{entry.get('detail_contains', '')}"


def test_golden_list_covers_every_check_of_the_contract() -> None:
    listed = {entry["check"] for entry in GOLDEN["issues"] + GOLDEN["not_covered"]}
    unknown = {entry["check"] for entry in GOLDEN["issues"] + GOLDEN["absent"]}
    assert listed == set(CONTRACT_CHECKS)
    assert unknown <= set(CONTRACT_CHECKS)


def test_golden_pages_exist_in_the_site() -> None:
    # A golden entry about a static page must name a page that is really in the site.
    for entry in GOLDEN["issues"] + GOLDEN["absent"]:
        path = entry["url"].split("?")[0]
        if path.endswith(".html") or path.endswith("/"):
            file = SITE_DIR / path.lstrip("/")
            assert file.is_file() or (file / "index.html").is_file() or path in NOT_FILES, path


@pytest.mark.slow
@pytest.mark.parametrize("expected", GOLDEN["issues"], ids=_id)
def test_known_defect_is_reported(expected: dict[str, str], found: list[Found]) -> None:
    needle = expected.get("detail_contains", "").casefold()
    matches = [
        issue
        for issue in found
        if issue.check == expected["check"]
        and issue.path == expected["url"]
        and needle in issue.detail.casefold()
    ]
    same_check = sorted({f"{i.path} {i.detail}" for i in found if i.check == expected["check"]})
    assert matches, f"not reported; {expected['check']} was reported on: {same_check}"


@pytest.mark.slow
@pytest.mark.parametrize("unexpected", GOLDEN["absent"], ids=_id)
def test_clean_page_is_not_reported(unexpected: dict[str, str], found: list[Found]) -> None:
    wrong = [
        issue.detail
        for issue in found
        if issue.check == unexpected["check"] and issue.path == unexpected["url"]
    ]
    assert not wrong, f"false positive: {wrong}"


@pytest.mark.slow
def test_every_page_of_the_site_is_crawled(crawl: Crawl) -> None:
    crawled = set(internal_paths(crawl.directory))
    for file in SITE_DIR.rglob("*.html"):
        path = "/" + file.relative_to(SITE_DIR).as_posix()
        path = path.removesuffix("index.html")
        assert path in crawled, path


@pytest.mark.slow
def test_calendar_trap_is_bounded_by_max_pages(crawl: Crawl, report: dict[str, Any]) -> None:
    months = [
        int(line.rsplit("=", 1)[1]) for line in crawl.requests if line.startswith("GET /agenda?")
    ]
    assert max(months, default=0) > 1  # the crawler did walk into the trap...
    assert len(set(months)) <= MAX_PAGES  # ...and left it at the page limit
    assert len(internal_paths(crawl.directory)) <= MAX_PAGES
    assert report["pages"] >= len(list(SITE_DIR.rglob("*.html")))


def test_max_pages_limits_the_stored_pages(tmp_path: Path) -> None:
    crawl = crawl_site(tmp_path, 5)
    stored = internal_paths(crawl.directory)
    assert 1 <= len(stored) <= 5
    assert "/" in stored
