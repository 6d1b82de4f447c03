"""Edges found in review: owners' rights, proxies, odd tokens, caching, names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pilotage import accounts
from pilotage.config import Settings, load_settings
from pilotage.sites import get_site
from pilotage.web import create_app
from tests.web.web_support import SITE, Web, prepare_instance


def _member(web: Web, email: str, role: str) -> int:
    with web.client.app.state.instance.app.session() as s:  # type: ignore[attr-defined]
        user = accounts.create_user(s, email, "member long password")
        accounts.grant(s, user, get_site(s, SITE), role)
        return user.id


def test_an_admin_cannot_demote_or_remove_an_owner(web: Web) -> None:
    owner_id = _member(web, "second-owner@example.org", "owner")
    _member(web, "admin@example.org", "admin")
    web.login("admin@example.org", "member long password")
    settings = f"/sites/{SITE}/settings"
    r = web.post_form(
        f"/sites/{SITE}/members", {"email": "second-owner@example.org", "role": "viewer"}, settings
    )
    assert r.status_code == 403  # type: ignore[attr-defined]
    r = web.post_form(f"/sites/{SITE}/members/{owner_id}/revoke", {}, settings)
    assert r.status_code == 403  # type: ignore[attr-defined]
    with web.client.app.state.instance.app.session() as s:  # type: ignore[attr-defined]
        owner = accounts.get_user(s, owner_id)
        assert accounts.role_on(s, owner, get_site(s, SITE).id) == "owner"


@pytest.mark.parametrize("token", ["é", "\u202e", "x" * 5000])
def test_odd_csrf_tokens_are_refused_not_crashed(web: Web, token: str) -> None:
    r = web.client.post("/login", data={"email": "a@b.example", "password": "x", "csrf": token})
    assert r.status_code == 403
    header = token.encode("utf-8")  # sent as raw bytes, as a hostile client may
    r = web.client.post("/language", data={"lang": "en"}, headers={b"X-CSRF-Token": header})
    assert r.status_code == 403


def test_pages_are_not_cached(web: Web) -> None:
    web.login()
    assert web.client.get("/account").headers["cache-control"] == "no-store"
    assert web.client.get(f"/sites/{SITE}").headers["cache-control"] == "no-store"


def test_anonymous_visitor_switches_language_on_a_public_dashboard(web: Web) -> None:
    web.login()
    web.post_form(f"/sites/{SITE}/public", {"public": "on"}, f"/sites/{SITE}/settings")
    web.client.cookies.clear()
    token = web.csrf(f"/public/{SITE}")
    r = web.client.post("/language", data={"lang": "en", "csrf": token, "next": f"/public/{SITE}"})
    assert r.status_code == 200 and "Unique visitors" in r.text


def test_missing_and_private_sites_answer_alike_on_public_doors(web: Web) -> None:
    a = web.client.get("/public/nosuch.example", headers={"Accept": "application/json"}).json()
    b = web.client.get(f"/public/{SITE}", headers={"Accept": "application/json"}).json()
    assert a["error"]["message"].replace("nosuch.example", SITE) == b["error"]["message"]


def test_property_names_with_slashes_have_working_links(web: Web) -> None:
    web.hit("https://shop.example/buy", name="Purchase", visitor=1, p={"a/b?c": 'x"y'})
    web.drain()
    web.login()
    fragment = web.client.get(f"/sites/{SITE}/panel/props?period=day").text
    assert "/details/prop:a%2Fb%3Fc?period=day" in fragment
    assert web.client.get(f"/sites/{SITE}/details/prop:a%2Fb%3Fc?period=day").status_code == 200
    r = web.client.get(f"/sites/{SITE}/export/prop:a%2Fb%3Fc.csv?period=day")
    assert r.status_code == 200
    assert '"' not in r.headers["content-disposition"].split('filename="', 1)[1][:-1]


@pytest.fixture
def proxied(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, cheap_argon2: None
) -> Iterator[TestClient]:
    """The app as a reverse proxy sees it: plain HTTP inside, HTTPS public address."""
    monkeypatch.setenv("PILOTAGE_PUBLIC_URL", "https://stats.example.org")
    monkeypatch.setenv("PILOTAGE_FORWARDED_FOR_HEADER", "X-Forwarded-For")
    prepare_instance(load_settings())
    with TestClient(create_app(load_settings()), base_url="http://stats.example.org") as client:
        yield client


def test_behind_an_https_proxy_forms_work_and_cookies_are_secure(proxied: TestClient) -> None:
    page = proxied.get("/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert "secure" in page.headers["set-cookie"].lower()
    assert "strict-transport-security" in page.headers
    proxied.cookies.set("pilotage_csrf", token)
    r = proxied.post(
        "/login",
        data={"email": "owner@example.org", "password": "correct horse battery", "csrf": token},
        headers={"Origin": "https://stats.example.org"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    evil = proxied.post("/login", data={"csrf": token}, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403


def test_throttle_takes_the_proxys_entry_of_x_forwarded_for(proxied: TestClient) -> None:
    statuses = []
    for i in range(6):
        page = proxied.get("/login")
        token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        proxied.cookies.set("pilotage_csrf", token)
        r = proxied.post(
            "/login",
            data={"email": f"u{i}@example.org", "password": "wrong password", "csrf": token},
            headers={"X-Forwarded-For": f"10.9.9.{i}, 203.0.113.7"},
        )
        statuses.append(r.status_code)
    assert statuses == [401] * 5 + [429]  # the forged first entries change nothing
