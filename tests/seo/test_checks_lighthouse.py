"""Parity with Lighthouse 13's SEO audits: inputs and pass/fail verdicts taken from
Lighthouse's own unit tests (GoogleChrome/lighthouse, core/test/audits/seo/
is-crawlable-test.js, canonical-test.js, hreflang-test.js, link-text-test.js,
robots-txt-test.js; Apache-2.0), adapted to the data a crawl stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pilotage.crawl.store import CrawlStore, PageRow, RobotsRow
from pilotage.seo.checks import Thresholds, run_checks
from pilotage.seo.checks_page import (
    RobotsIndex,
    canonical_problem,
    crawl_block,
    page_issues,
    valid_hreflang,
)
from pilotage.seo.checks_site import validate_robots
from pilotage.seo.model import Alternate, Link, PageData

PAGE = "http://example.com/test/page.html"
NO_ROBOTS = RobotsIndex([])


def robots(body: str) -> RobotsIndex:
    return RobotsIndex([RobotsRow("http://example.com", "http://example.com/robots.txt", 200,
                                  "parsed", body)])  # fmt: skip


# -- is-crawlable ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "noindex",
        "none",
        "foo, noindex, bar",
        "all, none, all",
        "     noindex      ",
        "all, unavailable_after: 25 Jun 2010 15:00:00 PST",
        " Unavailable_after: 25-Aug-2007 15:00:00 EST, all",
    ],
)
def test_meta_robots_blocks(content: str) -> None:
    blocked = crawl_block(PAGE, PageData(meta_robots={"robots": content}), NO_ROBOTS)
    assert blocked == [f'<meta name="robots" content="{content}">']


@pytest.mark.parametrize("meta", [{"robots": "all, noarchive"}, {}])
def test_meta_robots_allows(meta: dict[str, str]) -> None:
    assert crawl_block(PAGE, PageData(meta_robots=meta), NO_ROBOTS) == []


@pytest.mark.parametrize(
    "headers",
    [
        ["noindex"],
        ["all", "none"],
        ["all, none"],
        ["    noindex    "],
        ["unavailable_after: 25 Jun 2010 15:00:00 PST, all"],
        ["all, unavailable_after: 25-Jun-2010 15:00:00 PST"],
    ],
)
def test_x_robots_tag_blocks(headers: list[str]) -> None:
    assert len(crawl_block(PAGE, PageData(x_robots_tag=headers), NO_ROBOTS)) == 1


@pytest.mark.parametrize(
    "headers",
    [
        ["all, nofollow", "unavailable_after: 25 Jun 2045 15:00:00 PST"],
        # a bot-specific header does not block the others
        ["googlebot: unavailable_after: 25 Jun 2007 15:00:00 PST",
         "unavailable_after: 25 Jun 2045 15:00:00 PST"],
    ],
)  # fmt: skip
def test_x_robots_tag_allows(headers: list[str]) -> None:
    assert crawl_block(PAGE, PageData(x_robots_tag=headers), NO_ROBOTS) == []


ROBOTS_BLOCKING = [
    "User-agent: *\n        Disallow: /",
    "User-agent: *\n        Disallow: /test/page.html",
    "User-agent: *\n        Disallow:\n\n        User-agent: *\n        Disallow: /",
    "User-agent: *\n        Disallow: /one/\n        Disallow: /two/\n        Disallow: /test/\n"
    "        Allow: page.html\n        # Allow: /test/page.html\n"
    "        Allow: /test/page.html /someother/url.html",
]
ROBOTS_ALLOWING = [
    "User-agent: SomeBot\n        Disallow: /",
    "User-agent: *\n        Disallow: /_/\n        Disallow: /search?q=*\n"
    "        Disallow: /test/\n        Allow: /test/page.html",
    # some bots allowed: Lighthouse passes (with a warning)
    "User-agent: googlebot\nAllow: /\n\nUser-agent: *\nDisallow: /\n",
]


@pytest.mark.parametrize("body", ROBOTS_BLOCKING)
def test_robots_txt_blocks(body: str) -> None:
    assert crawl_block(PAGE, PageData(), robots(body)) == ["robots.txt"]


@pytest.mark.parametrize("body", ROBOTS_ALLOWING)
def test_robots_txt_allows(body: str) -> None:
    assert crawl_block(PAGE, PageData(), robots(body)) == []


def test_every_blocking_source_is_listed() -> None:
    data = PageData(meta_robots={"robots": "noindex"}, x_robots_tag=["none", "noindex"])
    assert crawl_block(PAGE, data, robots("User-agent: *\n      Disallow: /")) == [
        '<meta name="robots" content="noindex">',
        "X-Robots-Tag: none",
        "X-Robots-Tag: noindex",
        "robots.txt",
    ]


@pytest.mark.parametrize(
    ("body", "headers", "meta"),
    [
        ("User-agent: Googlebot\nDisallow: /\n\nUser-agent: bingbot\nAllow: /\n\n"
         "User-agent: archive.org_bot\nAllow: /\n\nUser-agent: *\nDisallow: /\n",
         ["bingbot: noindex"], {}),
        ("User-agent: googlebot\nAllow: /\n\nUser-agent: bingbot\nAllow: /\n\n"
         "User-agent: archive.org_bot\nAllow: /\n\nUser-agent: *\nDisallow: /\n",
         [], {"archive.org_bot": "noindex"}),
    ],
)  # fmt: skip
def test_one_allowed_bot_is_enough(body: str, headers: list[str], meta: dict[str, str]) -> None:
    data = PageData(x_robots_tag=headers, meta_robots=meta)
    assert crawl_block(PAGE, data, robots(body)) == []


def test_a_bot_meta_overrides_robots_for_that_bot_only() -> None:
    data = PageData(meta_robots={"robots": "noindex", "googlebot": "index"})
    assert crawl_block(PAGE, data, NO_ROBOTS) == []
    data = PageData(meta_robots={"robots": "index", "googlebot": "noindex"})
    assert crawl_block(PAGE, data, NO_ROBOTS) == []


# -- canonical -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "head", "header", "problem"),
    [
        ("https://example.com/", [], [], None),
        ("http://www.example.com/", ["https://www.example.com"], ["https://example.com"],
         "conflicting URLs: https://www.example.com/, https://example.com/"),
        ("http://www.example.com/", ["https:// example.com"], [],
         "invalid URL: https:// example.com"),
        ("https://example.com/de/", [], ["/"], "not an absolute URL: /"),
        ("https://example.com/", ["https://example.com"], [], None),
        ("https://example.com/articles/cats-and-you", ["https://example.com"], [],
         "points to the site root: https://example.com/"),
        ("http://www.example.com/", ["https://example.com"], ["https://example.com"], None),
        ("http://example.com/articles/cats-and-you?utm_source=twitter",
         ["https://example.com/articles/cats-and-you"], [], None),
        ("http://example.com/articles/cats?utm_source=twitter", [],
         ["https://example.com/articles/cats"], None),
    ],
)  # fmt: skip
def test_canonical(page: str, head: list[str], header: list[str], problem: str | None) -> None:
    data = PageData(canonical=head, canonical_header=header)
    assert canonical_problem(page, data) == problem


def test_canonical_to_another_hreflang_alternate() -> None:
    data = PageData(
        canonical=["https://example.com/fr"],
        alternates=[
            Alternate("xx", "https://example.com/", "header"),
            Alternate("fr", "https://example.com/fr", "head"),
        ],
    )
    assert canonical_problem("https://example.com/", data) == (
        "points to another hreflang alternate: https://example.com/fr"
    )


# -- hreflang --------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["xx1", "XX-be", "XX-be-Hans", "  es", "@@", "xx2"])
def test_unexpected_language_codes(code: str) -> None:
    assert not valid_hreflang(code)


@pytest.mark.parametrize("code", ["pl", "nl-be", "zh-Hans", "x-default", "FR-BE", "es", "fr"])
def test_valid_language_codes(code: str) -> None:
    assert valid_hreflang(code)


def issues_of(check: str, data: PageData, url: str = "https://example.com/page.html") -> list[str]:
    row = PageRow(url, 0, 200, url, data=data)
    found = page_issues(row, data, "https://example.com/", NO_ROBOTS, Thresholds())
    return [issue.detail for issue in found if issue.check == check]


def test_hreflang_reasons() -> None:
    data = PageData(
        alternates=[
            Alternate("@@", "example.com"),
            Alternate("fr", "example.com"),
            Alternate("@@", "https://example.com"),
            Alternate("fr", "https://example.com"),
            Alternate("es", "//example.com", "header"),
        ]
    )
    assert issues_of("hreflang", data) == [
        "@@ example.com: unexpected language code, relative href",
        "fr example.com: relative href",
        "@@ https://example.com: unexpected language code",
        "es //example.com: relative href",
    ]


# -- link-text -------------------------------------------------------------------------

OTHER = "https://example.com/otherpage.html"


def link(text: str, href: str = OTHER, rel: str = "") -> Link:
    url = href if href.startswith("https://") else ""
    return Link(url, href, text, rel)


@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "click here"), ("de", "klicke hier"), ("es", "click aquí"), ("en-US", "click here"),
     ("de-DE", "klicke hier")],
)  # fmt: skip
def test_non_descriptive_text_in_the_page_language(lang: str, text: str) -> None:
    data = PageData(lang=lang, links=[link("legit link text"), link(text)])
    assert issues_of("link-text", data) == [f"{text} -> {OTHER}"]


def test_unknown_language_uses_every_list() -> None:
    texts = ["legit link text", "click here", "klicke hier", "click aquí"]
    data = PageData(links=[link(t) for t in texts])
    assert len(issues_of("link-text", data)) == 3


@pytest.mark.parametrize(
    "links",
    [
        [link("click here", "https://example.com/page.html")],  # the page itself
        [link("click here", "javascript:alert(1)"), link("click here", "JAVASCRIPT:void(0)")],
        [link("click here", "mailto:info@example.com")],
        [link("click here", "")],
        [link("click here", OTHER, "noopener nofollow")],
        [link("legitimer Link-Text"), link("legit link text", "file://Users/user/file.png")],
    ],
)
def test_ignored_or_descriptive_links(links: list[Link]) -> None:
    assert issues_of("link-text", PageData(lang="en", links=links)) == []


def test_full_url_as_link_text() -> None:
    urls = [OTHER, "http://example.com/otherpage.html", "https://example.com/"]
    data = PageData(lang="en", links=[link("legit link text")] + [link(u, u) for u in urls])
    assert len(issues_of("link-text", data)) == 3


# -- robots-txt ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ("Allow: /", 1),
        ("syntax error", 1),
        ("unknown: directive", 1),
        ("sitemap: /cant/be/relative.xml", 1),
        ("sitemap:#can't be empty", 1),
        ("user-agent: *\nallow: https://cant.be/absolute", 1),
        ("user-agent: *\nallow: must/start/with/a/slash", 1),
        ("user-agent: *\nallow: /dolar/sign$in/the/middle", 1),
        ("user-agent: *\nallow: /\ndisallow: /test\n\nuser agent: wrong\nalow: /wrong\n"
         "disallow /wrong\n", 3),
        ("every\nsingle\nline\nis\nwrong\n", 5),
        ("#just a comment", 0),
        ("user-agent:*\ndisallow:", 0),
        ("USER-AGENT:  *\nALLOW:    /         \nDISALLOW:#comment", 0),
        ("User-agent: Twitterbot\nDisallow:\n\nUser-agent: BadBot\nDisallow: / # go away!\n\n"
         "Sitemap: https://example.com/sitemap.xml\nLicense: https://example.com/license.xml\n\n"
         "User-agent: Yandex\nHost: https://brainly.com\nclean-param: bla\n\n"
         "User-agent: Bing\nDisallow: /*.swf$\ncrawl-delay: 10\n\n"
         "User-agent: NotOfficial\nnoindex: /bla\nVisit-time: 0600-0845\nRequest-rate: 1/30m\n\n"
         "User-agent: RespectfulAI\nContent-Signal: ai-train=yes, search=yes, ai-input=yes\n", 0),
    ],
)  # fmt: skip
def test_robots_txt_lines(body: str, errors: int) -> None:
    assert len(validate_robots(body)) == errors


def test_an_ftp_sitemap_is_reported_beyond_lighthouse() -> None:
    body = "User-agent: *\nDisallow:\nSitemap: ftp://example.com/sitemap.xml\n"
    assert validate_robots(body) == [
        (3, "Sitemap: ftp://example.com/sitemap.xml", "Sitemap URL is not http(s)")
    ]
    assert validate_robots("Sitemap: gopher://example.com/s.xml") == [
        (1, "Sitemap: gopher://example.com/s.xml", "Invalid sitemap URL protocol")
    ]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (None, "", ["fetch failed"]),
        (429, "", ["HTTP status 429"]),
        (500, "", ["HTTP status 500"]),
        (503, "There is some content", ["HTTP status 503"]),
        (599, "", ["HTTP status 599"]),
        (404, "invalid content", []),
        (401, "invalid content", []),
        (200, "", []),
        (301, "unknown: directive", ["line 1: Unknown directive (unknown: directive)"]),
        (200, "user-agent: *\nallow: must", ['line 2: Pattern should either be empty, '
                                              'start with "/" or "*" (allow: must)']),
    ],
)  # fmt: skip
def test_robots_txt_status(tmp_path: Path, status: int | None, body: str, expected: Any) -> None:
    store = CrawlStore(tmp_path / "crawl", create=True)
    store.set_meta("start_url", "https://example.com/")
    verdict = "parsed" if status is not None and status < 300 else "allow_all"
    store.save_robots(RobotsRow("https://example.com", "https://example.com/robots.txt", status,
                                verdict, body))  # fmt: skip
    store.save_robots(RobotsRow("https://other.org", "https://other.org/robots.txt", 500,
                                "disallow_all", ""))  # fmt: skip
    issues = [(i.check, i.url, i.detail) for i in run_checks(store)]
    assert issues == [("robots-txt", "https://example.com/robots.txt", d) for d in expected]
