"""Renderer against a real 127.0.0.1 server in Debian's Chromium.

The guard of these tests lets exactly the test server through (its ``check`` accepts
that origin, and ``allow_private`` lets the pinned transport connect to loopback);
every other URL meets the strict default ``UrlGuard``, so the private and link-local
targets the pages reach for are refused by the real address rules.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from pilotage.crawl.guard import UrlGuard
from pilotage.crawl.render import Document, Rendered, Renderer, default_executable

pytestmark = pytest.mark.browser

UA = "PilotageBot/0.1 (+https://example.org/bot)"

JS_PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>
<script>
document.title = "Built by script";
const h1 = document.createElement("h1"); h1.textContent = "Hello from JS";
document.body.append(h1);
for (const path of ["/a", "/b"]) {
  const a = document.createElement("a"); a.href = path; a.textContent = "go " + path;
  document.body.append(a);
}
</script></body></html>"""

LEAK_PAGE = b"""<!doctype html><html><head><title>leak</title></head><body>
<img src="/pic.png">
<script>
try { new WebSocket("ws://127.0.0.1:PORT/ws"); } catch (e) {}
const targets = ["http://10.0.0.1/secret", "http://169.254.169.254/latest/meta-data/",
                 "/to-metadata"];
Promise.allSettled(targets.map((u) => fetch(u))).then(() =>
  fetch("/api/data").then((r) => r.text()).then((t) => {
    const p = document.createElement("p"); p.id = "data"; p.textContent = t;
    document.body.append(p);
  }));
</script></body></html>"""

SLOW_SCRIPT_PAGE = b"""<!doctype html><html><head><title>slow</title></head><body>
<script>fetch("/sleep");</script></body></html>"""

MISSING_PAGE = b"""<!doctype html><html><head><title>raw</title></head><body>
<script>document.title = "Not found (JS)";</script></body></html>"""


