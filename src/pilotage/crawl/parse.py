"""The CPU half of a crawl: one HTML response turned into rows ready to store.

It runs in worker processes (``Crawler(executor=...)``), so it returns only compact,
cheap-to-pickle values: the page's JSON already serialised, its text already
compressed, its keyword terms already counted, its links as tuples with their
internal/external verdict. The fetching process is left with I/O and SQLite, which
keeps its event loop free and its timings honest.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pilotage.crawl.urls import host_of
from pilotage.seo.extract import extract_with_words
from pilotage.seo.terms import count_terms, pack_terms

LinkTuple = tuple[str, str, str, bool, bool]  # dst, text, rel, nofollow, internal
AUTO_RENDER_WORDS = 50


@dataclass(frozen=True)
class ParsedPage:
    data_json: bytes  # PageData.to_json_bytes()
    text_blob: bytes  # zlib-compressed visible text, b"" when there is none
    terms_blob: bytes  # the text's keyword terms counted (pilotage.seo.terms.pack_terms)
    links: list[LinkTuple]
    canonical: str | None  # first canonical href as written
    follow: bool  # meta robots allows following the page's links
    words: int = 0
    has_script: bool = False

    @property
    def looks_empty(self) -> bool:
        """Few words or no link but scripts: a page that JavaScript builds (``render=auto``)."""
        return self.has_script and (self.words < AUTO_RENDER_WORDS or not self.links)


@lru_cache(maxsize=4096)
def _netloc_host(netloc: str) -> str:
    return host_of(f"http://{netloc}/")


def fast_host(url: str) -> str:
    """``host_of`` for a normalised absolute URL, cached by authority."""
    rest = url.partition("://")[2]
    return _netloc_host(rest.split("/", 1)[0])


def is_internal(url: str, site_host: str, subdomains: bool) -> bool:
    host = fast_host(url)
    return host == site_host or (subdomains and host.endswith("." + site_host))


def parse_page(
    url: str,
    body: bytes,
    headers: Sequence[tuple[str, str]],
    charset: str | None,
    site_host: str,
    subdomains: bool,
) -> ParsedPage:
    data, tokens, hashes = extract_with_words(url, body, headers, charset=charset)
    robots = data.meta_robots.get("robots", "").lower()
    links: list[LinkTuple] = []
    for link in data.links:
        if link.url:
            internal = is_internal(link.url, site_host, subdomains)
            nofollow = "nofollow" in link.rel.split()
            links.append((link.url, link.text, link.rel, nofollow, internal))
    # Level 1: the text is read back rarely, and compressing is paid for every page.
    text = zlib.compress(data.text.encode(), 1) if data.text else b""
    return ParsedPage(
        data_json=data.to_json_bytes(),
        text_blob=text,
        terms_blob=pack_terms(count_terms(tokens, hashes)),
        links=links,
        canonical=data.canonical[0] if data.canonical else None,
        follow="nofollow" not in robots and "none" not in robots,
        words=data.word_count,
        has_script=b"<script" in body[:1_000_000].lower(),
    )
