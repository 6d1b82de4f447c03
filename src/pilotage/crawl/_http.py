"""Small guarded GET used for robots.txt and sitemaps: every redirect hop is checked."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from pilotage.crawl.guard import UrlGuard


@dataclass(frozen=True)
class SmallResponse:
    url: str
    status: int
    body: bytes
    truncated: bool


async def get_limited(
    client: httpx.AsyncClient,
    url: str,
    *,
    guard: UrlGuard,
    user_agent: str,
    max_bytes: int,
    max_redirects: int = 5,
) -> SmallResponse:
    """GET ``url`` following up to ``max_redirects`` hops, reading at most ``max_bytes``.

    When the hops run out, the last 3xx response is returned as is. Raises what the
    guard raises and ``httpx.HTTPError``.
    """
    response = SmallResponse(url, 0, b"", False)
    for _ in range(max_redirects + 1):
        await guard.acheck(url)
        response, location = await _get_once(client, url, user_agent, max_bytes)
        if not (300 <= response.status < 400 and location):
            return response
        url = urljoin(url, location)
    return response


async def _get_once(
    client: httpx.AsyncClient, url: str, user_agent: str, max_bytes: int
) -> tuple[SmallResponse, str | None]:
    headers = {"User-Agent": user_agent}
    async with client.stream("GET", url, headers=headers, follow_redirects=False) as response:
        body = bytearray()
        truncated = False
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > max_bytes:
                truncated = True
                del body[max_bytes:]
                break
        small = SmallResponse(url, response.status_code, bytes(body), truncated)
        return small, response.headers.get("location")
