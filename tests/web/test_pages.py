"""Pages in-process: sign-in, the dashboard's figures and links, languages, exports."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from pilotage.analytics import Query, run_query
from pilotage.web.context import SESSION_COOKIE
from tests.web.web_support import SITE, Web


def test_anonymous_visitor_is_sent_to_login_with_the_page_to_come_back_to(web: Web) -> None:
    r = web.client.get(f"/sites/{SITE}?period=7d", follow_redirects=False)
    assert r.status_code == 303
    target = urlsplit(r.headers["location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == [f"/sites/{SITE}?period=7d"]


def test_login_sets_a_secure_httponly_samesite_cookie(web: Web) -> None:
    token = web.csrf()
    r = web.client.post(
        "/login",
        data={"email": "owner@example.org", "password": "correct horse battery", "csrf": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    cookie = next(
        v for k, v in r.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v
    )
    lowered = cookie.lower()
    assert "httponly" in lowered and "secure" in lowered and "samesite=lax" in lowered


def test_wrong_password_is_refused_then_throttled(web: Web) -> None:
    for _ in range(5):
        token = web.csrf()
        r = web.client.post(
            "/login",
            data={"email": "owner@example.org", "password": "nope-nope-nope", "csrf": token},
        )
        assert r.status_code == 401
    token = web.csrf()
    r = web.client.post(
        "/login",
        data={"email": "owner@example.org", "password": "correct horse battery", "csrf": token},
    )
    assert r.status_code == 429  # even the right password waits once throttled


def test_open_redirect_after_login_is_refused(web: Web) -> None:
    token = web.csrf()
    r = web.client.post(
        "/login",
        data={
            "email": "owner@example.org",
            "password": "correct horse battery",
            "csrf": token,
            "next": "//evil.example/phish",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_post_without_csrf_token_is_refused(web: Web) -> None:
    web.login()
    r = web.client.post("/sites", data={"domain": "new.example"}, follow_redirects=False)
    assert r.status_code == 403
    assert "new.example" not in web.client.get("/").text


def test_security_headers_on_pages(web: Web) -> None:
    r = web.client.get("/login")
    csp = r.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"


def _hits(web: Web) -> None:
    web.hit("https://shop.example/", "https://www.google.com/", visitor=1)
    web.hit("https://shop.example/products?utm_source=newsletter&utm_medium=email", visitor=2)
    web.hit("https://shop.example/thanks", visitor=2)
    web.hit(
        "https://shop.example/<script>alert(1)</script>", "https://evil.example/<img>", visitor=3
    )
    web.drain()


def test_dashboard_figures_come_from_the_query_model(web: Web) -> None:
    _hits(web)
    web.login()
    page = web.client.get(f"/sites/{SITE}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    result = run_query(
        web.client.app.state.instance.events,  # type: ignore[attr-defined]
        Query(site=SITE, metrics=("visitors", "pageviews"), timezone="Europe/Paris"),
    )
    assert f'data-metric="visitors">{result.total("visitors")}<' in page.text
    assert f'data-metric="pageviews">{result.total("pageviews")}<' in page.text


def test_attacker_controlled_values_are_escaped(web: Web) -> None:
    _hits(web)
    web.login()
    assert f"/sites/{SITE}/panel/pages" in web.client.get(f"/sites/{SITE}").text
    page = web.client.get(f"/sites/{SITE}/panel/pages")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_clicking_a_row_filters_and_the_chip_removes_the_filter(web: Web) -> None:
    _hits(web)
    web.login()
    page = web.client.get(f"/sites/{SITE}/panel/sources?sources=utm_source")
    assert "f=utm_source%3D%3Dnewsletter" in page.text
    filtered = web.client.get(f"/sites/{SITE}?sources=utm_source&f=utm_source%3D%3Dnewsletter")
    assert 'data-metric="visitors">1<' in filtered.text
    assert "Retirer le filtre" in filtered.text  # French by default


def test_language_follows_accept_language_then_the_users_choice(web: Web) -> None:
    web.login()
    assert "Mes sites" in web.client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).text
    assert "My sites" in web.client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
    r = web.post_form("/language", {"lang": "en", "next": "/"})
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert "My sites" in web.client.get("/", headers={"Accept-Language": "fr"}).text


def test_french_numbers_and_dates(web: Web) -> None:
    for i in range(3):
        web.hit(f"https://shop.example/p{i}")
    web.drain()
    web.login()
    page = web.client.get(f"/sites/{SITE}?period=day").text
    assert "Aujourd’hui" in page
    assert "Taux de rebond" in page


def test_csv_export_neutralises_formulas(web: Web) -> None:
    web.hit("https://shop.example/=HYPERLINK(1)")
    web.hit("https://shop.example/ok")
    web.drain()
    web.login()
    r = web.client.get(f"/sites/{SITE}/export/page.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["page", "visitors", "pageviews"]
    assert {row[0] for row in rows[1:]} == {"/=HYPERLINK(1)", "/ok"}


def test_bad_dashboard_state_is_a_400_page_naming_the_field(web: Web) -> None:
    web.login()
    r = web.client.get(f"/sites/{SITE}?period=fortnight", headers={"Accept-Language": "en"})
    assert r.status_code == 400
    assert "fortnight" in r.text and "<html" in r.text


def test_sites_of_others_are_not_found(web: Web) -> None:
    from pilotage import accounts

    with web.client.app.state.instance.app.session() as s:  # type: ignore[attr-defined]
        accounts.create_user(s, "stranger@example.org", "another long secret")
    web.login("stranger@example.org", "another long secret")
    assert web.client.get(f"/sites/{SITE}").status_code == 404
    assert SITE not in web.client.get("/").text


def test_custom_properties_panel_details_and_export(web: Web) -> None:
    web.hit("https://shop.example/buy", name="Purchase", visitor=1, p={"plan": "pro"})
    web.hit("https://shop.example/buy", name="Purchase", visitor=2, p={"plan": "=cmd|calc"})
    web.drain()
    web.login()
    page = web.client.get(
        f"/sites/{SITE}/panel/props?period=day", headers={"Accept-Language": "en"}
    ).text
    assert "Custom properties" in page and ">pro<" in page
    assert web.client.get(f"/sites/{SITE}/details/prop:plan?period=day").status_code == 200
    rows = web.client.get(f"/sites/{SITE}/export/prop:plan.csv?period=day").text.splitlines()
    assert rows[0] == "prop:plan,visitors,events"
    assert "'=cmd|calc,1,1" in rows
    assert web.client.get(f"/sites/{SITE}/details/os_version").status_code == 404


def test_panels_load_as_fragments_and_refuse_unknown_names(web: Web) -> None:
    web.login()
    page = web.client.get(f"/sites/{SITE}?period=7d&compare=prev").text
    for key in ("sources", "pages", "locations", "devices", "goals", "props"):
        assert f'hx-get="/sites/{SITE}/panel/{key}?period=7d&amp;compare=prev"' in page
    assert "/panel/funnel-" not in page  # the site has no funnel
    assert web.client.get(f"/sites/{SITE}/panel/nope").status_code == 404
    fragment = web.client.get(f"/sites/{SITE}/panel/goals?period=7d")
    assert fragment.status_code == 200 and "<html" not in fragment.text


def test_funnel_added_in_settings_shows_the_query_models_counts(web: Web) -> None:
    from pilotage import sites as domain
    from pilotage.analytics import run_funnel

    _hits(web)
    web.login()
    settings = f"/sites/{SITE}/settings"
    web.post_form(
        f"/sites/{SITE}/goals",
        {"name": "Products", "kind": "page", "target": "/products"},
        settings,
    )
    r = web.post_form(
        f"/sites/{SITE}/funnels",
        {"name": "Buy", "steps": "Products\nThanks", "window_hours": "24"},
        settings,
    )
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert f"/sites/{SITE}/panel/funnel-0" in web.client.get(f"/sites/{SITE}").text
    fragment = web.client.get(f"/sites/{SITE}/panel/funnel-0").text
    inst = web.client.app.state.instance  # type: ignore[attr-defined]
    with inst.app.session() as s:
        site = domain.get_site(s, SITE)
        funnel, tz = domain.analytics_funnel(site, "Buy"), site.timezone
    result = run_funnel(inst.events, SITE, "30d", funnel, timezone=tz)
    assert [step.visitors for step in result.steps] == [1, 1]  # visitor 2 went through
    for step in result.steps:
        assert f'<td class="num">{step.visitors}</td>' in fragment
    assert web.client.get(f"/sites/{SITE}/panel/funnel-1").status_code == 404


TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()  # the test site's time zone


def _year_back_first() -> date:
    """The first day of 12mo: the first of the month eleven months back."""
    today = TODAY
    index = today.year * 12 + today.month - 1 - 11
    return date(index // 12, index % 12 + 1, 1)


INTERVAL_FR = {"hour": "Heures", "day": "Jours", "week": "Semaines", "month": "Mois"}
# Buckets of each view: 30 days, the ISO weeks they touch (5 or 6), 24 hours, 12 months.
POINTS = {
    ("", "day"): 30,
    ("interval=week", "week"): len(
        {(TODAY - timedelta(days=d)).isocalendar()[:2] for d in range(30)}
    ),
    ("period=day", "hour"): 24,
    ("period=12mo", "month"): 12,
    ("period=12mo&interval=day", "day"): (TODAY.replace(day=1) + timedelta(days=32))
    .replace(day=1)
    .toordinal()
    - _year_back_first().toordinal(),
    ("period=day&interval=month", "hour"): 24,
}


@pytest.mark.parametrize(
    ("query", "bucket"),
    [
        ("", "day"),
        ("interval=week", "week"),
        ("period=day", "hour"),
        ("period=12mo", "month"),
        ("period=12mo&interval=day", "day"),
        ("period=day&interval=month", "hour"),
    ],
)
def test_chart_interval_follows_the_choice_when_it_fits(web: Web, query: str, bucket: str) -> None:
    _hits(web)
    web.login()
    page = web.client.get(f"/sites/{SITE}?{query}").text
    spec = page.split('<script type="application/json" id="chart-main">', 1)[1].split(
        "</script>", 1
    )[0]
    points = len(json.loads(spec)["data"]["values"])
    assert points == POINTS[(query, bucket)]
    assert (
        re.search(rf'<a href="[^"]*" aria-current="page">{INTERVAL_FR[bucket]}</a>', page)
        or bucket == "hour"
    )


def test_unknown_interval_is_a_400(web: Web) -> None:
    web.login()
    assert web.client.get(f"/sites/{SITE}?interval=fortnight").status_code == 400


def test_clicking_a_goal_shows_the_visitors_who_converted(web: Web) -> None:
    _hits(web)  # visitor 2 reached /thanks (the "Thanks" goal)
    web.login()
    fragment = web.client.get(f"/sites/{SITE}/panel/goals").text
    assert "f=goal%3D%3DThanks" in fragment
    page = web.client.get(f"/sites/{SITE}?f=goal%3D%3DThanks").text
    assert 'data-metric="visitors">1<' in page
    assert web.client.get(f"/sites/{SITE}?f=goal~%3DThanks").status_code == 400
    for key in ("sources", "pages", "locations", "devices", "goals", "props"):
        r = web.client.get(f"/sites/{SITE}/panel/{key}?f=goal%3D%3DThanks&pages=exit_page")
        assert r.status_code == 200, (key, r.text)
