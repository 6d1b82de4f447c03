"""Sitemap discovery and reading (sitemaps.org protocol 0.9).

Sitemaps come from robots.txt ``Sitemap:`` lines, else ``/sitemap.xml``. Indexes are
followed, gzip bodies (by magic number) inflated, and ``<loc>`` values collected up
to a cap. The protocol limits a file to 50,000 URLs and 50 MB uncompressed, so
those are the per-file read limits. The standard library's parser expands internal
entities, so any document with a DOCTYPE is refused (no DTD, no entity bomb).
A broken sitemap becomes an entry in ``errors``, never an exception.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

import httpx

from pilotage.crawl._http import get_limited
from pilotage.crawl.errors import FetchError, UrlRefused
from pilotage.crawl.guard import UrlGuard
from pilotage.crawl.robots import RobotsRules, origin_of
from pilotage.errors import InvalidInput

MAX_SITEMAP_BYTES = 50 * 1024 * 1024
_DOCTYPE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class SitemapUrl:
    loc: str
    lastmod: str | None = None
    sitemap: str = ""


@dataclass(frozen=True)
class ParsedSitemap:
    kind: str  # "urlset" or "sitemapindex"
    entries: tuple[tuple[str, str | None], ...]


@dataclass
class SitemapResult:
    urls: list[SitemapUrl] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False


def inflate(body: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """Gunzip ``body`` if it starts with the gzip magic number, refusing more than ``limit``."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise InvalidInput(f"corrupt gzip data: {exc}", field="sitemap") from exc
    if len(out) > limit:
        raise InvalidInput(f"sitemap inflates past {limit} bytes", field="sitemap")
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_sitemap(body: bytes) -> ParsedSitemap:
    """Parse one sitemap or sitemap index; raises ``InvalidInput`` when it is not one."""
    data = inflate(body)
    if _DOCTYPE.search(data):
        raise InvalidInput("sitemap declares a DOCTYPE or entity; refused", field="sitemap")
    entries: list[tuple[str, str | None]] = []
    root = ""
    try:
        for event, elem in ET.iterparse(io.BytesIO(data), events=("start", "end")):
            if event == "start":
                root = root or _local(elem.tag)
                continue
            if _local(elem.tag) in ("url", "sitemap"):
                loc = _child_text(elem, "loc")
                if loc:
                    entries.append((loc, _child_text(elem, "lastmod")))
                elem.clear()
    except ET.ParseError as exc:
        raise InvalidInput(f"sitemap is not well-formed XML: {exc}", field="sitemap") from exc
    if root not in ("urlset", "sitemapindex"):
        raise InvalidInput(f"root element {root!r} is not urlset or sitemapindex", field="sitemap")
    return ParsedSitemap(kind=root, entries=tuple(entries))


def _child_text(elem: ET.Element, name: str) -> str | None:
    for child in elem:
        if _local(child.tag) == name and child.text:
            return child.text.strip()
    return None


def candidate_sitemaps(site_url: str, robots: RobotsRules | None) -> list[str]:
    """robots.txt Sitemap lines, or ``/sitemap.xml`` when there are none."""
    listed = list(robots.sitemaps) if robots is not None else []
    return listed or [origin_of(site_url) + "/sitemap.xml"]


class SitemapReader:
    """Reads sitemaps breadth first, following indexes, until ``max_urls`` URLs."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        user_agent: str,
        guard: UrlGuard | None = None,
        *,
        max_urls: int = 50_000,
        max_sitemaps: int = 1_000,
    ) -> None:
        self.client = client
        self.user_agent = user_agent
        self.guard = guard or UrlGuard()
        self.max_urls = max_urls
        self.max_sitemaps = max_sitemaps

    async def read(self, start: Iterable[str]) -> SitemapResult:
        result = SitemapResult()
        queue = list(dict.fromkeys(start))
        seen = set(queue)
        while queue and not result.truncated:
            if len(result.sitemaps) >= self.max_sitemaps:
                result.truncated = True
                break
            url = queue.pop(0)
            result.sitemaps.append(url)
            parsed = await self._load(url, result)
            if parsed is None:
                continue
            if parsed.kind == "sitemapindex":
                fresh = [loc for loc, _ in parsed.entries if loc not in seen]
                seen.update(fresh)
                queue.extend(fresh)
            else:
                self._add_urls(url, parsed, result)
        return result

    def _add_urls(self, sitemap: str, parsed: ParsedSitemap, result: SitemapResult) -> None:
        for loc, lastmod in parsed.entries:
            if len(result.urls) >= self.max_urls:
                result.truncated = True
                return
            result.urls.append(SitemapUrl(loc, lastmod, sitemap))

    async def _load(self, url: str, result: SitemapResult) -> ParsedSitemap | None:
        try:
            response = await get_limited(
                self.client,
                url,
                guard=self.guard,
                user_agent=self.user_agent,
                max_bytes=MAX_SITEMAP_BYTES,
            )
            if response.status != 200:
                raise InvalidInput(f"HTTP status {response.status}", field="sitemap")
            if response.truncated:
                raise InvalidInput("sitemap is larger than 50 MB", field="sitemap")
            return parse_sitemap(response.body)
        except (InvalidInput, FetchError, UrlRefused) as exc:
            result.errors.append((url, exc.message))
        except httpx.HTTPError as exc:
            result.errors.append((url, f"{type(exc).__name__}: {exc}"))
        return None
