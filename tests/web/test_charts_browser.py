"""Charts in Debian's Chromium under the dashboard's Content-Security-Policy (no inline
script, no eval): the vendored scripts and charts.js draw the specs of pilotage.charts,
in the page's language, after htmx swaps too, with hostile labels kept as text."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import vl_convert
from jinja2.utils import htmlsafe_json_dumps
from playwright.sync_api import Browser, Dialog, Page, sync_playwright

from pilotage import charts
from pilotage.analytics import Result, Row
from tests.browser_support import launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]
STATIC = Path(charts.__file__).parent / "web" / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
)
SCRIPTS = (
    "vendor/htmx.min.js",
    "vendor/vega.min.js",
    "vendor/vega-lite.min.js",
    "vendor/vega-embed.min.js",
    "js/charts.js",
)
XSS = "<img src=x onerror=alert(1)>"
BREAKOUT = "</script><img src=x onerror=alert(2)>"
# Installed before any page script, where the page's CSP does not apply.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""


class CSPHandler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


def chart_block(name: str, spec: dict[str, Any]) -> str:
    # Jinja's |tojson escapes <, >, & and ': a label cannot close the data block.
    return (
        f'<div class="chart" data-spec="{name}" style="width: 600px"></div>'
        f'<script type="application/json" id="{name}">{htmlsafe_json_dumps(spec)}</script>'
    )


def page_html(lang: str, body: str) -> str:
    tags = "".join(f'<script src="/static/{s}"></script>' for s in SCRIPTS)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<title>charts</title><link rel="icon" href="data:,">{tags}</head>'
        f"<body>{body}</body></html>"
    )


def bars() -> dict[str, Any]:
    rows = [("/a", 1234.5), (XSS, 20.0), (BREAKOUT, 10.0)]
    return charts.bar_spec(rows, title="Pages", value_label="Visiteurs")


def series(metric: str, *, compared: bool, locale: str = "fr") -> dict[str, Any]:
    """Three days of bounce rate (10, 20, 30 %) and visit duration (30, 60, 90 s)."""
    rows = tuple(
        Row((f"2024-03-0{d}",), (10 * d, 30 * d), (5 * d, 20), (f"2024-02-2{d}",))
        if compared
        else Row((f"2024-03-0{d}",), (10 * d, 30 * d))
        for d in (1, 2, 3)
    )
    result = Result(("bounce_rate", "visit_duration"), ("time:day",), rows, None, ("a", "b"))
    return charts.timeseries_spec(result, metric, labels={"current": "Période"}, locale=locale)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("site")
    (root / "static").symlink_to(STATIC)
    body = (
        chart_block("bars", bars())
        + chart_block("rates", series("bounce_rate", compared=True))
        + chart_block("durations", series("visit_duration", compared=False))
        + chart_block("funnel", charts.funnel_spec([("a", 4), ("b", 1)], labels={}))
    )
    zone = '<button hx-get="/fragment.html" hx-target="#zone">go</button><div id="zone"></div>'
    (root / "fr.html").write_text(page_html("fr", body + zone), encoding="utf-8")
    english = chart_block("bars", bars()) + chart_block(
        "rates", series("bounce_rate", compared=True, locale="en")
    )
    (root / "en.html").write_text(page_html("en", english), encoding="utf-8")
    (root / "inline.html").write_text(page_html("fr", "<script>1</script>"), encoding="utf-8")
    fragment = chart_block("swapped", charts.funnel_spec([("a", 4), ("b", 1)], labels={}))
    (root / "fragment.html").write_text(fragment, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(CSPHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


class Watched:
    """A page with its console messages, page errors and dialogs recorded."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.page: Page = browser.new_page()
        self.page.add_init_script(WATCH)
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("dialog", self._dialog)
        self.page.goto(url)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def violations(self) -> list[str]:
        found: list[str] = self.page.evaluate("window.__violations")
        return found

    def drawn(self, name: str) -> list[str]:
        self.page.wait_for_selector(f'.chart[data-spec="{name}"][data-chart-state="drawn"] svg')
        found: list[str] = self.page.locator(
            f'.chart[data-spec="{name}"] svg text'
        ).all_text_contents()
        return found


@pytest.fixture(scope="module")
def fr(browser: Browser, site: str) -> Iterator[Watched]:
    """The French page, shared by the tests that only read it or hover."""
    watched = Watched(browser, site + "/fr.html")
    yield watched
    watched.page.close()


def test_charts_draw_without_csp_violation(fr: Watched) -> None:
    for name in ("bars", "rates", "durations", "funnel"):
        assert fr.drawn(name)
    assert fr.violations() == []
    assert not [m for m in fr.console if m.startswith(("error", "warning", "pageerror"))]


def test_numbers_follow_the_page_language(fr: Watched, browser: Browser, site: str) -> None:
    assert "1\u00a0234,5" in fr.drawn("bars")
    assert {"20\u202f%", "2 mars"} <= set(fr.drawn("rates"))  # calculate, utc() ticks
    assert {"1 min", "1 min 20 s"} <= set(fr.drawn("durations"))  # labelExpr (interpreter)
    en = Watched(browser, site + "/en.html")
    assert "1,234.5" in en.drawn("bars") and {"20%", "Mar 2"} <= set(en.drawn("rates"))
    en.page.close()


def test_hostile_labels_stay_text(fr: Watched) -> None:
    assert {XSS, BREAKOUT} <= set(fr.drawn("bars"))
    fr.page.locator('.chart[data-spec="bars"] .mark-rect path').nth(1).hover()
    tooltip = fr.page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible")
    assert XSS in tooltip.inner_text()
    assert fr.page.locator("body img").count() == 0 and fr.dialogs == []


def test_charts_swapped_in_by_htmx_are_drawn(browser: Browser, site: str) -> None:
    watched = Watched(browser, site + "/fr.html")
    watched.drawn("bars")
    watched.page.click("button")
    assert "25\u202f%" in watched.drawn("swapped")  # a funnel of 4 then 1 visitors
    assert watched.violations() == []
    assert not [m for m in watched.console if m.startswith(("error", "warning", "pageerror"))]
    watched.page.close()


def test_the_violation_watch_sees_an_inline_script(browser: Browser, site: str) -> None:
    watched = Watched(browser, site + "/inline.html")
    watched.page.wait_for_load_state("load")
    assert any(v.startswith("script-src") for v in watched.violations())
    watched.page.close()


def test_browser_locales_are_d3s_as_vl_convert_bundles(fr: Watched) -> None:
    locales = fr.page.evaluate("window.pilotageCharts.locales")
    for lang, name in charts.D3_LOCALES.items():
        assert locales[lang]["format"] == vl_convert.get_format_locale(name)
        assert locales[lang]["time"] == vl_convert.get_time_format_locale(name)
