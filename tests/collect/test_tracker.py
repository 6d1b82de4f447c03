"""The JavaScript tracker, run in a real Chromium against real local HTTP servers.

Two servers on 127.0.0.1: ``site`` serves the test pages, the minified script from
``tracker_script()`` and the default endpoint ``/api/event``; ``other`` is a second origin,
for outbound links and a ``data-api`` endpoint. Both record every POST and OPTIONS request.
Expected values come from the test's own inputs (viewport, URLs it built), never from a
previous run of the tracker.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

from pilotage.collect.tracker import tracker_etag, tracker_script
from tests.browser_support import launch_chromium

pytestmark = pytest.mark.browser

VIEWPORT: ViewportSize = {"width": 1111, "height": 700}
# Tests run on 127.0.0.1 in an automated browser: both rules are lifted explicitly.
TEST_ATTRS = 'data-domain="example.com" data-local data-allow-automation'


@dataclass
class Request:
    method: str
    path: str
    content_type: str
    origin: str
    cookie: str | None
    body: dict[str, Any] | None


class Server(ThreadingHTTPServer):
    """A local HTTP server serving ``pages`` and recording POST and OPTIONS requests."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.requests: list[Request] = []
        self.changed = threading.Condition()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, request: Request) -> None:
        with self.changed:
            self.requests.append(request)
            self.changed.notify_all()

    def events(self) -> list[dict[str, Any]]:
        with self.changed:
            return [r.body for r in self.requests if r.method == "POST" and r.body is not None]

    def wait_for(self, ready: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 5
        with self.changed:
            while not ready(self.events()):
                if not self.changed.wait(deadline - time.monotonic()):
                    raise AssertionError(f"timed out; events so far: {self.events()}")
            return self.events()

    def wait_named(self, name: str) -> list[dict[str, Any]]:
        """Wait for an event called ``name``, then a little longer for any sent before it
        (the browser may deliver concurrent requests out of order)."""
        self.wait_for(lambda events: any(e["n"] == name for e in events))
        time.sleep(0.2)
        return self.events()


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith("/files/"):
            self.send_response(204)  # a 204 leaves the browser on the page that linked
            self.end_headers()
            return
        content_type, body = self.server.pages.get(path, ("text/plain", b""))
        self.send_response(200 if path in self.server.pages else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.remember(json.loads(raw))
        self.send_response(202)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()

    def do_OPTIONS(self) -> None:
        self.remember(None)
        self.send_response(204)
        self.end_headers()

    def remember(self, body: dict[str, Any] | None) -> None:
        get = self.headers.get
        request = Request(
            self.command, self.path, get("Content-Type", ""), get("Origin", ""), get("Cookie"), body
        )
        self.server.record(request)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Server, Server]]:
    started = (Server(), Server())
    for server in started:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    started[0].pages["/js/pilotage.js"] = ("text/javascript", tracker_script())
    yield started
    for server in started:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site(servers: tuple[Server, Server]) -> Server:
    for server in servers:
        server.requests.clear()
    return servers[0]


@pytest.fixture
def other(servers: tuple[Server, Server], site: Server) -> Server:
    return servers[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=VIEWPORT)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def serve(
    server: Server,
    path: str,
    body: str = "",
    attrs: str = TEST_ATTRS,
    head: str = "",
    script: str = "",
) -> str:
    """Publish a page on ``server`` that loads the tracker from ``script`` (an origin, by
    default the server's own); return the page's URL."""
    html = (
        f"<!doctype html><html><head>{head}"
        f'<script defer {attrs} src="{script or server.origin}/js/pilotage.js"></script>'
        f"</head><body>{body}</body></html>"
    )
    server.pages[path.split("?")[0]] = ("text/html; charset=utf-8", html.encode())
    return server.origin + path


def track(page: Page, name: str, options: dict[str, Any] | None = None) -> None:
    """Send a custom event and wait until the tracker calls its callback."""
    page.evaluate(
        "([name, options]) => new Promise(done => pilotage(name, {...options, callback: done}))",
        [name, options or {}],
    )


def paths(events: list[dict[str, Any]], name: str = "pageview") -> list[str]:
    """The sorted paths (with query and fragment) of the events called ``name``."""
    return sorted("/" + e["u"].split("/", 3)[3] for e in events if e["n"] == name)


