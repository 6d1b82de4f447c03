"""The saved audit (audit.json): the same reports as a fresh audit, and stale when the crawl
or the version changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.seo import report, saved
from pilotage.seo.audit import run_audit
from pilotage.seo.model import Link, PageData

SITE = "https://shop.example"


def make_crawl(path: Path, *, finished: bool = True) -> CrawlStore:
    store = CrawlStore(path, create=True)
    store.set_meta("start_url", SITE + "/")
    pages = {
        "/": PageData(title=["Accueil"], text="chaise " * 20, links=[Link(SITE + "/a", "/a", "")]),
        "/a": PageData(title=["Chaises en chêne"], text="chaise chêne " * 5),
        "/b": PageData(title=["Chaises en chêne"], text="chaise chêne " * 5),
    }
    store.enqueue([(SITE + p, 1, "link") for p in pages])
    for p, data in pages.items():
        links = [(x.url, x.text, "", False, True) for x in data.links]
        store.write_page(
            PageRow(SITE + p, 1, 200, SITE + p, content_type="text/html", data=data),
            data.to_json_bytes(),
            b"",
            links,
        )
    if finished:
        store.set_meta("finished_at", "2026-11-22T10:00:00+00:00")
    return store


def test_a_saved_audit_reads_back_equal_to_a_fresh_one(tmp_path: Path) -> None:
    with make_crawl(tmp_path) as store:
        fresh = run_audit(store)
        assert fresh.findings  # titles alike, thin pages, no descriptions: something to keep
        first = saved.saved_audit(store)
        assert (tmp_path / saved.FILENAME).is_file()
        again = saved.saved_audit(store)
    assert first == fresh
    assert again == fresh
    for render in (report.report_json, report.report_csv, report.report_html):
        assert render(again, locale="fr") == render(fresh, locale="fr")


def test_the_saved_audit_is_used_until_the_crawl_changes(tmp_path: Path) -> None:
    with make_crawl(tmp_path) as store:
        saved.saved_audit(store)
        path = tmp_path / saved.FILENAME
        kept = path.read_text()
        marked = kept.replace(SITE + "/b", SITE + "/marked")
        assert marked != kept
        path.write_text(marked)
        assert any(f.url == SITE + "/marked" for f in saved.saved_audit(store).findings)
        store.set_meta("finished_at", "2026-11-22T11:00:00+00:00")  # resumed and finished
        audit = saved.saved_audit(store)
    assert not any(f.url == SITE + "/marked" for f in audit.findings)
    assert path.read_text() != marked


@pytest.mark.parametrize("content", ["{not json", '{"stamp": 1}', "[]"])
def test_a_broken_saved_audit_is_audited_again(tmp_path: Path, content: str) -> None:
    with make_crawl(tmp_path) as store:
        (tmp_path / saved.FILENAME).write_text(content)
        assert saved.saved_audit(store) == run_audit(store)


def test_an_unfinished_crawl_is_audited_but_not_saved(tmp_path: Path) -> None:
    with make_crawl(tmp_path, finished=False) as store:
        assert saved.saved_audit(store) == run_audit(store)
    assert not (tmp_path / saved.FILENAME).exists()
