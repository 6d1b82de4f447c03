"""Checks that need more than one page: rows, duplicates, links, sitemaps, robots.txt.

- Row checks (every internal URL, HTML or not): ``http-status-code`` (400-599, as
  Lighthouse), ``fetch-error`` (no response, robots.txt aside), ``redirect-loop`` (the
  fetcher's error starts with "redirect loop", or a hop repeats), ``redirect-chain``
  (2+ hops), ``is-crawlable`` for URLs robots.txt kept the crawler from (only when every
  bot of Lighthouse's list is disallowed, or robots.txt was unreachable: RFC 9309
  §2.3.1.4 then disallows everything), ``sitemap-non-indexable``.
- Duplicates: titles and meta descriptions shared by indexable pages (200, no redirect,
  not noindex, no canonical to another URL); one issue per page, detail = the value.
- ``canonical-target-error``: a canonical naming a crawled URL that is not 200, redirects
  or is noindex.
- Links (SQL over the crawl file, memory-flat): ``broken-link-internal`` /
  ``broken-link-external`` when the target, after its redirects, answered >= 400 or not
  at all (robots.txt-blocked targets are not broken); ``link-to-redirect`` for internal
  links to a redirecting URL that is not an error (a loop is a broken link). One issue
  per (source, target).
- ``robots-txt``: Lighthouse's audit (``core/audits/seo/robots-txt.js``): 5xx or 429 and
  an unreachable file fail, other 4xx and an empty file are not applicable, and each line
  is validated: ``name: value`` syntax, directive in the safelist, Sitemap an absolute
  http/https/ftp URL, User-agent not empty, Allow/Disallow empty or starting with "/" or
  "*" with "$" only at the end, and no Allow/Disallow before the first User-agent.
  One addition: an ``ftp:`` Sitemap, which Lighthouse accepts, is reported ("not
  http(s)"), because the crawler (like the web crawlers it imitates) reads sitemaps
  over http(s) only, so such a sitemap is never read.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.crawl.urls import same_site
from pilotage.seo.checks_page import (
    BOTS,
    Canonicals,
    RobotsIndex,
    canonical_target,
    is_absolute,
    is_noindex,
)
from pilotage.seo.model import Issue, PageData

_SAFELIST = {
    "user-agent", "disallow", "allow", "sitemap", "crawl-delay", "clean-param", "host",
    "request-rate", "visit-time", "noindex", "content-signal", "license",
}  # fmt: skip
_LINES = re.compile(r"\r\n|\r|\n")
_BROKEN_SQL = """
SELECT src, dst, internal, status, error FROM (
    SELECT DISTINCT l.src, l.dst, l.internal,
        coalesce(f.status, p.status) AS status, coalesce(f.error, p.error) AS error
    FROM links l JOIN pages p ON p.url = l.dst
    LEFT JOIN pages f ON f.url = p.final_url AND p.final_url != p.url
)
WHERE status >= 400 OR (status = 0 AND error IS NOT NULL AND error != 'robots.txt')
ORDER BY src, dst
"""
_REDIRECT_SQL = """
SELECT DISTINCT l.src, l.dst, p.final_url FROM links l JOIN pages p ON p.url = l.dst
WHERE l.internal = 1 AND p.redirects != '[]' AND p.status != 0
ORDER BY l.src, l.dst
"""


@dataclass
class Site:
    """What the checks need to know of the crawled site as a whole."""

    root: str
    robots: RobotsIndex
    db: sqlite3.Connection
    has_sitemaps: bool

    @classmethod
    def of(cls, store: CrawlStore) -> Site:
        root = store.get_meta("start_url") or store.get_meta("site") or ""
        if not root:
            first = next(store.pages(with_data=False), None)
            root = first.url if first is not None else ""
        has_sitemaps = store.db.execute("SELECT 1 FROM sitemap_urls LIMIT 1").fetchone()
        return cls(str(root), RobotsIndex(store.robots()), store.db, has_sitemaps is not None)

    def internal(self, url: str) -> bool:
        return not self.root or same_site(url, self.root)

    def in_sitemap(self, row: PageRow) -> bool:
        if row.in_sitemap or not self.has_sitemaps:
            return row.in_sitemap
        sql = "SELECT 1 FROM sitemap_urls WHERE url = ?"
        return self.db.execute(sql, (row.url,)).fetchone() is not None


# -- rows ------------------------------------------------------------------------------


def is_loop(row: PageRow) -> bool:
    if (row.error or "").lower().startswith("redirect loop"):
        return True
    hops = [url for url, _ in row.redirects]
    return bool(hops) and (len(set(hops)) < len(hops) or row.final_url in hops)


def _robots_blocked(row: PageRow, site: Site) -> bool:
    """A URL the crawler did not fetch because of robots.txt, blocked for every bot."""
    if site.robots.verdict(row.url) != "parsed":
        return True
    return all(site.robots.disallows(row.url, bot) for bot in BOTS)


def not_indexable(row: PageRow) -> str | None:
    """Why a crawled URL cannot be indexed, or None."""
    if row.redirects:
        return f"redirects to {row.final_url}"
    if not row.robots_allowed:
        return "blocked by robots.txt"
    if row.status != 200:
        return f"status {row.status}" if row.status else f"error: {row.error or 'no response'}"
    if row.data is not None:
        if is_noindex(row.data):
            return "noindex"
        target = canonical_target(row.url, row.data)
        if target is not None:
            return f"canonical: {target}"
    return None


def row_issues(row: PageRow, site: Site) -> Iterator[Issue]:
    """Checks of one internal URL from its crawl row, whatever its content type."""
    url = row.url
    if not row.robots_allowed and _robots_blocked(row, site):
        yield Issue("is-crawlable", url, "robots.txt")
    loop = is_loop(row)
    if loop:
        yield Issue("redirect-loop", url, row.error or " -> ".join(u for u, _ in row.redirects))
    elif row.status == 0 and row.robots_allowed and row.error != "robots.txt":
        yield Issue("fetch-error", url, row.error or "no response")
    if len(row.redirects) >= 2 and not loop:
        chain = [u for u, _ in row.redirects] + [row.final_url]
        yield Issue("redirect-chain", url, " -> ".join(chain))
    if 400 <= row.status <= 599:
        yield Issue("http-status-code", url, str(row.status))
    if site.in_sitemap(row):
        reason = not_indexable(row)
        if reason is not None:
            yield Issue("sitemap-non-indexable", url, reason)


# -- duplicates and canonical targets --------------------------------------------------


@dataclass
class Shared:
    """Values shared by several pages, in little memory: a value seen once is kept as its
    64-bit hash and URL only; its text is kept from its second page on (a hash collision,
    about 1 in 10^9 for 100k values, would merge two values)."""

    first: dict[int, str] = field(default_factory=dict)
    repeated: dict[str, list[str]] = field(default_factory=dict)

    def add(self, value: str, url: str) -> None:
        key = hash(value)
        if key not in self.first:
            self.first[key] = url
        elif value in self.repeated:
            self.repeated[value].append(url)
        else:
            self.repeated[value] = [self.first[key], url]


@dataclass
class Collector:
    """Titles and descriptions of indexable pages, and pages canonicalised elsewhere."""

    titles: Shared = field(default_factory=Shared)
    descriptions: Shared = field(default_factory=Shared)
    canonicalised: list[tuple[str, str]] = field(default_factory=list)

    def add(self, url: str, data: PageData, found: Canonicals) -> None:
        target = canonical_target(url, data, found)
        if target is not None:
            self.canonicalised.append((url, target))
            return
        if is_noindex(data):
            return
        title = data.title[0].strip() if data.title else ""
        if title:
            self.titles.add(title, url)
        description = data.meta_description[0].strip() if data.meta_description else ""
        if description:
            self.descriptions.add(description, url)

    def issues(self, store: CrawlStore) -> Iterator[Issue]:
        for check, shared in (
            ("title-duplicate", self.titles),
            ("description-duplicate", self.descriptions),
        ):
            for value, urls in shared.repeated.items():
                yield from (Issue(check, url, value) for url in urls)
        problems: dict[str, str | None] = {}
        for url, target in self.canonicalised:
            if target not in problems:
                problems[target] = _target_problem(store, target)
            problem = problems[target]
            if problem is not None:
                yield Issue("canonical-target-error", url, f"{target} ({problem})")


def _target_problem(store: CrawlStore, target: str) -> str | None:
    row = store.page(target)
    if row is None:
        return None  # not crawled: nothing known
    if row.redirects:
        return f"redirects to {row.final_url}"
    if row.status != 200:
        return f"status {row.status}" if row.status else row.error or "no response"
    if row.data is not None and is_noindex(row.data):
        return "noindex"
    return None


# -- links -----------------------------------------------------------------------------


def link_issues(store: CrawlStore) -> Iterator[Issue]:
    for src, dst, internal, status, error in store.db.execute(_BROKEN_SQL):
        check = "broken-link-internal" if internal else "broken-link-external"
        yield Issue(check, src, f"{dst} ({status or error})")
    for src, dst, final_url in store.db.execute(_REDIRECT_SQL):
        yield Issue("link-to-redirect", src, f"{dst} -> {final_url}")


# -- robots.txt ------------------------------------------------------------------------


def _directive_error(name: str, value: str) -> str | None:
    if name not in _SAFELIST:
        return "Unknown directive"
    if name == "sitemap":
        if not is_absolute(value):
            return "Invalid sitemap URL"
        scheme = urlsplit(value.strip()).scheme.lower()
        if scheme not in ("http", "https", "ftp"):
            return "Invalid sitemap URL protocol"
        if scheme == "ftp":
            return "Sitemap URL is not http(s)"
    if name == "user-agent" and not value:
        return "No user-agent specified"
    if name in ("allow", "disallow"):
        if value and value[0] not in "/*":
            return 'Pattern should either be empty, start with "/" or "*"'
        if "$" in value and value.index("$") != len(value) - 1:
            return '"$" should only be used at the end of the pattern'
    return None


def validate_robots(body: str) -> list[tuple[int, str, str]]:
    """Lighthouse's line validation: (line number, line, error) for each faulty line."""
    errors: list[tuple[int, str, str]] = []
    in_group = False
    for number, line in enumerate(_LINES.split(body.removeprefix("\ufeff")), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        name, colon, value = text.partition(":")
        if not colon:
            errors.append((number, line, "Syntax not understood"))
            continue
        name, value = name.strip().lower(), value.strip()
        error = _directive_error(name, value)
        if error is not None:
            errors.append((number, line, error))
        elif name == "user-agent":
            in_group = True
        elif name in ("allow", "disallow") and not in_group:
            errors.append((number, line, "No user-agent specified"))
    return errors


def robots_txt_issues(store: CrawlStore, site: Site) -> Iterator[Issue]:
    for row in store.robots():
        if not site.internal(row.url):
            continue
        status = row.status
        if status is not None and (status >= 500 or status == 429):
            yield Issue("robots-txt", row.url, f"HTTP status {status}")
        elif (status is not None and status >= 400) or (status is not None and not row.body):
            continue  # Lighthouse: no robots.txt (4xx) or an empty one is not applicable
        elif status is None:
            yield Issue("robots-txt", row.url, "fetch failed")
        else:
            for number, line, error in validate_robots(row.body):
                yield Issue("robots-txt", row.url, f"line {number}: {error} ({line.strip()})")
