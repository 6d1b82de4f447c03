"""Page checks of ``pilotage.seo.checks``: each one fails on a crafted page and passes on
a page that has every element right; the expected issues follow from the definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.seo.checks import CHECKS, Thresholds, run_checks
from pilotage.seo.extract import extract_page
from pilotage.seo.linktext import is_non_descriptive, vague_links
from pilotage.seo.model import Alternate, Image, Link, PageData

SITE = "https://example.com/"
URL = SITE + "page"
TITLE = "Organic apple juice from Normandy, pressed daily"  # 48 characters
DESCRIPTION = (
    "Cold-pressed apple juice from Normandy orchards, bottled the same day and "
    "delivered in 48 hours."
)  # 97 characters


def good(**changes: Any) -> PageData:
    """A page that passes every page check."""
    fields: dict[str, Any] = {
        "title": [TITLE],
        "meta_description": [DESCRIPTION],
        "headings": {"h1": ["Apple juice"]},
        "lang": "en",
        "viewport": "width=device-width, initial-scale=1",
        "word_count": 350,
        "images": [Image(SITE + "a.png", "A bottle")],
        "links": [Link(SITE + "shop", "/shop", "Our juice shop")],
        "canonical": [URL],
    }
    fields.update(changes)
    return PageData(**fields)


def found(tmp_path: Path, data: PageData, **row: Any) -> set[tuple[str, str, str]]:
    store = CrawlStore(tmp_path / "crawl", create=True)
    store.set_meta("start_url", SITE)
    store.save_page(PageRow(URL, 1, row.pop("status", 200), URL, data=data, **row))
    issues = {(i.check, i.url, i.detail) for i in run_checks(store)}
    store.close()
    return issues


def test_a_good_page_passes_every_check(tmp_path: Path) -> None:
    assert found(tmp_path, good()) == set()


def test_the_catalogue_has_one_entry_per_id_with_texts() -> None:
    ids = [check.id for check in CHECKS]
    assert len(ids) == len(set(ids)) == 36
    for check in CHECKS:
        assert check.title and check.explanation.endswith(".") and check.fix.endswith(".")
    lighthouse = {c.id for c in CHECKS if c.lighthouse == c.id}
    assert lighthouse == {
        "is-crawlable", "document-title", "meta-description", "http-status-code",
        "link-text", "crawlable-anchors", "robots-txt", "image-alt", "hreflang", "canonical",
    }  # fmt: skip


LONG = "x" * 61
SHORT = "x" * 29


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": []}, {("document-title", "")}),
        ({"title": ["   "]}, {("document-title", "")}),
        ({"title": [LONG]}, {("title-too-long", f"61 characters: {LONG}")}),
        ({"title": ["x" * 60]}, set()),
        ({"title": [SHORT]}, {("title-too-short", f"29 characters: {SHORT}")}),
        ({"title": ["x" * 30]}, set()),
        ({"title": [TITLE, "Other"]}, {("title-multiple", f"{TITLE} | Other")}),
        ({"meta_description": []}, {("meta-description", "missing")}),
        ({"meta_description": [" "]}, {("meta-description", "empty")}),
        ({"meta_description": ["d" * 156]}, {("description-too-long", "156 characters: " + "d" * 156)}),
        ({"meta_description": ["d" * 155]}, set()),
        ({"meta_description": ["d" * 69]}, {("description-too-short", "69 characters: " + "d" * 69)}),
        ({"meta_description": ["d" * 70]}, set()),
        ({"meta_description": [DESCRIPTION, "b"]}, {("description-multiple", f"{DESCRIPTION} | b")}),
        ({"headings": {}}, {("h1-missing", "")}),
        ({"headings": {"h1": [""], "h2": ["A"]}}, {("h1-missing", "")}),
        ({"headings": {"h1": ["A", "B"]}}, {("h1-multiple", "A | B")}),
        ({"lang": None}, {("lang-missing", "")}),
        ({"lang": " "}, {("lang-missing", "")}),
        ({"viewport": None}, {("viewport-missing", "")}),
        ({"word_count": 199}, {("thin-content", "199 words")}),
        ({"word_count": 200}, set()),
        ({"images": [Image(SITE + "b.png", None)]}, {("image-alt", SITE + "b.png")}),
        ({"images": [Image(SITE + "b.png", "")]}, set()),  # decorative
        ({"bad_anchors": ['<a href="">x</a>']}, {("crawlable-anchors", '<a href="">x</a>')}),
        ({"mixed_content": ["http://cdn.example.com/a.js"]},
         {("mixed-content", "http://cdn.example.com/a.js")}),
        ({"structured_data_errors": ["JSON-LD: bad"]}, {("structured-data-invalid", "JSON-LD: bad")}),
        ({"canonical": []}, set()),
        ({"canonical": ["file:///home/me/page.html"]},
         {("canonical-not-crawlable", "file:///home/me/page.html")}),
        ({"canonical": ["https://other.org/page"]},
         {("canonical-not-crawlable", "https://other.org/page")}),
        ({"canonical": ["https://www.example.com/page"]}, set()),  # same site
    ],
)  # fmt: skip
def test_page_check(tmp_path: Path, changes: dict[str, Any], expected: set[Any]) -> None:
    assert found(tmp_path, good(**changes)) == {(c, URL, d) for c, d in expected}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"elapsed_ms": 1000.5}, {("slow-page", "1000 ms")}),
        ({"elapsed_ms": 999.0}, set()),
        ({"size": 1_000_001}, {("heavy-page", "1000001 bytes")}),
        ({"size": 1_000_000}, set()),
    ],
)
def test_speed_and_weight(tmp_path: Path, row: dict[str, Any], expected: set[Any]) -> None:
    assert found(tmp_path, good(), **row) == {(c, URL, d) for c, d in expected}


def test_thresholds_are_settings(tmp_path: Path) -> None:
    store = CrawlStore(tmp_path / "crawl", create=True)
    store.set_meta("start_url", SITE)
    store.save_page(PageRow(URL, 1, 200, URL, elapsed_ms=300, data=good(word_count=350)))
    limits = Thresholds(thin_words=400, slow_ms=200, title_max=40)
    checks = {i.check for i in run_checks(store, thresholds=limits)}
    assert checks == {"thin-content", "slow-page", "title-too-long"}


def test_page_checks_skip_redirects_errors_and_external_pages(tmp_path: Path) -> None:
    store = CrawlStore(tmp_path / "crawl", create=True)
    store.set_meta("start_url", SITE)
    bare = PageData()  # fails most page checks if they ran
    store.save_page(PageRow(SITE + "old", 1, 301, URL, [(SITE + "old", 301)], data=bare))
    store.save_page(PageRow(SITE + "gone", 1, 404, SITE + "gone", data=bare))
    store.save_page(PageRow("https://other.org/", 1, 200, "https://other.org/", data=bare))
    issues = {(i.check, i.url) for i in run_checks(store)}
    assert issues == {("http-status-code", SITE + "gone")}


@pytest.mark.parametrize(
    ("lang", "text", "fails"),
    [
        ("fr", "Cliquez ici", True),
        ("fr-CA", "en savoir plus", True),
        ("fr", "lire la suite", True),
        ("fr", "click here", False),  # the French list only
        ("en", "click here", True),
        ("en", "Read more", True),
        (None, "cliquez ici", True),  # no language: every list
        ("fr", "Tarifs de la formule Pro", False),
        ("fr", "https://example.com/tarifs", True),  # a bare URL
    ],
)
def test_link_text_in_french_and_english(
    tmp_path: Path, lang: str | None, text: str, fails: bool
) -> None:
    link = Link(SITE + "tarifs", "/tarifs", text)
    issues = found(tmp_path, good(lang=lang or None, links=[link]))
    expected = {("link-text", URL, f"{text} -> {SITE}tarifs")} if fails else set()
    if lang is None:
        expected.add(("lang-missing", URL, ""))
    assert issues == expected


def test_the_crawl_lists_vague_links_and_the_audit_reads_them_without_the_links(
    tmp_path: Path,
) -> None:
    html = (
        b'<html lang="fr"><body><a href="/tarifs">Cliquez ici</a> <a href="/a">Tarifs</a>'
        b'<a href="/b" rel="nofollow">ici</a> <a href="mailto:x@example.com">ici</a>'
        b'<a href="https://example.com/c">https://example.com/c</a></body></html>'
    )
    data = extract_page(URL, html, [("content-type", "text/html")])
    expected = [f"Cliquez ici -> {SITE}tarifs", f"{SITE}c -> {SITE}c"]
    assert data.vague_links == expected
    assert vague_links(URL, data.links, data.lang) == expected  # what the audit would count
    store = CrawlStore(tmp_path / "crawl", create=True)
    store.save_page(PageRow(URL, 0, 200, URL, data=data))
    old = PageData(lang="fr", links=data.links)  # saved before vague links were listed
    store.save_page(PageRow(SITE + "old", 1, 200, SITE + "old", data=old))
    rows = {row.url: row.data for row in store.pages(links=False)}
    assert rows[URL] is not None and rows[URL].links == []  # left in SQLite
    assert rows[SITE + "old"] is not None and rows[SITE + "old"].links == data.links
    issues = {(i.check, i.url, i.detail) for i in run_checks(store) if i.check == "link-text"}
    assert issues == {("link-text", u, d) for u in (URL, SITE + "old") for d in expected}


def test_hreflang_and_canonical_reach_the_page_checks(tmp_path: Path) -> None:
    data = good(
        alternates=[Alternate("xx", SITE + "xx"), Alternate("fr", "/fr", "header")],
        canonical=["/page"],
    )
    assert found(tmp_path, data) == {
        ("hreflang", URL, f"xx {SITE}xx: unexpected language code"),
        ("hreflang", URL, "fr /fr: relative href"),
        ("canonical", URL, "not an absolute URL: /page"),
    }


def test_french_list_is_ours_and_lighthouse_lists_are_kept() -> None:
    assert is_non_descriptive("  Plus d’informations ", "fr")
    assert is_non_descriptive("weiterlesen", "de-AT")
    assert not is_non_descriptive("weiterlesen", "fr")
    assert not is_non_descriptive("click here", "it")  # no Italian list: nothing to match
    assert is_non_descriptive("läs mer", None)
