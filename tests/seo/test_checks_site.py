"""Site checks of ``pilotage.seo.checks``: duplicates, links, redirects, sitemaps,
canonical targets and robots.txt-blocked URLs, on small crawls built by hand."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from pilotage.crawl.store import CrawlStore, LinkRow, PageRow, RobotsRow
from pilotage.seo.checks import run_checks
from pilotage.seo.model import PageData

SITE = "https://example.com/"
EXT = "https://ext.org/"


def u(path: str) -> str:
    return SITE + path


def html(path: str, status: int = 200, **data: Any) -> PageRow:
    return PageRow(u(path), 1, status, u(path), data=PageData(**data))


def row(url: str, status: int, **fields: Any) -> PageRow:
    return PageRow(url, 1, status, fields.pop("final_url", url), **fields)


def crawl(tmp_path: Path, rows: Iterable[PageRow], links: Iterable[LinkRow] = ()) -> CrawlStore:
    store = CrawlStore(tmp_path / "crawl", create=True)
    store.set_meta("start_url", SITE)
    for row_ in rows:
        store.save_page(row_)
    by_source: dict[str, list[LinkRow]] = {}
    for link in links:
        by_source.setdefault(link.src, []).append(link)
    for src, group in by_source.items():  # links are saved with their source page
        page = store.page(src)
        assert page is not None
        store.save_page(page, group)
    return store


def found(store: CrawlStore, *checks: str) -> set[tuple[str, str, str]]:
    return {(i.check, i.url, i.detail) for i in run_checks(store) if i.check in checks}


def test_duplicate_titles_and_descriptions_of_indexable_pages(tmp_path: Path) -> None:
    shared: dict[str, Any] = {"title": ["Apple juice"], "meta_description": ["Fresh juice."]}
    store = crawl(tmp_path, [
        html("a", **shared),
        html("b", **shared),
        html("c", title=["Pear juice"], meta_description=["Fresh juice."]),
        html("d", title=["Cider"], meta_description=["Other."]),
        html("noindex", meta_robots={"robots": "noindex"}, **shared),
        html("copy", canonical=[u("a")], **shared),
        html("self", canonical=[u("self")], title=["Cider"]),
        html("gone", 404, **shared),
    ])  # fmt: skip
    assert found(store, "title-duplicate", "description-duplicate") == {
        ("title-duplicate", u("a"), "Apple juice"),
        ("title-duplicate", u("b"), "Apple juice"),
        ("title-duplicate", u("d"), "Cider"),
        ("title-duplicate", u("self"), "Cider"),  # a self-canonical page stays indexable
        ("description-duplicate", u("a"), "Fresh juice."),
        ("description-duplicate", u("b"), "Fresh juice."),
        ("description-duplicate", u("c"), "Fresh juice."),
    }


def test_broken_links_and_links_to_redirects(tmp_path: Path) -> None:
    store = crawl(
        tmp_path,
        [
            html("source"),
            html("ok"),
            row(u("missing"), 404),
            row(u("moved"), 301, final_url=u("final"), redirects=[(u("moved"), 301)]),
            row(u("final"), 410),
            row(u("hop"), 302, final_url=u("ok"), redirects=[(u("hop"), 302)]),
            row(u("private"), 0, error="robots.txt", robots_allowed=False),
            row(u("loop"), 0, error="redirect loop", redirects=[(u("loop"), 301)]),
            row(EXT + "dead", 0, error="timeout"),
            row(EXT + "gone", 404),
            row(EXT + "fine", 200),
        ],
        [
            LinkRow(u("source"), dst, "text", "", False, dst.startswith(SITE))
            for dst in [
                u("ok"),
                u("missing"),
                u("missing"),
                u("moved"),
                u("hop"),
                u("private"),
                u("loop"),
                EXT + "dead",
                EXT + "gone",
                EXT + "fine",
            ]
        ],
    )
    assert found(store, "broken-link-internal", "broken-link-external", "link-to-redirect") == {
        ("broken-link-internal", u("source"), f"{u('missing')} (404)"),
        ("broken-link-internal", u("source"), f"{u('moved')} (410)"),  # after its redirect
        ("broken-link-internal", u("source"), f"{u('loop')} (redirect loop)"),
        ("broken-link-external", u("source"), f"{EXT}dead (timeout)"),
        ("broken-link-external", u("source"), f"{EXT}gone (404)"),
        ("link-to-redirect", u("source"), f"{u('moved')} -> {u('final')}"),
        ("link-to-redirect", u("source"), f"{u('hop')} -> {u('ok')}"),
    }


def test_a_site_without_problem_links_passes(tmp_path: Path) -> None:
    store = crawl(
        tmp_path,
        [html("source"), html("ok"), row(EXT, 200)],
        [LinkRow(u("source"), u("ok"), "t", "", False, True),
         LinkRow(u("source"), EXT, "t", "", False, False)],
    )  # fmt: skip
    assert found(store, "broken-link-internal", "broken-link-external", "link-to-redirect") == set()


def test_status_redirect_and_fetch_checks_of_rows(tmp_path: Path) -> None:
    chain = [(u("a"), 301), (u("b"), 302)]
    loop = [(u("x"), 301), (u("y"), 301)]
    store = crawl(tmp_path, [
        row(u("a"), 301, final_url=u("c"), redirects=chain),
        html("c"),
        row(u("one-hop"), 301, final_url=u("c"), redirects=[(u("one-hop"), 301)]),
        row(u("x"), 0, error="redirect loop: x -> y -> x", redirects=loop),
        row(u("y"), 301, final_url=u("y"), redirects=[(u("y"), 301), (u("z"), 301)]),
        row(u("slow"), 0, error="timeout"),
        row(u("down"), 503),
        row(u("pdf"), 404, content_type="application/pdf"),
        row(EXT, 0, error="timeout"),  # external rows: link checks only
    ])  # fmt: skip
    checks = ("redirect-chain", "redirect-loop", "fetch-error", "http-status-code")
    assert found(store, *checks) == {
        ("redirect-chain", u("a"), f"{u('a')} -> {u('b')} -> {u('c')}"),
        ("redirect-loop", u("x"), "redirect loop: x -> y -> x"),
        ("redirect-loop", u("y"), f"{u('y')} -> {u('z')}"),  # the final URL is a hop
        ("fetch-error", u("slow"), "timeout"),
        ("http-status-code", u("down"), "503"),
        ("http-status-code", u("pdf"), "404"),
    }


@pytest.mark.parametrize("marked", [True, False])
def test_sitemap_non_indexable(tmp_path: Path, marked: bool) -> None:
    store = crawl(tmp_path, [
        html("ok"),
        row(u("moved"), 301, final_url=u("ok"), redirects=[(u("moved"), 301)]),
        row(u("missing"), 404),
        html("hidden", x_robots_tag=["noindex"]),
        html("copy", canonical=[u("ok")]),
        row(u("private"), 0, error="robots.txt", robots_allowed=False),
        row(u("broken"), 0, error="timeout"),
        html("unlisted", 404),
    ])  # fmt: skip
    listed = ["ok", "moved", "missing", "hidden", "copy", "private", "broken", "never-crawled"]
    store.add_sitemap_urls((u(p), u("sitemap.xml"), None) for p in listed)
    if marked:
        store.mark_sitemap_pages()
    assert found(store, "sitemap-non-indexable") == {
        ("sitemap-non-indexable", u("moved"), f"redirects to {u('ok')}"),
        ("sitemap-non-indexable", u("missing"), "status 404"),
        ("sitemap-non-indexable", u("hidden"), "noindex"),
        ("sitemap-non-indexable", u("copy"), f"canonical: {u('ok')}"),
        ("sitemap-non-indexable", u("private"), "blocked by robots.txt"),
        ("sitemap-non-indexable", u("broken"), "error: timeout"),
    }


def test_canonical_target_error(tmp_path: Path) -> None:
    store = crawl(tmp_path, [
        html("ok"),
        row(u("moved"), 301, final_url=u("ok"), redirects=[(u("moved"), 301)]),
        row(u("missing"), 404),
        html("hidden", meta_robots={"robots": "noindex, follow"}),
        html("p1", canonical=[u("moved")]),
        html("p2", canonical=[u("missing")]),
        html("p3", canonical=[u("hidden")]),
        html("p4", canonical=[u("ok")]),
        html("p5", canonical=[u("never-crawled")]),
        html("p6", canonical=[u("missing")]),
    ])  # fmt: skip
    assert found(store, "canonical-target-error") == {
        ("canonical-target-error", u("p1"), f"{u('moved')} (redirects to {u('ok')})"),
        ("canonical-target-error", u("p2"), f"{u('missing')} (status 404)"),
        ("canonical-target-error", u("p3"), f"{u('hidden')} (noindex)"),
        ("canonical-target-error", u("p6"), f"{u('missing')} (status 404)"),
    }


@pytest.mark.parametrize(
    ("body", "verdict", "blocked"),
    [
        ("User-agent: *\nDisallow: /private\n", "parsed", True),
        # our crawler falls under "*", but Googlebot may crawl: Lighthouse passes
        ("User-agent: Googlebot\nAllow: /\n\nUser-agent: *\nDisallow: /\n", "parsed", False),
        ("", "disallow_all", True),  # robots.txt unreachable (5xx): RFC 9309 disallows all
    ],
)
def test_robots_blocked_urls(tmp_path: Path, body: str, verdict: str, blocked: bool) -> None:
    store = crawl(tmp_path, [row(u("private"), 0, error="robots.txt", robots_allowed=False)])
    status = 200 if verdict == "parsed" else 503
    store.save_robots(RobotsRow(SITE.rstrip("/"), u("robots.txt"), status, verdict, body))
    expected = {("is-crawlable", u("private"), "robots.txt")} if blocked else set()
    assert found(store, "is-crawlable", "fetch-error") == expected


def test_is_crawlable_on_fetched_pages_uses_robots_txt_per_bot(tmp_path: Path) -> None:
    # robots.txt allows our crawler by name but disallows every search engine
    store = crawl(tmp_path, [html("page", meta_robots={"googlebot": "noindex"})])
    body = "User-agent: PilotageBot\nAllow: /\n\nUser-agent: *\nDisallow: /\n"
    store.save_robots(RobotsRow(SITE.rstrip("/"), u("robots.txt"), 200, "parsed", body))
    assert found(store, "is-crawlable") == {("is-crawlable", u("page"), "robots.txt")}
