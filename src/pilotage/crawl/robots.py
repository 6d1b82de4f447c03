"""robots.txt (RFC 9309), fetched once per origin and obeyed with the crawl's product token.

Rules from RFC 9309 §2.3.1: a 2xx body is parsed (with protego); up to five
redirects are followed (§2.3.1.2), more count as "unavailable"; 4xx means
unavailable, so everything is allowed (§2.3.1.3); 5xx, a network error or a refused
redirect mean unreachable, so everything is disallowed (§2.3.1.4). Only the first
500 KiB are parsed, the minimum §2.5 asks parsers to read. robots.txt is per scheme,
host and port (§2.3), so that is the cache key.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx
from protego import Protego

from pilotage.crawl._http import get_limited
from pilotage.crawl.errors import FetchError, UrlRefused
from pilotage.crawl.guard import UrlGuard

MAX_ROBOTS_BYTES = 500 * 1024
MAX_REDIRECTS = 5
Verdict = Literal["parsed", "allow_all", "disallow_all"]


def product_token(user_agent: str) -> str:
    """'PilotageBot/0.1 (+https://...)' -> 'PilotageBot' (RFC 9309 §2.2.1)."""
    return user_agent.split("/", 1)[0].split(" ", 1)[0].strip()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


@dataclass(frozen=True)
class RobotsRules:
    """What one origin's robots.txt says; ``status`` is None when it was unreachable."""

    url: str
    verdict: Verdict
    status: int | None = None
    parser: Protego | None = None
    body: str = ""  # the text parsed (first 500 KiB), kept for the SEO audit's robots-txt check

    def allowed(self, url: str, user_agent: str) -> bool:
        if self.verdict == "parsed" and self.parser is not None:
            return bool(self.parser.can_fetch(url, product_token(user_agent)))
        return self.verdict == "allow_all"

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(product_token(user_agent))
        return None if delay is None else float(delay)

    @property
    def sitemaps(self) -> tuple[str, ...]:
        return tuple(self.parser.sitemaps) if self.parser is not None else ()


def parse_robots(url: str, body: bytes, status: int = 200) -> RobotsRules:
    text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
    return RobotsRules(
        url=url, verdict="parsed", status=status, parser=Protego.parse(text), body=text
    )


class RobotsCache:
    """Fetches robots.txt once per origin; concurrent callers wait for the one fetch."""

    def __init__(
        self, client: httpx.AsyncClient, user_agent: str, guard: UrlGuard | None = None
    ) -> None:
        self.client = client
        self.user_agent = user_agent
        self.guard = guard or UrlGuard()
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rules_for(self, url: str) -> RobotsRules:
        origin = origin_of(url)
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._rules:
                self._rules[origin] = await self._fetch(origin + "/robots.txt")
            return self._rules[origin]

    @property
    def fetched(self) -> dict[str, RobotsRules]:
        """Rules fetched so far, by origin."""
        return dict(self._rules)

    async def allowed(self, url: str) -> bool:
        return (await self.rules_for(url)).allowed(url, self.user_agent)

    async def crawl_delay(self, url: str) -> float | None:
        return (await self.rules_for(url)).crawl_delay(self.user_agent)

    async def _fetch(self, robots_url: str) -> RobotsRules:
        try:
            response = await get_limited(
                self.client,
                robots_url,
                guard=self.guard,
                user_agent=self.user_agent,
                max_bytes=MAX_ROBOTS_BYTES,
                max_redirects=MAX_REDIRECTS,
            )
        except (httpx.HTTPError, FetchError, UrlRefused):
            return RobotsRules(url=robots_url, verdict="disallow_all")
        return rules_from(robots_url, response.status, response.body)


def rules_from(url: str, status: int, body: bytes) -> RobotsRules:
    """Apply RFC 9309 §2.3.1 to the final response of a robots.txt fetch."""
    if 200 <= status < 300:
        return parse_robots(url, body, status)
    if 300 <= status < 500:  # 3xx here: more than five redirects (§2.3.1.2)
        return RobotsRules(url=url, verdict="allow_all", status=status)
    return RobotsRules(url=url, verdict="disallow_all", status=status)
