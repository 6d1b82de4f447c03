"""Integration: the whole crawl and audit on a real site, the Python documentation of
Debian's python3-doc (about 530 pages; `make test` installs the package), served from
127.0.0.1 as the issue's benchmark does. Expected values come from the files on disk."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.seo.site_server import SiteServer, serve_site

DOCS = sorted(Path("/usr/share/doc").glob("python3*/html/index.html"))
ROOT = DOCS[-1].parent if DOCS else Path("/nonexistent")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def docs() -> Iterator[SiteServer]:
    assert DOCS, "python3-doc is missing: `make test` installs it (apt-get install python3-doc)"
    with serve_site(ROOT) as server:
        yield server


@pytest.fixture(scope="module")
def audit(docs: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("docs")
    pilotage = [sys.executable, "-m", "pilotage", "seo"]
    crawl = [*pilotage, "crawl", docs.url + "/", "--out", str(out), "--allow-private"]
    # External links are left out: the machine running the tests may have no network.
    subprocess.run([*crawl, "--quiet", "--no-external"], check=True, timeout=600)
    report = subprocess.run(
        [*pilotage, "report", str(out), "--format", "json", "--locale", "en"],
        check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    data: dict[str, object] = json.loads(report.stdout)
    return data


def _path(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _is_page(file: Path) -> bool:
    """_static and _sources hold no page of the site (a few stray files)."""
    return not file.relative_to(ROOT).parts[0].startswith("_")


def _broken_targets_on_disk() -> set[str]:
    """Relative links of the HTML files whose target file does not exist, resolved as a
    browser resolves them (urljoin), independently of the crawler's code."""
    missing: set[str] = set()
    for file in filter(_is_page, ROOT.rglob("*.html")):
        base = "http://docs.test/" + file.relative_to(ROOT).as_posix()
        text = file.read_text(encoding="utf-8", errors="replace")
        for href in re.findall(r'<a [^>]*href="([^"]*)"', text):
            target = urljoin(base, href.split("#")[0])
            if not href.split("#")[0] or not target.startswith("http://docs.test/"):
                continue
            path = _path(target) or "index.html"
            if not (ROOT / path).exists():
                missing.add(path)
    return missing


def test_nearly_every_page_is_crawled(audit: dict[str, object]) -> None:
    html_files = [p for p in ROOT.rglob("*.html") if _is_page(p)]
    assert isinstance(audit["html_pages"], int)
    assert 0.95 * len(html_files) <= audit["html_pages"] <= len(html_files)
    statuses = audit["status_counts"]
    assert isinstance(statuses, dict) and set(statuses) <= {"2xx", "4xx"}


def test_broken_links_are_those_on_disk(audit: dict[str, object]) -> None:
    issues = audit["issues"]
    assert isinstance(issues, list)
    found = {
        _path(issue["detail"].split(" ")[0])
        for issue in issues
        if issue["check"] == "broken-link-internal"
    }
    assert found == _broken_targets_on_disk()


def test_file_canonicals_are_errors(audit: dict[str, object]) -> None:
    """Debian's build of the documentation points each page's canonical at its own file
    (file:///usr/share/doc/...): the issue's own example of a canonical that is an error."""
    expected = {}
    for file in filter(_is_page, ROOT.rglob("*.html")):
        text = file.read_text(encoding="utf-8", errors="replace")
        found = re.search(r'<link rel="canonical" href="([^"]*)"', text)
        if found and not found.group(1).startswith(("http://", "https://")):
            expected[file.relative_to(ROOT).as_posix()] = found.group(1)
    issues = audit["issues"]
    assert isinstance(issues, list)
    reported = {
        _path(i["url"]) or "index.html": i["detail"]
        for i in issues
        if i["check"] == "canonical-not-crawlable"
    }
    assert expected and reported
    assert all(expected[path] == detail for path, detail in reported.items())
    assert len(reported) >= 0.95 * len(expected)
