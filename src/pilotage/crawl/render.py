"""Optional JavaScript rendering: a page as headless Chromium sees it once its scripts ran.

Some sites build their titles, headings and links in JavaScript, so the raw HTML the
crawler fetched says little. ``Renderer.render`` loads the page in Debian's Chromium
through Playwright and returns the serialised DOM (``page.content()``) for the same
parser as fetched pages.

SSRF: the browser must not be a way around ``UrlGuard``. Chromium never opens a
network connection of its own here:

1. every request a page makes (document, subresource, XHR/fetch, iframe, navigation)
   is intercepted with ``page.route`` and fetched by *our* httpx client, whose
   ``PinnedTransport`` connects only to the addresses the guard approved at the moment
   of connecting; each URL, redirect hops included, is also checked with
   ``UrlGuard.check`` (in a thread: it resolves DNS) through an httpx request hook.
   Refused requests are aborted and listed in ``Rendered.blocked``. So DNS rebinding
   is closed for subresources too, not only for the main document: Chromium's own
   resolver is never asked.
2. whatever Playwright does not route (WebSockets, WebRTC, preconnects, any worker
   request it misses) meets a dead end: Chromium is launched with every host name
   unresolvable (``--host-resolver-rules=MAP * ~NOTFOUND``), a proxy that cannot exist
   (the reserved ``.invalid`` TLD, RFC 6761) for every destination, IP literals and
   loopback included (``--proxy-bypass-list=<-loopback>``; Chromium has no fallback to
   a direct connection), and WebRTC limited to proxied UDP, i.e. none.
3. non-http(s) schemes are aborted, except ``data:`` and ``blob:`` (local to the page);
   service workers are blocked (they would fetch outside the route), downloads are
   refused, and each page gets a fresh browser context, so nothing (cookies, storage,
   cache) passes from one page to the next.

Costs of that design: subresources are fetched in Python, and a subresource's redirect
is followed by httpx, so a script sees the first URL of the chain as the response URL
(Chromium does not route a redirect it was handed). The main document is fetched first
(or handed over by the crawler, which already has it), and the browser is pointed at
its final URL, so ``document.URL`` and relative links are right.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Browser, BrowserContext, Page, Playwright, Route, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from pilotage.crawl.errors import FetchError, UrlRefused
from pilotage.crawl.guard import UrlGuard
from pilotage.crawl.transport import PinnedTransport
from pilotage.errors import InvalidInput

DEBIAN_CHROMIUM = "/usr/bin/chromium"
MEDIA_TYPES = frozenset({"image", "media", "font"})
LOCAL_SCHEMES = frozenset({"data", "blob"})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", ""})
# Headers that describe the wire, not the resource: httpx already decoded the body.
WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection"})
REQUEST_DROP = frozenset({"host", "content-length", "connection", "accept-encoding"})
MAX_CONSOLE = 50
# What Chromium writes to the console for route.abort("blockedbyclient"): our doing, not the page's.
OUR_ABORT = "net::ERR_BLOCKED_BY_CLIENT"
MAX_REDIRECTS = 10
# Chromium flags: the first five keep the browser quiet and offline on its own account;
# the next four are the network dead end of point 2 in the module docstring.
CHROMIUM_ARGS = (
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://proxy.invalid:9",
    "--proxy-bypass-list=<-loopback>",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)

Wait = Literal["networkidle", "load"]


@dataclass(frozen=True)
class Document:
    """A main document already fetched (by the crawler): served to the browser as is."""

    final_url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Rendered:
    """One rendered page. ``status`` is the document's HTTP status (0 when the document
    itself could not be fetched); ``error`` is set whenever rendering failed, and then
    ``html`` may be empty. ``blocked`` lists the requests the guard or the scheme rule
    refused."""

    url: str
    final_url: str
    status: int
    headers: list[tuple[str, str]]
    html: bytes
    elapsed_ms: float
    error: str | None = None
    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    truncated: bool = False


def default_executable() -> str | None:
    """Debian's Chromium when installed, else None (Playwright's own browser)."""
    return DEBIAN_CHROMIUM if os.path.exists(DEBIAN_CHROMIUM) else None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def _is_html(headers: list[tuple[str, str]]) -> bool:
    value = next((v for k, v in headers if k.lower() == "content-type"), "")
    return value.split(";", 1)[0].strip().lower() in HTML_TYPES


def _fulfil_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key in WIRE_HEADERS:
            continue
        sep = "\n" if key == "set-cookie" else ", "
        joined[key] = f"{joined[key]}{sep}{value}" if key in joined else value
    return joined


class _TooLarge(Exception):
    pass


class Renderer:
    """Renders pages in headless Chromium (Playwright), for sites built in JavaScript."""

    def __init__(
        self,
        *,
        guard: UrlGuard,
        user_agent: str,
        executable: str | None = None,
        pages: int = 2,
        timeout: float = 20.0,
        wait: Wait = "networkidle",
        max_bytes: int = 5_000_000,
        block_media: bool = True,
    ) -> None:
        if pages < 1:
            raise InvalidInput(f"rendering pages must be at least 1, not {pages}", field="pages")
        if timeout <= 0:
            raise InvalidInput(f"render timeout must be positive, not {timeout}", field="timeout")
        if wait not in ("networkidle", "load"):
            raise InvalidInput(f"wait must be networkidle or load, not {wait!r}", field="wait")
        self.guard = guard
        self.user_agent = user_agent
        self.executable = executable or default_executable()
        self.timeout = timeout
        self.wait: Wait = wait
        self.max_bytes = max_bytes
        self.block_media = block_media
        self._slots = asyncio.Semaphore(pages)
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Renderer:
        self._client = httpx.AsyncClient(
            transport=PinnedTransport(self.guard),
            headers={"user-agent": self.user_agent},
            timeout=self.timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            trust_env=False,
            event_hooks={"request": [self._check_request]},
        )
        self._playwright = await async_playwright().start()
        try:
            self._browser = await self._playwright.chromium.launch(
                executable_path=self.executable, headless=True, args=list(CHROMIUM_ARGS)
            )
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._browser is not None:
            await self._browser.close()
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _check_request(self, request: httpx.Request) -> None:
        """Every request of our client, redirect hops included, passes the guard."""
        await asyncio.to_thread(self.guard.check, str(request.url))

    # -- one page -------------------------------------------------------------------------

    async def render(self, url: str, document: Document | None = None) -> Rendered:
        """Render ``url``; ``document`` is its response when the caller already fetched it.

        Never raises for a page's fault: a refused URL, a network error, a timeout or a
        browser error becomes ``Rendered.error``.
        """
        if self._browser is None:
            raise RuntimeError("Renderer.render called outside 'async with Renderer(...)'")
        result = Rendered(url, url, 0, [], b"", 0.0)
        async with self._slots:
            began = time.monotonic()  # waiting for a slot is not the page's time
            try:
                await self._render(url, document, result)
            except (TimeoutError, PlaywrightTimeout):
                result.error = f"timeout: page not rendered within {self.timeout:g} s"
            except (UrlRefused, FetchError, httpx.HTTPError, PlaywrightError, _TooLarge) as exc:
                result.error = _one_line(exc)
            result.elapsed_ms = round((time.monotonic() - began) * 1000, 1)
        return result

    async def _render(self, url: str, document: Document | None, result: Rendered) -> None:
        deadline = asyncio.get_running_loop().time() + self.timeout
        if document is None:
            async with asyncio.timeout_at(deadline):
                document = await self._fetch_document(url)
        result.final_url, result.status = document.final_url, document.status
        result.headers = document.headers
        if not _is_html(document.headers):
            result.error = "not an HTML page: nothing to render"
            return
        assert self._browser is not None
        context = await self._browser.new_context(
            user_agent=self.user_agent, service_workers="block", accept_downloads=False
        )
        try:  # the context is closed even when the deadline cut the page short
            async with asyncio.timeout_at(deadline):
                await self._load(context, document, result)
        finally:
            await context.close()

    async def _load(self, context: BrowserContext, document: Document, result: Rendered) -> None:
        page = await self._open(context, document, result)
        await page.goto(document.final_url, wait_until=self.wait, timeout=self.timeout * 1000)
        result.final_url = page.url
        html = (await page.content()).encode("utf-8")
        result.truncated = len(html) > self.max_bytes
        result.html = html[: self.max_bytes]

    async def _open(self, context: BrowserContext, document: Document, result: Rendered) -> Page:
        page = await context.new_page()
        served = False

        async def route(route: Route) -> None:
            nonlocal served
            request = route.request
            main = request.is_navigation_request() and request.frame == page.main_frame
            if main and not served and request.url == document.final_url:
                served = True
                await self._answer(route, document.status, document.headers, document.body)
            else:
                await self._route(route, result)

        def console(message_type: str, text: str) -> None:
            if message_type != "error" or OUR_ABORT in text:  # our aborts are in ``blocked``
                return
            if len(result.console_errors) < MAX_CONSOLE:
                result.console_errors.append(text[:500])

        page.on("console", lambda msg: console(msg.type, msg.text))
        page.on("pageerror", lambda exc: console("error", str(exc)))
        await page.route("**/*", route)
        return page

    # -- requests ---------------------------------------------------------------------------

    async def _route(self, route: Route, result: Rendered) -> None:
        request = route.request
        scheme = urlsplit(request.url).scheme.lower()
        if scheme in LOCAL_SCHEMES:
            await self._quietly(route.continue_())
            return
        if scheme not in ("http", "https"):
            result.blocked.append(request.url)
            await self._quietly(route.abort("blockedbyclient"))
            return
        if self.block_media and request.resource_type in MEDIA_TYPES:
            await self._quietly(route.abort("blockedbyclient"))
            return
        try:
            fetched = await self._fetch(
                request.method, request.url, request.headers, request.post_data_buffer
            )
        except UrlRefused:
            result.blocked.append(request.url)
            await self._quietly(route.abort("blockedbyclient"))
            return
        except (FetchError, httpx.HTTPError, _TooLarge):
            await self._quietly(route.abort("failed"))
            return
        await self._answer(route, fetched.status, fetched.headers, fetched.body)

    async def _answer(
        self, route: Route, status: int, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        await self._quietly(
            route.fulfill(status=status, headers=_fulfil_headers(headers), body=body)
        )

    @staticmethod
    async def _quietly(action: Awaitable[None]) -> None:
        """Run a route action; the page may have closed meanwhile, which is not an error."""
        with contextlib.suppress(PlaywrightError):
            await action

    async def _fetch_document(self, url: str) -> Document:
        return await self._fetch("GET", url, {}, None)

    async def _fetch(
        self, method: str, url: str, headers: dict[str, str], content: bytes | None
    ) -> Document:
        """One request through the pinned client, redirects followed, body capped."""
        assert self._client is not None
        sent = {k: v for k, v in headers.items() if k.lower() not in REQUEST_DROP}
        request = self._client.build_request(method, url, headers=sent, content=content)
        response = await self._client.send(request, stream=True)
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise _TooLarge(f"{url!r} is larger than {self.max_bytes} bytes")
                chunks.append(chunk)
        finally:
            await response.aclose()
        headers_out = list(response.headers.multi_items())
        return Document(str(response.url), response.status_code, headers_out, b"".join(chunks))
