"""Polite fetching for the crawler: redirects hop by hop, limits, timings, no exceptions.

``Fetcher.fetch`` turns one URL into a ``FetchResult``. Redirects are followed by
hand so that every hop is normalised, checked by the SSRF guard and recorded; a URL
seen twice in one chain is a loop. Politeness, per request (so per redirect hop):

1. a per-host semaphore (host = scheme, host and port) bounds requests in flight
   on one host;
2. a per-host delay spaces request starts on one host by at least
   ``max(delay, set_host_delay(...))`` seconds, measured between actual starts;
3. only then is a slot of the global semaphore taken, so waiting for a host never
   holds a global slot.

The body is streamed and cut at ``max_bytes`` (after content decoding, so a
compressed bomb stops there too). Every request carries the crawl's User-Agent, and
no cookie is ever stored: a crawl is stateless. Timings exclude the waits above.

A network, guard or protocol problem never raises: it becomes ``error`` (one line)
and ``error_kind``, with ``status`` 0. For redirect errors (loop, too many, refused
or invalid target) ``hops`` holds every redirect response received and ``final_url``
the target that was not fetched.
"""

from __future__ import annotations

import asyncio
import importlib.util
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpx

from pilotage.crawl.errors import FetchError, UrlRefused
from pilotage.crawl.guard import UrlGuard
from pilotage.crawl.transport import DEFAULT_LIMITS, PinnedTransport
from pilotage.crawl.urls import DEFAULT_PORTS, normalise_url
from pilotage.errors import InvalidInput

ErrorKind = Literal[
    "refused", "dns", "connect", "timeout", "tls", "too-many-redirects", "redirect-loop", "protocol"
]
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def accept_encoding() -> str:
    """The codings httpx can decode here: br and zstd only when their decoder is installed."""
    codings = ["gzip", "deflate"]
    if importlib.util.find_spec("brotli") or importlib.util.find_spec("brotlicffi"):
        codings.append("br")
    if importlib.util.find_spec("zstandard"):
        codings.append("zstd")
    return ", ".join(codings)


def parse_content_type(value: str | None) -> tuple[str, str | None]:
    """'Text/HTML; charset="UTF-8"' -> ('text/html', 'UTF-8')."""
    if not value:
        return "", None
    media, *params = value.split(";")
    charset = None
    for param in params:
        name, _, raw = param.partition("=")
        if name.strip().lower() == "charset" and raw.strip().strip('"'):
            charset = raw.strip().strip('"')
            break
    return media.strip().lower(), charset


@dataclass(frozen=True)
class Hop:
    """One redirect response; ``location`` is resolved and normalised (raw when invalid)."""

    url: str
    status: int
    location: str


@dataclass
class FetchResult:
    """One fetch. ``status`` is 0 exactly when ``error`` is set; headers are lower-cased.

    ``ttfb_ms`` and ``elapsed_ms`` add up the whole redirect chain, without the time
    spent waiting for concurrency slots or politeness delays.
    """

    url: str
    final_url: str
    status: int
    hops: list[Hop]
    headers: list[tuple[str, str]]
    body: bytes
    truncated: bool
    content_type: str
    charset: str | None
    ttfb_ms: float
    elapsed_ms: float
    http_version: str
    error: str | None = None
    error_kind: ErrorKind | None = None

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        values = self.header_list(name)
        return values[0] if values else None

    def header_list(self, name: str) -> list[str]:
        """Every value of header ``name``, in the order received."""
        wanted = name.lower()
        return [value for key, value in self.headers if key == wanted]


class _RedirectError(Exception):
    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class _Response:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    truncated: bool
    http_version: str
    ttfb_ms: float
    elapsed_ms: float