def test_pageview_payload(site: Server, page: Page) -> None:
    url = serve(site, "/article?id=7")
    site.pages["/from"] = ("text/html", f'<a href="{url}">read</a>'.encode())
    page.goto(site.origin + "/from")
    page.click("a")
    [event] = site.wait_for(lambda events: len(events) == 1)
    [request] = site.requests
    referrer = site.origin + "/from"
    assert event == {"n": "pageview", "u": url, "d": "example.com", "r": referrer, "w": 1111}
    assert (request.method, request.path) == ("POST", "/api/event")
    assert request.content_type.startswith("text/plain")


def test_default_endpoint_is_the_script_origin_without_preflight(
    site: Server, other: Server, page: Page
) -> None:
    url = serve(other, "/elsewhere", attrs="data-local data-allow-automation", script=site.origin)
    page.goto(url)
    [event] = site.wait_for(lambda events: len(events) == 1)
    assert (event["u"], event["d"]) == (url, "127.0.0.1")
    assert [(r.method, r.path, r.origin) for r in site.requests] == [
        ("POST", "/api/event", other.origin)
    ]
    assert other.requests == []


def test_spa_navigation_counts_each_new_path_once(site: Server, page: Page) -> None:
    page.goto(serve(site, "/app"))
    page.evaluate("""() => {
        history.pushState({}, '', '/app/a');
        history.pushState({}, '', '/app/b');
        history.pushState({}, '', '/app/b');
        history.replaceState({}, '', '/app/b?tab=2');
        history.replaceState({}, '', '/app/c');
    }""")
    track(page, "marker")
    assert paths(site.wait_named("marker")) == ["/app", "/app/a", "/app/b", "/app/c"]


def test_back_button_is_a_pageview(site: Server, page: Page) -> None:
    page.goto(serve(site, "/start"))
    page.evaluate("() => history.pushState({}, '', '/next')")
    page.go_back()
    events = site.wait_for(lambda events: len(events) == 3)
    assert paths(events) == ["/next", "/start", "/start"]


def test_hash_mode_counts_hash_routes(site: Server, page: Page) -> None:
    page.goto(serve(site, "/hashed", attrs=TEST_ATTRS + " data-hash"))
    page.evaluate("() => { location.hash = '#/settings' }")
    events = site.wait_for(lambda events: len(events) == 2)
    assert paths(events) == ["/hashed", "/hashed#/settings"]
    assert {e["h"] for e in events} == {1}


def test_hash_change_without_hash_mode_is_not_a_pageview(site: Server, page: Page) -> None:
    page.goto(serve(site, "/plain"))
    page.evaluate("() => { location.hash = '#section' }")
    track(page, "marker")
    assert paths(site.wait_named("marker")) == ["/plain"]


def test_outbound_click_survives_navigation(site: Server, other: Server, page: Page) -> None:
    landing = other.origin + "/landing"
    other.pages["/landing"] = ("text/html", b"<p>landed</p>")
    page.goto(serve(site, "/links", body=f'<a href="{landing}?from=us">partner</a>'))
    page.click("a")
    page.wait_for_url(landing + "?from=us")
    events = site.wait_for(lambda events: len(events) == 2)
    [click] = [e for e in events if e["n"] == "Outbound Link: Click"]
    assert click["p"] == {"url": landing + "?from=us"}


@pytest.mark.parametrize(("button", "modifiers"), [("middle", []), ("left", ["Control"])])
def test_outbound_click_in_new_tab(
    site: Server, other: Server, page: Page, button: Any, modifiers: Any
) -> None:
    landing = other.origin + "/tab"
    page.goto(serve(site, "/tabs", body=f'<a href="{landing}">partner</a>'))
    page.click("a", button=button, modifiers=modifiers)
    events = site.wait_for(lambda events: len(events) == 2)
    assert [e["p"] for e in events if e["n"] == "Outbound Link: Click"] == [{"url": landing}]


def test_file_download_keeps_only_the_file_address(site: Server, page: Page) -> None:
    body = (
        # the page's own handler stops propagation: the tracker listens in the capture phase
        '<a id="file" href="/files/report.PDF?token=secret#p2" '
        'onclick="event.stopPropagation()">report</a>'
        '<a id="inside" href="/files/page">same site</a>'
    )
    page.goto(serve(site, "/downloads", body=body))
    page.click("#inside")
    page.click("#file")
    events = site.wait_named("File Download")
    assert sorted(e["n"] for e in events) == ["File Download", "pageview"]
    [download] = [e for e in events if e["n"] == "File Download"]
    assert download["p"] == {"url": site.origin + "/files/report.PDF"}


