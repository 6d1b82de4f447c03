"""The SEO and watch pages in Debian's Chromium, against a real `pilotage serve`.

A user starts a crawl of the SEO test site (tests/data/seo_site) through the page's form,
waits for the crawl page to reload itself when the crawl is over, and reads the audit:
headline figures, the two charts, issues that open on click with their explanation and
affected URLs (compared with the hand-written golden list). On the watch pages the user
adds monitors on a local competitor's site whose pages change between two "check now"
clicks, reads the diff (a script written in the competitor's page stays text), a price
chart, and fills the competitor benchmark until its positioning map is drawn. axe-core
checks each page; screenshots go to test-artifacts/screenshots.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Dialog, Locator, Page, Response, expect

from pilotage import accounts
from pilotage.config import load_settings
from pilotage.instance import Instance
from pilotage.seo.audit import CHECKS
from pilotage.sites import add_site
from tests.seo.site_server import serve_seo_site
from tests.server_support import Server
from tests.watch.watch_site import WatchSite, news_page, product_page, serve_watch_site
from tests.web.test_app_browser import axe_violations, browser, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser"]  # the module-scoped Chromium fixture, shared with test_app_browser
SITE = "meubles.example"
OWNER = ("owner@meubles.example", "a long owner passphrase")
GOLDEN: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "data" / "seo_site_golden.json").read_text("utf-8")
)
CHART_DRAWN = "svg, canvas"
XSS_TEXT = "<script>alert('diff')</script>"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, str]]:
    data = tmp_path_factory.mktemp("seo-watch") / "data"
    inst = Instance(load_settings(data_dir=data))
    with inst.app.session() as s:  # in-process: two CLI runs would cost seconds
        add_site(s, SITE)
        accounts.create_user(s, *OWNER, is_owner=True)
    inst.close()
    with pytest.MonkeyPatch.context() as env:  # only the server process sees it
        env.setenv("PILOTAGE_WATCH_ALLOW_PRIVATE", "true")
        running = Server(data).start()
    try:
        yield running, *OWNER
    finally:
        running.stop()


@pytest.fixture
def page(browser: Browser, server: tuple[Server, str, str]) -> Iterator[Page]:
    srv, email, password = server
    context = browser.new_context(base_url=srv.url, locale="en-US")
    p = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:  # alert() from a competitor's page: a failure
        dialogs.append(dialog.message)
        dialog.dismiss()

    p.on("dialog", on_dialog)
    p.goto("/login")
    p.fill("#email", email)
    p.fill("#password", password)
    p.click("button[type=submit].primary")
    expect(p).not_to_have_url(re.compile(r"/login"))
    if p.locator("html").get_attribute("lang") != "en":  # a test chose French: the
        p.get_by_role("button", name="EN").click()  # language is the user's setting
    expect(p.locator("html")).to_have_attribute("lang", "en")
    yield p
    context.close()
    assert dialogs == [], f"a script ran: {dialogs}"


def submit_form(page: Page, button: Locator) -> dict[str, str]:
    """Click a form's submit button; the fields the browser posted, once it has answered."""
    with page.expect_request(lambda r: r.method == "POST") as request:
        button.click()
    page.wait_for_load_state()
    body = request.value.post_data or ""
    return dict(pair.split("=", 1) for pair in body.split("&") if "=" in pair)


def expect_charts(page: Page, count: int) -> None:
    charts = page.locator(".chart")
    expect(charts).to_have_count(count)
    for n in range(count):
        expect(charts.nth(n).locator(CHART_DRAWN).first).to_be_visible(timeout=15_000)


def figure(page: Page, label: str) -> int:
    card = page.locator(".card-metric").filter(has=page.get_by_text(label, exact=True))
    return int(re.sub(r"\D", "", card.locator(".value").inner_text()))


def issue(page: Page, check_id: str) -> Locator:
    title = CHECKS[check_id].title
    return page.locator("details.issue").filter(has=page.get_by_text(title, exact=True))


def golden(check_id: str) -> list[dict[str, str]]:
    return [i for i in GOLDEN["issues"] if i["check"] == check_id]


