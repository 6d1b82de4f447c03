"""The web app in Debian's Chromium against a real `pilotage serve` holding the demo data.

The browser signs in, reads the demo dashboards, filters by clicking a row, changes the
period, switches French/English, exports a CSV, adds a site, opens a shared link in a
fresh context, and meets attacker-controlled values sent through the collector, which
must stay text. Screenshots of the main pages go to test-artifacts/screenshots; axe-core
checks those pages for serious or critical accessibility violations.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from tests.browser_support import launch_chromium
from tests.server_support import Server, cli

ROOT = Path(__file__).parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "tests" / "vendor" / "axe.min.js"
SHOP = "boutique.example"
XSS_SITE = "xss.example"
PAYLOADS = {
    "path": "/<img src=x onerror=alert(1)>",
    "referrer": "evil.example/<script>alert(2)</script>",  # stored as host + path
    "utm": "<svg onload=alert(3)>",
    "prop": "<script>alert(4)</script>",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, str]]:
    data = tmp_path_factory.mktemp("browser") / "data"
    loaded = cli(data, "demo")
    assert loaded.returncode == 0, loaded.stderr
    match = re.search(r"as (\S+) with password (\S+)", loaded.stdout)
    assert match, loaded.stdout
    running = Server(data).start()
    try:
        yield running, match.group(1), match.group(2)
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, server: tuple[Server, str, str]) -> Iterator[Page]:
    srv, email, password = server
    context = browser.new_context(base_url=srv.url, locale="fr-FR", accept_downloads=True)
    p = context.new_page()
    dialogs: list[str] = []
    p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    p.goto("/")
    expect(p).to_have_url(re.compile(r"/login\?next="))
    p.fill("#email", email)
    p.fill("#password", password)
    p.click("button[type=submit].primary")
    expect(p.get_by_role("heading", name="Mes sites")).to_be_visible()
    yield p
    context.close()
    assert dialogs == [], f"a script ran: {dialogs}"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def axe_violations(browser: Browser, srv: Server, page: Page) -> list[str]:
    """axe-core on the page's URL, in a context that lets the test inject axe (the app's
    CSP forbids inline scripts, as it should); serious and critical findings only."""
    context = browser.new_context(base_url=srv.url, bypass_csp=True)
    context.add_cookies(page.context.cookies())
    other = context.new_page()
    other.goto(page.url)
    other.wait_for_load_state("networkidle")
    other.add_script_tag(path=str(AXE))
    found = other.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))"
    )
    context.close()
    return list(found)


def panel(page: Page, key: str) -> Locator:
    return page.locator(f'section[aria-labelledby="panel-{key}"]')


def card(page: Page, metric: str) -> str:
    return page.locator(f'.card-metric [data-metric="{metric}"]').inner_text()


def test_demo_dashboard_shows_real_data_and_a_chart(
    page: Page, browser: Browser, server: tuple[Server, str, str]
) -> None:
    shot(page, "sites")
    assert axe_violations(browser, server[0], page) == []
    page.get_by_role("link", name=SHOP).click()
    expect(page.locator(".chart svg").first).to_be_visible(timeout=15_000)
    visitors = card(page, "visitors")
    assert int(re.sub(r"\D", "", visitors)) > 100
    expect(panel(page, "pages").locator("tbody th").first).to_contain_text("/")
    shot(page, "dashboard")
    assert axe_violations(browser, server[0], page) == []


def test_clicking_a_row_filters_and_the_chip_removes_it(page: Page) -> None:
    page.goto(f"/sites/{SHOP}?sources=channel")
    before = int(re.sub(r"\D", "", card(page, "visitors")))
    row = panel(page, "sources").locator("tbody th a").first
    label = row.inner_text()
    row.click()
    expect(page.locator(".chips")).to_contain_text(label)
    filters = parse_qs(urlsplit(page.url).query)["f"]
    assert filters == [f"channel=={label}"]
    after = int(re.sub(r"\D", "", card(page, "visitors")))
    assert 0 < after <= before
    page.get_by_role("link", name=re.compile("Retirer le filtre")).click()
    expect(page.locator(".chips")).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"[?&]f="))
    assert "f" not in parse_qs(urlsplit(page.url).query)


def test_changing_the_period_keeps_the_state_in_the_url(page: Page) -> None:
    page.goto(f"/sites/{SHOP}?compare=prev")
    page.get_by_role("link", name="7 derniers jours").click()
    expect(page).to_have_url(re.compile(r"period=7d"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["period"] == ["7d"] and query["compare"] == ["prev"]
    expect(page.locator(".delta").first).to_be_visible()
    page.reload()  # a bookmark gives the same view
    expect(page.get_by_role("link", name="7 derniers jours")).to_have_attribute(
        "aria-current", "page"
    )


def test_switching_language(page: Page) -> None:
    page.goto(f"/sites/{SHOP}")
    expect(page.locator(".card-metric").first).to_contain_text("Visiteurs uniques")
    page.get_by_role("button", name="EN").click()
    expect(page.locator(".card-metric").first).to_contain_text("Unique visitors")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="FR").click()
    expect(page.locator(".card-metric").first).to_contain_text("Visiteurs uniques")


def test_csv_export(page: Page) -> None:
    page.goto(f"/sites/{SHOP}")
    with page.expect_download() as info:
        panel(page, "pages").get_by_role("link", name="Exporter en CSV").click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
    assert rows[0] == ["page", "visitors", "pageviews"]
    assert len(rows) > 2


def _send_hostile_events(srv: Server) -> None:
    body = {
        "n": "Signup",
        "u": f"https://{XSS_SITE}{PAYLOADS['path']}?utm_source={PAYLOADS['utm']}",
        "d": XSS_SITE,
        "r": "https://" + PAYLOADS["referrer"],
        "p": {"plan": PAYLOADS["prop"]},
    }
    headers = {"Content-Type": "text/plain", "User-Agent": "Mozilla/5.0 Firefox/128.0"}
    deadline = time.monotonic() + 20
    while True:  # the collector learns of a new site within seconds
        r = httpx.post(srv.url + "/api/event", content=orjson.dumps(body), headers=headers)
        if r.status_code == 202 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert r.status_code == 202, r.text
    pageview = {**body, "n": "pageview"}
    pageview.pop("p")
    r = httpx.post(srv.url + "/api/event", content=orjson.dumps(pageview), headers=headers)
    assert r.status_code == 202, r.text


def test_add_a_site_and_hostile_values_stay_text(
    page: Page, browser: Browser, server: tuple[Server, str, str]
) -> None:
    page.goto("/sites/new")
    page.fill("#domain", XSS_SITE)
    page.get_by_role("button", name="Ajouter le site").click()
    expect(page.locator("#snippet")).to_contain_text(f'data-domain="{XSS_SITE}"')
    shot(page, "site-settings")
    assert axe_violations(browser, server[0], page) == []
    _send_hostile_events(server[0])
    for url, text in [
        (f"/sites/{XSS_SITE}?pages=page&period=day", PAYLOADS["path"]),
        (f"/sites/{XSS_SITE}?sources=utm_source&period=day", PAYLOADS["utm"]),
        (f"/sites/{XSS_SITE}?sources=referrer&period=day", PAYLOADS["referrer"]),
        (f"/sites/{XSS_SITE}?period=day", PAYLOADS["prop"]),
    ]:
        for _ in range(20):  # the writer loop loads within a couple of seconds
            page.goto(url)
            if page.get_by_text(text, exact=True).count():
                break
            page.wait_for_timeout(500)
        expect(page.get_by_text(text, exact=True).first).to_be_visible()
    assert page.locator("img[src=x], svg[onload]").count() == 0


def test_shared_link_with_password_in_a_fresh_context(
    page: Page, browser: Browser, server: tuple[Server, str, str]
) -> None:
    page.goto(f"/sites/{SHOP}/settings")
    page.fill("#link-name", "Comité de direction")
    page.fill("#link-password", "mot de passe partagé")
    page.get_by_role("button", name="Créer un lien de partage").click()
    link = page.locator("a.share-link").first.get_attribute("href")
    assert link and link.startswith("/share/")
    fresh = browser.new_context(base_url=server[0].url, locale="en-US")
    visitor = fresh.new_page()
    visitor.goto(link)
    expect(visitor.get_by_role("heading", name="This dashboard is protected")).to_be_visible()
    visitor.fill("#password", "mot de passe partagé")
    visitor.get_by_role("button", name="Open").click()
    expect(visitor.locator(".card-metric").first).to_contain_text("Unique visitors")
    expect(visitor.get_by_role("link", name="Settings")).to_have_count(0)  # read-only
    shot(visitor, "shared-link")
    page.get_by_role("button", name="Révoquer").first.click()
    expect(page).to_have_url(re.compile(r"notice=link_revoked"))
    assert visitor.goto(link).status == 404  # type: ignore[union-attr]
    fresh.close()


def test_account_page_and_api_key(
    page: Page, browser: Browser, server: tuple[Server, str, str]
) -> None:
    page.goto("/account")
    page.fill("#key-name", "Rapport")
    page.get_by_role("button", name="Créer une clé").click()
    token = page.locator("#new-key").inner_text()
    assert token.startswith("plt_")
    shot(page, "account")
    assert axe_violations(browser, server[0], page) == []
    r = httpx.post(
        server[0].url + "/api/v2/query",
        json={"site_id": SHOP, "metrics": ["visitors"], "date_range": "30d"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200 and r.json()["results"][0]["metrics"][0] > 0


def test_login_page_and_api_docs_in_the_browser(
    browser: Browser, server: tuple[Server, str, str]
) -> None:
    context = browser.new_context(base_url=server[0].url, locale="fr-FR")
    p = context.new_page()
    problems: list[str] = []
    p.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    p.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    p.goto("/login")
    shot(p, "login")
    assert axe_violations(browser, server[0], p) == []
    p.goto("/api/docs")
    expect(p.get_by_text("/api/v2/query").first).to_be_visible(timeout=15_000)
    shot(p, "api-docs")
    context.close()
    assert problems == []  # no CSP violation, no script error


def test_attribution_and_customers_pages(
    page: Page, browser: Browser, server: tuple[Server, str, str]
) -> None:
    page.goto(f"/sites/{SHOP}/attribution?period=30d")
    expect(page.locator(".chart svg").first).to_be_visible(timeout=15_000)
    expect(page.locator("table.data thead")).to_contain_text("Chaîne de Markov")
    expect(page.locator("table.data tbody tr").first).to_be_visible()
    shot(page, "attribution")
    assert axe_violations(browser, server[0], page) == []
    page.goto(f"/sites/{SHOP}/customers")
    page.get_by_role("button", name="Essayer avec l’échantillon CDNOW").click()
    expect(page.get_by_role("heading", name="Segments RFM")).to_be_visible()
    expect(page.locator(".chart svg")).to_have_count(3, timeout=15_000)
    shot(page, "customers")
    # axe needs the page again: the results are the answer to a form post.
    context = browser.new_context(base_url=server[0].url, bypass_csp=True, locale="fr-FR")
    context.add_cookies(page.context.cookies())
    other = context.new_page()
    other.goto(f"/sites/{SHOP}/customers")
    other.get_by_role("button", name="Essayer avec l’échantillon CDNOW").click()
    expect(other.locator(".chart svg")).to_have_count(3, timeout=15_000)
    other.add_script_tag(path=str(AXE))
    found = other.evaluate(
        "async () => (await axe.run(document)).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)"
    )
    context.close()
    assert found == []


def test_experiments_page_on_the_demo_ab_test(
    page: Page, browser: Browser, server: tuple[Server, str, str]
) -> None:
    page.goto(f"/sites/{SHOP}/experiments?period=all")
    expect(page.locator("#experiment")).to_have_value("checkout_form")
    expect(page.locator(".chart svg").first).to_be_visible(timeout=15_000)
    expect(page.get_by_text("A (témoin)").first).to_be_visible()
    expect(page.locator(".decision").first).to_be_visible()
    shot(page, "experiments")
    assert axe_violations(browser, server[0], page) == []
