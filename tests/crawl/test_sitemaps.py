from __future__ import annotations

import asyncio
import gzip

import httpx
import pytest

from pilotage.crawl.guard import UrlGuard
from pilotage.crawl.robots import parse_robots
from pilotage.crawl.sitemaps import (
    SitemapReader,
    SitemapResult,
    candidate_sitemaps,
    inflate,
    parse_sitemap,
)
from pilotage.errors import InvalidInput

UA = "PilotageBot/0.1.0"
PUBLIC = UrlGuard(resolver=lambda host: ["93.184.215.14"])
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def urlset(*locs: str) -> bytes:
    items = "".join(
        f"<url><loc>{loc}</loc><lastmod>2026-01-0{i % 9 + 1}</lastmod></url>"
        for i, loc in enumerate(locs)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{items}</urlset>'.encode()


def index(*locs: str) -> bytes:
    items = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f"<sitemapindex {NS}>{items}</sitemapindex>".encode()


def read(site: dict[str, bytes], start: list[str], **kw: int) -> SitemapResult:
    def handler(request: httpx.Request) -> httpx.Response:
        body = site.get(request.url.path)
        return httpx.Response(200, content=body) if body is not None else httpx.Response(404)

    async def run() -> SitemapResult:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await SitemapReader(client, UA, PUBLIC, **kw).read(start)

    return asyncio.run(run())


def test_parse_urlset_with_lastmod() -> None:
    parsed = parse_sitemap(urlset("https://e.org/a", "https://e.org/b"))
    assert parsed.kind == "urlset"
    assert parsed.entries == (("https://e.org/a", "2026-01-01"), ("https://e.org/b", "2026-01-02"))


def test_parse_gzip_and_no_namespace() -> None:
    body = gzip.compress(b"<urlset><url><loc> https://e.org/x </loc></url></urlset>")
    assert parse_sitemap(body).entries == (("https://e.org/x", None),)


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><urlset>&lol;</urlset>',
        b"<urlset><url><loc>unclosed",
        b"<html><body>not a sitemap</body></html>",
        b"\x1f\x8b\x08garbage",
        b"",
    ],
)
def test_bad_sitemaps_are_invalid_input(body: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_sitemap(body)


def test_gzip_bomb_is_refused() -> None:
    with pytest.raises(InvalidInput, match="inflates"):
        inflate(gzip.compress(b"0" * 10_000), limit=1_000)


def test_candidates_from_robots_or_default() -> None:
    robots = parse_robots("https://e.org/robots.txt", b"Sitemap: https://e.org/s1.xml\n")
    assert candidate_sitemaps("https://e.org/page", robots) == ["https://e.org/s1.xml"]
    empty = parse_robots("https://e.org/robots.txt", b"User-agent: *\nDisallow:\n")
    assert candidate_sitemaps("https://e.org:8443/p", empty) == ["https://e.org:8443/sitemap.xml"]


def test_index_gzip_and_errors_are_followed() -> None:
    site = {
        "/sitemap.xml": index(
            "https://e.org/a.xml", "https://e.org/b.xml.gz", "https://e.org/missing.xml"
        ),
        "/a.xml": urlset("https://e.org/1", "https://e.org/2"),
        "/b.xml.gz": gzip.compress(urlset("https://e.org/3")),
    }
    result = read(site, ["https://e.org/sitemap.xml"])
    assert [u.loc for u in result.urls] == ["https://e.org/1", "https://e.org/2", "https://e.org/3"]
    assert result.urls[2].sitemap == "https://e.org/b.xml.gz"
    assert result.errors == [("https://e.org/missing.xml", "HTTP status 404")]
    assert not result.truncated


def test_url_cap_and_index_loop() -> None:
    site = {
        "/sitemap.xml": index("https://e.org/sitemap.xml", "https://e.org/a.xml"),
        "/a.xml": urlset(*(f"https://e.org/{i}" for i in range(10))),
    }
    result = read(site, ["https://e.org/sitemap.xml"], max_urls=4)
    assert len(result.urls) == 4
    assert result.truncated
    assert result.sitemaps == ["https://e.org/sitemap.xml", "https://e.org/a.xml"]


def test_private_sitemap_is_reported_not_fetched() -> None:
    guard = UrlGuard(resolver=lambda h: ["127.0.0.1"])

    async def run() -> SitemapResult:
        transport = httpx.MockTransport(lambda r: httpx.Response(200, content=urlset("x")))
        async with httpx.AsyncClient(transport=transport) as client:
            return await SitemapReader(client, UA, guard).read(["http://e.org/s.xml"])

    result = asyncio.run(run())
    assert result.urls == []
    assert "loopback" in result.errors[0][1]