def start_crawl(page: Page, url: str) -> list[Response]:
    """Submit the crawl form as a user; the answers of the page's /progress polls."""
    polls: list[Response] = []
    page.on("response", lambda r: polls.append(r) if r.url.endswith("/progress") else None)
    page.goto(f"/sites/{SITE}/seo")
    page.fill("#url", url)
    page.fill("#max_pages", "60")
    posted = submit_form(page, page.get_by_role("button", name="Crawl and audit"))
    assert posted.get("csrf") and posted["max_pages"] == "60"
    expect(page).to_have_url(re.compile(rf"/sites/{re.escape(SITE)}/seo/[^/]+$"))
    return polls


def test_seo_crawl_from_the_form_to_the_audit(
    page: Page, browser: Browser, server: tuple[Server, str, str]
) -> None:
    with serve_seo_site() as served:
        polls = start_crawl(page, served.site.url + "/")
        # htmx polls /progress; the finished crawl answers HX-Refresh and the page reloads
        expect(page.locator("#issues-title")).to_be_visible(timeout=45_000)
    assert any(r.headers.get("hx-refresh") == "true" for r in polls)
    pages, html_pages = figure(page, "Pages"), figure(page, "HTML pages")
    on_site = {i["url"] for i in GOLDEN["issues"] if not i["url"].startswith("http")}
    assert len(on_site) <= pages and 0 < html_pages <= pages
    errors = [i for i in GOLDEN["issues"] if CHECKS[i["check"]].severity == "error"]
    assert figure(page, "Errors") >= len(errors)
    assert figure(page, "Warnings") > 0
    expect_charts(page, 2)
    for check_id in ("broken-link-internal", "title-too-long", "canonical-not-crawlable"):
        details = issue(page, check_id)
        expect(details).to_have_count(1)
        explanation = details.get_by_text(CHECKS[check_id].explanation)
        expect(explanation).to_be_hidden()
        details.locator("summary").click()
        expect(details).to_have_attribute("open", "")
        expect(explanation).to_be_visible()
        expect(details.get_by_text(CHECKS[check_id].fix)).to_be_visible()
        for expected in golden(check_id):
            row = details.locator("ul.urls li").filter(has_text=expected["url"])
            if "detail_contains" in expected:
                row = row.filter(has_text=expected["detail_contains"])
            expect(row.first).to_be_visible()
    for link in page.locator(
        "details.issue ul.urls a"
    ).all():  # crawled URLs, linked only if http(s)
        assert urlsplit(link.get_attribute("href") or "").scheme in ("http", "https")
    shot(page, "seo-audit-en")
    assert axe_violations(browser, server[0], page) == []
    page.get_by_role("button", name="FR").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Problèmes par priorité")).to_be_visible()
    expect_charts(page, 2)
    shot(page, "seo-audit-fr")


@pytest.fixture
def rival() -> Iterator[WatchSite]:
    with serve_watch_site() as served:
        yield served


def add_monitor(page: Page, url: str, name: str, kind: str, selector: str = "") -> str:
    """Add a monitor with the watch page's form; the monitor page's path."""
    page.goto(f"/sites/{SITE}/watch")
    page.fill("#add-url", url)
    page.fill("#add-name", name)
    page.fill("#add-competitor", "Rival SAS")
    page.select_option("#add-kind", kind)
    page.fill("#add-every", "1h")
    page.fill("#add-selector", selector)
    posted = submit_form(page, page.get_by_role("button", name="Add the monitor"))
    assert posted.get("csrf")
    expect(page).to_have_url(re.compile(r"/watch/\d+$"))
    return urlsplit(page.url).path


def check_now(page: Page) -> str:
    submit_form(page, page.get_by_role("button", name="Check now"))
    expect(page).to_have_url(re.compile(r"\?checked=\w+"))
    return urlsplit(page.url).query.removeprefix("checked=")