@dataclass
class _Chain:
    """What one ``fetch`` has gathered so far."""

    url: str
    final_url: str
    hops: list[Hop] = field(default_factory=list)
    spent_ms: float = 0.0  # whole earlier hops
    started: float | None = None  # monotonic start of the request in flight

    def success(self, response: _Response) -> FetchResult:
        content_type, charset = parse_content_type(_first(response.headers, "content-type"))
        return FetchResult(
            url=self.url,
            final_url=response.url,
            status=response.status,
            hops=self.hops,
            headers=response.headers,
            body=response.body,
            truncated=response.truncated,
            content_type=content_type,
            charset=charset,
            ttfb_ms=self.spent_ms + response.ttfb_ms,
            elapsed_ms=self.spent_ms + response.elapsed_ms,
            http_version=response.http_version,
        )

    def failure(self, kind: ErrorKind, message: str) -> FetchResult:
        in_flight = 0.0 if self.started is None else _ms_since(self.started)
        return FetchResult(
            url=self.url,
            final_url=self.final_url,
            status=0,
            hops=self.hops,
            headers=[],
            body=b"",
            truncated=False,
            content_type="",
            charset=None,
            ttfb_ms=0.0,
            elapsed_ms=self.spent_ms + in_flight,
            http_version="",
            error=" ".join(message.split()) or kind,
            error_kind=kind,
        )


def _first(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key == name), None)


def _ms_since(start: float) -> float:
    return (time.monotonic() - start) * 1000.0