@dataclass
class Site:
    base: str = ""
    paths: list[str] = field(default_factory=list)


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    routes: dict[str, tuple[int, list[tuple[str, str]], bytes]] = {
        "/js": (200, [], JS_PAGE),
        "/slow-script": (200, [], SLOW_SCRIPT_PAGE),
        "/missing": (404, [], MISSING_PAGE),
        "/old": (301, [("Location", "/js")], b""),
        "/to-metadata": (302, [("Location", "http://169.254.169.254/latest/")], b""),
        "/api/data": (200, [("Content-Type", "text/plain")], b"same-site data"),
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            site.paths.append(self.path)
            if self.path == "/sleep":
                time.sleep(3)
            reply = routes.get(self.path, (404, [], b"nothing here"))
            if self.path == "/leak":
                port = self.headers["Host"].rsplit(":", 1)[1].encode()
                reply = (200, [], LEAK_PAGE.replace(b"PORT", port))
            status, headers, body = reply
            self.send_response(status)
            if not any(name == "Content-Type" for name, _ in headers):
                self.send_header("Content-Type", "text/html; charset=utf-8")
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    state = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


class OnlySite(UrlGuard):
    """The test server's origin passes; any other URL meets the strict default guard."""

    def __init__(self, origin: str) -> None:
        super().__init__(allow_private=True)
        self.origin = origin
        self.strict = UrlGuard()

    def check(self, url: str) -> None:
        if not url.startswith(self.origin + "/"):
            self.strict.check(url)


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as running:
        yield running


@contextmanager
def started(runner: asyncio.Runner, guard: UrlGuard, **options: Any) -> Iterator[Renderer]:
    renderer = Renderer(guard=guard, user_agent=UA, **options)
    runner.run(renderer.__aenter__())
    try:
        yield renderer
    finally:
        runner.run(renderer.__aexit__(None, None, None))


@pytest.fixture(scope="module")
def renderer(runner: asyncio.Runner, site: Site) -> Iterator[Renderer]:
    with started(runner, OnlySite(site.base)) as running:
        yield running


@pytest.fixture
def render(runner: asyncio.Runner, renderer: Renderer) -> Callable[..., Rendered]:
    def call(url: str, document: Document | None = None) -> Rendered:
        return runner.run(renderer.render(url, document))

    return call


def test_default_executable_is_debian_chromium() -> None:
    assert default_executable() == "/usr/bin/chromium"


def test_script_built_title_heading_and_links_are_in_the_rendered_html(
    site: Site, render: Callable[..., Rendered]
) -> None:
    raw = LexborHTMLParser(JS_PAGE)
    assert raw.css_first("title") is None and raw.css_first("h1") is None
    result = render(site.base + "/js")
    assert result.error is None, result.error
    dom = LexborHTMLParser(result.html)
    title, h1 = dom.css_first("title"), dom.css_first("h1")
    assert title is not None and title.text() == "Built by script"
    assert h1 is not None and h1.text() == "Hello from JS"
    assert [a.attributes["href"] for a in dom.css("a")] == ["/a", "/b"]
    assert (result.status, result.final_url) == (200, site.base + "/js")


def test_private_targets_are_refused_and_nothing_escapes_the_route(
    site: Site, render: Callable[..., Rendered]
) -> None:
    result = render(site.base + "/leak")
    assert result.error is None, result.error
    assert set(result.blocked) == {
        "http://10.0.0.1/secret",
        "http://169.254.169.254/latest/meta-data/",
        site.base + "/to-metadata",  # its redirect hop goes to the link-local address
    }
    data = LexborHTMLParser(result.html).css_first("#data")
    assert data is not None and data.text() == "same-site data"  # allowed requests still work
    # Page.route does not see WebSockets: this one met the browser's dead-end proxy (Chromium's
    # own local-network checks would stop it too, with another message, so the message is tested)
    assert "/ws" not in site.paths
    ws_errors = [text for text in result.console_errors if "/ws' failed" in text]
    assert len(ws_errors) == 1 and "ERR_PROXY_CONNECTION_FAILED" in ws_errors[0]
    assert not any("BLOCKED_BY_CLIENT" in text for text in result.console_errors)  # our aborts
    assert "/pic.png" not in site.paths  # media blocked by default


def test_a_strict_guard_refuses_the_loopback_site_before_any_request(
    site: Site, runner: asyncio.Runner
) -> None:
    before = len(site.paths)
    with started(runner, UrlGuard()) as strict:
        result = runner.run(strict.render(site.base + "/js"))
    assert result.error is not None and "loopback" in result.error
    assert (result.status, result.html, site.paths[before:]) == (0, b"", [])


def test_a_page_that_never_settles_times_out(site: Site, runner: asyncio.Runner) -> None:
    with started(runner, OnlySite(site.base), timeout=1.0) as hasty:
        result = runner.run(hasty.render(site.base + "/slow-script"))
    assert result.error is not None and result.error.startswith("timeout"), result.error
    assert result.elapsed_ms < 2900  # the /sleep request lasts 3 s
    assert result.status == 200


def test_a_404_keeps_its_status_and_is_still_rendered(
    site: Site, render: Callable[..., Rendered]
) -> None:
    result = render(site.base + "/missing")
    assert result.error is None, result.error
    assert result.status == 404
    title = LexborHTMLParser(result.html).css_first("title")
    assert title is not None and title.text() == "Not found (JS)"


def test_a_redirect_gives_the_final_url(site: Site, render: Callable[..., Rendered]) -> None:
    result = render(site.base + "/old")
    assert result.error is None, result.error
    assert (result.status, result.final_url) == (200, site.base + "/js")
    assert b"Hello from JS" in result.html


def test_a_document_handed_over_is_rendered_without_fetching_it_again(
    site: Site, render: Callable[..., Rendered]
) -> None:
    before = len(site.paths)
    url = site.base + "/handed"
    headers = [("content-type", "text/html; charset=utf-8")]
    result = render(url, Document(url, 200, headers, JS_PAGE))
    assert result.error is None, result.error
    assert b"Built by script" in result.html
    assert "/handed" not in site.paths[before:]


def test_a_page_error_is_reported_not_raised(site: Site, render: Callable[..., Rendered]) -> None:
    url = site.base + "/broken"
    body = b"<html><body><script>undefinedFunction();</script></body></html>"
    page = Document(url, 200, [("content-type", "text/html")], body)
    result = render(url, page)
    assert result.error is None
    assert any("undefinedFunction" in text for text in result.console_errors)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/", "javascript:alert(1)"])
def test_other_schemes_are_refused(url: str, render: Callable[..., Rendered]) -> None:
    result = render(url)
    assert result.error is not None and "only http and https" in result.error
    assert (result.status, result.html) == (0, b"")
