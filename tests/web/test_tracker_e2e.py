"""The tracker in Debian's Chromium against a real `pilotage serve`: what a site sends is
what the store holds."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

from pilotage.store.events import EventStore
from tests.browser_support import launch_chromium
from tests.server_support import Server, cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SITE = "shop.example"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def website(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "site"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


def page_html(collector: str, body: str) -> str:
    return (
        "<!doctype html><html><head><title>t</title>"
        f'<script defer data-domain="{SITE}" data-local data-allow-automation '
        f'src="{collector}/js/pilotage.js"></script></head><body>{body}</body></html>'
    )


def wait_loaded(url: str, count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(url + "/api/health").json()["loaded"] >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"the collector did not load {count} events")


def test_pageviews_and_a_purchase_reach_the_store(
    tmp_path: Path, website: tuple[str, Path]
) -> None:
    data = tmp_path / "data"
    assert cli(data, "sites", "add", SITE).returncode == 0
    server = Server(data).start()
    base, root = website
    try:
        (root / "index.html").write_text(
            page_html(server.url, '<a id="go" href="/about.html">About</a>')
        )
        (root / "about.html").write_text(page_html(server.url, "<p>About us</p>"))
        with sync_playwright() as p:
            browser = launch_chromium(p)
            context = browser.new_context(
                user_agent=FIREFOX, viewport={"width": 1280, "height": 800}
            )
            page = context.new_page()
            page.goto(base + "/index.html?utm_source=newsletter&utm_medium=email")
            page.wait_for_function("typeof window.pilotage === 'function'")
            page.click("#go")
            page.wait_for_url("**/about.html")
            page.wait_for_function("typeof window.pilotage === 'function'")
            page.evaluate(
                "() => new Promise(done => window.pilotage('Purchase', "
                "{props: {method: 'card'}, revenue: {amount: 42.5, currency: 'EUR'}, callback: done}))"
            )
            browser.close()
        wait_loaded(server.url, 3)
    finally:
        server.stop()
    with EventStore(data / "events.duckdb", read_only=True) as store:
        events = store.fetch(
            "SELECT name, pathname, utm_source, channel, browser, device, screen_width, is_bot, "
            "revenue_amount::DOUBLE AS amount, props, session_id FROM events ORDER BY ts"
        ).to_pylist()
        visit = store.fetch(
            "SELECT entry_page, exit_page, pageviews, is_bounce FROM sessions"
        ).to_pylist()
    assert [(e["name"], e["pathname"]) for e in events] == [
        ("pageview", "/index.html"),
        ("pageview", "/about.html"),
        ("Purchase", "/about.html"),
    ]
    assert {e["session_id"] for e in events} == {events[0]["session_id"]}
    first = events[0]
    assert (first["utm_source"], first["channel"]) == ("newsletter", "Email")
    assert (first["browser"], first["device"], first["screen_width"], first["is_bot"]) == (
        "Firefox",
        "Desktop",
        1280,
        False,
    )
    assert events[2]["amount"] == 42.5 and dict(events[2]["props"]) == {"method": "card"}
    assert visit == [
        {
            "entry_page": "/index.html",
            "exit_page": "/about.html",
            "pageviews": 2,
            "is_bounce": False,
        }
    ]