def test_a_text_monitor_shows_what_changed_as_text(
    page: Page, browser: Browser, server: tuple[Server, str, str], rival: WatchSite
) -> None:
    rival.set("/news", news_page(["Spring collection is out.", "Free delivery in May."]))
    path = add_monitor(page, rival.url("/news"), "Rival news", "text", "#news")
    # "first", or "unchanged" when the server's scheduler checked the new monitor first
    assert check_now(page) in ("first", "unchanged")
    rival.set("/news", news_page(["Summer collection is out.", XSS_TEXT]))
    assert check_now(page) == "changed"
    expect(page.get_by_role("status")).to_have_text("A change was found.")
    diff = page.locator(".watch-diff").first
    expect(diff.locator("ins").filter(has_text="Summer").first).to_be_visible()
    expect(diff.locator("del").filter(has_text="Spring").first).to_be_visible()
    expect(diff.locator("del").filter(has_text="Free delivery in May.").first).to_be_visible()
    expect(diff.locator("ins").filter(has_text=XSS_TEXT).first).to_be_visible()
    assert diff.locator("script").count() == 0
    shot(page, "watch-monitor")
    assert axe_violations(browser, server[0], page) == []
    page.get_by_role("link", name="All monitors").click()
    row = page.locator("#monitors tbody tr").filter(has_text="Rival news")
    expect(row.get_by_role("link", name="Rival news")).to_have_attribute("href", path)
    expect(page.locator(".watch-change").first).to_contain_text("Rival news")
    shot(page, "watch-list")
    assert axe_violations(browser, server[0], page) == []


def test_a_price_monitor_draws_its_price_history(
    page: Page, browser: Browser, server: tuple[Server, str, str], rival: WatchSite
) -> None:
    prices = ["49.90", "44.50"]
    rival.set("/kettle", product_page(prices[0], "InStock"))
    add_monitor(page, rival.url("/kettle"), "Rival kettle", "price")
    check_now(page)
    rival.set("/kettle", product_page(prices[1], "InStock"))
    assert check_now(page) == "changed"
    expect_charts(page, 1)
    spec = json.loads(page.locator("#chart-price").text_content() or "{}")
    drawn = [point["price"] for point in spec["data"]["values"]]
    assert drawn[-2:] == [float(p) for p in prices]
    for price in prices:
        expect(page.locator("#snapshots")).to_contain_text(price)
    assert axe_violations(browser, server[0], page) == []


def bench_submit(page: Page, fields: dict[str, str], button: str) -> None:
    for selector, value in fields.items():
        if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, label=value)
        else:
            page.fill(selector, value)
    posted = submit_form(page, page.get_by_role("button", name=button))
    assert posted.get("csrf")
    expect(page.locator("p.error")).to_have_count(0)


def test_the_benchmark_draws_its_positioning_map(
    page: Page, browser: Browser, server: tuple[Server, str, str]
) -> None:
    page.goto(f"/sites/{SITE}/watch/benchmark")
    for name in ("Rival SAS", "Maison Bois"):
        bench_submit(page, {"#competitor-name": name}, "Add the competitor")
    criteria = {"Price": ("3", "horizontal (x)"), "Design": ("1", "vertical (y)")}
    for name, (weight, axis) in criteria.items():
        fields = {"#criterion-name": name, "#criterion-weight": weight, "#criterion-axis": axis}
        bench_submit(page, fields, "Add the criterion")
    scores = {("Rival SAS", "Price"): 4, ("Rival SAS", "Design"): 2}
    scores |= {("Maison Bois", "Price"): 1, ("Maison Bois", "Design"): 5}
    for (competitor, criterion), score in scores.items():
        fields = {"#score-competitor": competitor, "#score-criterion": criterion}
        bench_submit(page, fields | {"#score-value": str(score)}, "Save the score")
    expect_charts(page, 1)
    expect(page.get_by_role("heading", name="Positioning map")).to_be_visible()
    for competitor in ("Rival SAS", "Maison Bois"):  # sum(weight x score) / sum(weights)
        weighted = sum(int(criteria[k][0]) * s for (c, k), s in scores.items() if c == competitor)
        row = page.locator("#matrix tbody tr").filter(has_text=competitor)
        expect(row.locator(".watch-total")).to_have_text(f"{weighted / 4:.2f}")
    expect(page.locator("#matrix tbody tr").first).to_contain_text("Rival SAS")  # 3.50 > 2.00
    shot(page, "watch-benchmark")
    assert axe_violations(browser, server[0], page) == []
