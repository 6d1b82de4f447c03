from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from pilotage.crawl.guard import UrlGuard
from pilotage.crawl.robots import RobotsCache, RobotsRules, product_token

UA = "PilotageBot/0.1.0 (+https://example.org/bot)"
PUBLIC = UrlGuard(resolver=lambda host: ["93.184.215.14"])
ROBOTS = b"""User-agent: PilotageBot
Disallow: /private
Allow: /private/open
Crawl-delay: 2.5

User-agent: *
Disallow: /

Sitemap: https://example.org/sitemap-a.xml
Sitemap: https://example.org/sitemap-b.xml.gz
"""


def rules_for(
    handler: Callable[[httpx.Request], httpx.Response], url: str = "https://example.org/x"
) -> tuple[RobotsRules, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    async def run() -> RobotsRules:
        async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as client:
            return await RobotsCache(client, UA, PUBLIC).rules_for(url)

    return asyncio.run(run()), seen


def test_product_token() -> None:
    assert product_token(UA) == "PilotageBot"


def test_parsed_rules_apply_to_our_token() -> None:
    rules, seen = rules_for(lambda r: httpx.Response(200, content=ROBOTS))
    assert str(seen[0].url) == "https://example.org/robots.txt"
    assert seen[0].headers["user-agent"] == UA
    assert rules.allowed("https://example.org/page", UA)
    assert not rules.allowed("https://example.org/private/x", UA)
    assert rules.allowed("https://example.org/private/open", UA)  # longest match wins
    assert not rules.allowed("https://example.org/page", "OtherBot/1.0")
    assert rules.crawl_delay(UA) == 2.5
    assert rules.sitemaps == (
        "https://example.org/sitemap-a.xml",
        "https://example.org/sitemap-b.xml.gz",
    )


@pytest.mark.parametrize(
    ("status", "allowed"), [(404, True), (401, True), (500, False), (503, False)]
)
def test_status_rules_of_rfc_9309(status: int, allowed: bool) -> None:
    rules, _ = rules_for(lambda r: httpx.Response(status, content=b"User-agent: *\nDisallow: /"))
    assert rules.allowed("https://example.org/a", UA) is allowed
    assert rules.status == status


def test_unreachable_disallows_all() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    rules, _ = rules_for(refuse)
    assert rules.verdict == "disallow_all"
    assert not rules.allowed("https://example.org/", UA)


def test_follows_redirects_then_gives_up_after_five() -> None:
    def redirect_once(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(301, headers={"Location": "/real-robots.txt"})
        return httpx.Response(200, content=b"User-agent: *\nDisallow: /no")

    rules, _ = rules_for(redirect_once)
    assert not rules.allowed("https://example.org/no", UA)

    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "/robots.txt"})

    rules, seen = rules_for(loop)
    assert len(seen) == 6
    assert rules.verdict == "allow_all"


def test_redirect_to_private_address_is_unreachable() -> None:
    guard = UrlGuard(resolver=lambda h: ["10.0.0.1"] if h == "internal" else ["93.184.215.14"])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "http://internal/robots.txt"})

    async def run() -> RobotsRules:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await RobotsCache(client, UA, guard).rules_for("https://example.org/")

    assert asyncio.run(run()).verdict == "disallow_all"


def test_fetched_once_per_origin() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, content=ROBOTS)

    async def run() -> list[bool]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            cache = RobotsCache(client, UA, PUBLIC)
            urls = [
                "https://example.org/a",
                "https://example.org/private/b",
                "http://example.org/c",
            ]
            return list(await asyncio.gather(*(cache.allowed(u) for u in urls * 3)))

    results = asyncio.run(run())
    assert results[:3] == [True, False, True]
    assert sorted(seen) == ["http://example.org/robots.txt", "https://example.org/robots.txt"]


def test_malformed_robots_is_tolerated() -> None:
    body = b"\xff\xfeGarbage line\nDisallow /no-colon\nUser-agent: *\nDisallow: /x\n\x00"
    rules, _ = rules_for(lambda r: httpx.Response(200, content=body))
    assert not rules.allowed("https://example.org/x", UA)
    assert rules.allowed("https://example.org/y", UA)