def test_requests_use_keepalive_and_a_text_body(site: Server, page: Page) -> None:
    # A fast local server cannot show a request cut off by unload, so check the two request
    # options that guarantee it: keepalive, and a string body (text/plain, a simple request).
    spy = """const sent = window.sentOptions = [], realFetch = window.fetch;
        window.fetch = (url, options) => (sent.push(options), realFetch(url, options));"""
    page.add_init_script(spy)
    page.goto(serve(site, "/spied"))
    site.wait_for(lambda events: len(events) == 1)
    options = page.evaluate("() => sentOptions.map(o => [o.method, o.keepalive, typeof o.body])")
    assert options == [["POST", True, "string"]]


def test_custom_event_with_props_and_revenue(site: Server, page: Page) -> None:
    page.goto(serve(site, "/shop"))
    revenue = {"amount": 12.5, "currency": "EUR"}
    track(page, "Purchase", {"props": {"plan": "pro"}, "revenue": revenue})
    track(page, "Scrolled", {"interactive": False})
    events = site.wait_for(lambda events: len(events) == 3)
    by_name = {e["n"]: e for e in events}
    assert by_name["Purchase"]["p"] == {"plan": "pro"}
    assert by_name["Purchase"]["$"] == revenue
    assert "i" not in by_name["Purchase"]
    assert by_name["Scrolled"]["i"] is False
    assert by_name["Scrolled"]["u"] == site.origin + "/shop"


def test_calls_queued_before_load_are_replayed(site: Server, page: Page) -> None:
    stub = (
        "<script>window.pilotage = window.pilotage || function () {"
        "(window.pilotage.q = window.pilotage.q || []).push(arguments) };"
        "pilotage('Early', {props: {step: 1}});</script>"
    )
    page.goto(serve(site, "/early", head=stub))
    events = site.wait_for(lambda events: len(events) == 2)
    assert sorted((e["n"], e.get("p")) for e in events) == [
        ("Early", {"step": 1}),
        ("pageview", None),
    ]
    assert page.evaluate("() => window.pilotage.q") is None


def test_opt_out_flag_stops_sending(site: Server, page: Page) -> None:
    page.add_init_script("localStorage.pilotage_ignore = 'true'")
    page.goto(serve(site, "/private"))
    track(page, "ignored")
    page.evaluate("() => localStorage.removeItem('pilotage_ignore')")
    track(page, "marker")
    assert [e["n"] for e in site.wait_named("marker")] == ["marker"]


def test_data_api_sends_elsewhere(site: Server, other: Server, page: Page) -> None:
    page.goto(serve(site, "/custom", attrs=f'{TEST_ATTRS} data-api="{other.origin}/collect"'))
    [event] = other.wait_for(lambda events: len(events) == 1)
    assert event["u"] == site.origin + "/custom"
    assert [(r.method, r.path) for r in other.requests] == [("POST", "/collect")]
    assert site.requests == []


@pytest.mark.parametrize(
    ("attrs", "reason"),
    [
        ('data-domain="example.com" data-allow-automation', "loopback host"),
        ('data-domain="example.com" data-local', "navigator.webdriver"),
    ],
)
def test_local_and_automated_browsers_are_ignored(
    site: Server, page: Page, attrs: str, reason: str
) -> None:
    assert page.evaluate("() => navigator.webdriver") is True  # Playwright's Chromium
    page.goto(serve(site, "/dev", attrs=attrs))
    track(page, "ignored")
    page.goto(serve(site, "/dev-allowed"))
    assert paths(site.wait_named("pageview")) == ["/dev-allowed"], reason


def test_nothing_is_stored_in_the_browser(
    site: Server, page: Page, context: BrowserContext
) -> None:
    page.goto(serve(site, "/quiet"))
    page.evaluate("() => history.pushState({}, '', '/quiet/2')")
    track(page, "Clicked", {"props": {"a": "b"}})
    site.wait_for(lambda events: len(events) == 3)
    stored = page.evaluate("""async () => [document.cookie, localStorage.length,
        sessionStorage.length, (await indexedDB.databases()).length]""")
    assert stored == ["", 0, 0, 0]
    assert context.cookies() == []
    assert {r.cookie for r in site.requests} == {None}


def test_script_is_under_one_kilobyte_gzipped() -> None:
    assert len(gzip.compress(tracker_script(), 9)) <= 1024


def test_script_is_minified_once_and_etag_follows_content() -> None:
    assert tracker_script() is tracker_script()
    assert b"/*" not in tracker_script()
    etag = tracker_etag()
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 10