def _has_ssl_cause(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def classify(exc: Exception) -> ErrorKind:
    """The ``error_kind`` of an exception raised while fetching."""
    if isinstance(exc, _RedirectError):
        return exc.kind
    if isinstance(exc, UrlRefused | InvalidInput | httpx.InvalidURL | httpx.UnsupportedProtocol):
        return "refused"
    if isinstance(exc, FetchError):
        return "dns"
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return "timeout"
    if _has_ssl_cause(exc):
        return "tls"
    if isinstance(exc, httpx.NetworkError | OSError):
        return "connect"
    return "protocol"


_CAUGHT = (
    _RedirectError,
    UrlRefused,
    InvalidInput,
    FetchError,
    httpx.HTTPError,
    httpx.InvalidURL,
    TimeoutError,
    OSError,
)


@dataclass
class _Host:
    """Politeness state of one scheme+host+port."""

    slots: asyncio.Semaphore
    delay: float
    start_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float = float("-inf")


def host_key(url: str) -> str:
    """'https://Example.org/x' -> 'https://example.org:443': the unit of politeness."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = 0
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def _normalise(url: str) -> str:
    try:
        return normalise_url(url)
    except ValueError as exc:  # urlsplit's own complaints, e.g. an unclosed "[" in the host
        raise InvalidInput(f"URL {url!r} is invalid ({exc})", field="url") from exc


def _resolve_location(url: str, location: str) -> tuple[str, InvalidInput | None]:
    """The normalised redirect target, or the raw one and why it cannot be followed."""
    try:
        target = urljoin(url, location)
    except ValueError as exc:
        return location, InvalidInput(f"redirect to {location!r} is invalid ({exc})")
    try:
        return _normalise(target), None
    except InvalidInput as exc:
        return target, exc


def _check_positive(name: str, value: float, *, minimum: float) -> None:
    if value < minimum:
        raise InvalidInput(f"{name} must be at least {minimum}, not {value!r}", field=name)


class Fetcher:
    """Fetches URLs politely; ``client`` is shared with ``RobotsCache`` and ``SitemapReader``.

    ``transport`` replaces the pinned transport (tests use ``httpx.MockTransport``);
    the guard then still checks every hop, but the connection is the transport's.
    ``verify`` may also be an ``ssl.SSLContext`` (a private CA).
    """

    def __init__(
        self,
        *,
        guard: UrlGuard,
        user_agent: str,
        max_bytes: int = 5_000_000,
        timeout: float = 20.0,
        max_redirects: int = 10,
        concurrency: int = 16,
        per_host: int = 4,
        delay: float = 0.0,
        http2: bool = True,
        verify: bool | ssl.SSLContext = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        for name, value, minimum in (
            ("max_bytes", max_bytes, 0),
            ("timeout", timeout, 0.001),
            ("max_redirects", max_redirects, 0),
            ("concurrency", concurrency, 1),
            ("per_host", per_host, 1),
            ("delay", delay, 0.0),
        ):
            _check_positive(name, value, minimum=minimum)
        self.guard = guard
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.per_host = per_host
        self.delay = delay
        self._global = asyncio.Semaphore(concurrency)
        self._hosts: dict[str, _Host] = {}
        self.client = httpx.AsyncClient(
            transport=transport or PinnedTransport(guard, http2=http2, verify=verify),
            headers={
                "User-Agent": user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": accept_encoding(),
            },
            cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),  # stores nothing
            timeout=httpx.Timeout(timeout),
            limits=DEFAULT_LIMITS,
            follow_redirects=False,
            trust_env=False,  # environment proxies would connect where the guard cannot see
        )

    async def fetch(
        self, url: str, *, follow_redirects: bool = True, method: str = "GET"
    ) -> FetchResult:
        """Fetch ``url``; problems become ``error``/``error_kind``, never exceptions."""
        chain = _Chain(url=url, final_url=url)
        try:
            response = await self._follow(chain, follow_redirects, method.upper())
        except _CAUGHT as exc:
            return chain.failure(classify(exc), str(exc) or type(exc).__name__)
        return chain.success(response)

    def set_host_delay(self, url: str, seconds: float) -> None:
        """Space requests to the host of ``url`` by ``seconds`` (never less than ``delay``)."""
        _check_positive("delay", seconds, minimum=0.0)
        self._host(url).delay = max(seconds, self.delay)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _follow(self, chain: _Chain, follow: bool, method: str) -> _Response:
        url = _normalise(chain.url)
        seen = {url}
        while True:
            chain.final_url = url
            await self.guard.acheck(url)
            response, location = await self._request(chain, url, method)
            if not (follow and location and response.status in REDIRECT_STATUSES):
                return response
            target, problem = _resolve_location(url, location)
            chain.hops.append(Hop(url, response.status, target))
            chain.final_url = target
            if problem is not None:
                raise problem
            if target in seen:
                raise _RedirectError("redirect-loop", f"redirect loop: {target} seen twice")
            if len(chain.hops) > self.max_redirects:
                raise _RedirectError(
                    "too-many-redirects", f"more than {self.max_redirects} redirects"
                )
            seen.add(target)
            url = target

    async def _request(self, chain: _Chain, url: str, method: str) -> tuple[_Response, str | None]:
        async with self._slot(url):
            chain.started = start = time.monotonic()
            async with (
                asyncio.timeout(self.timeout),
                self.client.stream(method, url) as stream,
            ):
                ttfb_ms = _ms_since(start)
                body, truncated = await self._read(stream)
            response = _Response(
                url=url,
                status=stream.status_code,
                headers=stream.headers.multi_items(),
                body=body,
                truncated=truncated,
                http_version=stream.http_version,
                ttfb_ms=ttfb_ms,
                elapsed_ms=_ms_since(start),
            )
            chain.started = None
            chain.spent_ms += response.elapsed_ms
        return response, stream.headers.get("location")

    async def _read(self, stream: httpx.Response) -> tuple[bytes, bool]:
        body = bytearray()
        async for chunk in stream.aiter_bytes():
            body += chunk
            if len(body) > self.max_bytes:
                del body[self.max_bytes :]
                return bytes(body), True
        return bytes(body), False

    @asynccontextmanager
    async def _slot(self, url: str) -> AsyncIterator[None]:
        host = self._host(url)
        async with host.slots:
            async with host.start_lock:
                while (wait := host.last_start + host.delay - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                await self._global.acquire()
                host.last_start = time.monotonic()
            try:
                yield
            finally:
                self._global.release()

    def _host(self, url: str) -> _Host:
        key = host_key(url)
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(asyncio.Semaphore(self.per_host), self.delay)
        return host
