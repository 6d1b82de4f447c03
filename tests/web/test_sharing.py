"""Shared links, public dashboards, roles on the settings page, and the audit log."""

from __future__ import annotations

from pilotage import accounts
from pilotage.sites import get_site
from tests.web.web_support import SITE, Web


def _link(web: Web, password: str = "") -> str:
    web.login()
    r = web.post_form(
        f"/sites/{SITE}/links", {"name": "board", "password": password}, f"/sites/{SITE}/settings"
    )
    assert r.status_code == 303  # type: ignore[attr-defined]
    with web.client.app.state.instance.app.session() as s:  # type: ignore[attr-defined]
        (link,) = accounts.list_shared_links(s, get_site(s, SITE))
        return link.slug


def _anonymous(web: Web) -> None:
    web.client.cookies.clear()


def test_shared_link_without_password_opens_read_only(web: Web) -> None:
    slug = _link(web)
    _anonymous(web)
    page = web.client.get(f"/share/{slug}")
    assert page.status_code == 200
    assert f"/sites/{SITE}/settings" not in page.text
    assert web.client.get(f"/share/{slug}/export/page.csv").status_code == 200
    assert web.client.get(f"/sites/{SITE}", follow_redirects=False).status_code == 303


def test_shared_link_password_then_revocation(web: Web) -> None:
    slug = _link(web, "a shared secret")
    owner_cookies = dict(web.client.cookies)
    _anonymous(web)
    assert "password" in web.client.get(f"/share/{slug}").text
    token = web.csrf(f"/share/{slug}")
    wrong = web.client.post(f"/share/{slug}", data={"password": "not it at all", "csrf": token})
    assert wrong.status_code == 401
    right = web.client.post(
        f"/share/{slug}",
        data={"password": "a shared secret", "csrf": token},
        follow_redirects=False,
    )
    assert right.status_code == 303
    assert 'data-metric="visitors"' in web.client.get(f"/share/{slug}").text
    web.client.cookies.update(owner_cookies)
    with web.client.app.state.instance.app.session() as s:  # type: ignore[attr-defined]
        link = accounts.shared_link(s, slug)
        assert link is not None
        link_id = link.id
    r = web.post_form(f"/sites/{SITE}/links/{link_id}/revoke", {}, f"/sites/{SITE}/settings")
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert web.client.get(f"/share/{slug}").status_code == 404


def test_public_dashboard_is_opt_in(web: Web) -> None:
    assert web.client.get(f"/public/{SITE}").status_code == 404
    web.login()
    web.post_form(f"/sites/{SITE}/public", {"public": "on"}, f"/sites/{SITE}/settings")
    _anonymous(web)
    assert web.client.get(f"/public/{SITE}").status_code == 200
    web.login()
    web.post_form(f"/sites/{SITE}/public", {}, f"/sites/{SITE}/settings")
    _anonymous(web)
    assert web.client.get(f"/public/{SITE}").status_code == 404


def _member(web: Web, role: str) -> None:
    with web.client.app.state.instance.app.session() as s:  # type: ignore[attr-defined]
        user = accounts.create_user(s, f"{role}@example.org", "member long password")
        accounts.grant(s, user, get_site(s, SITE), role)
    web.client.cookies.clear()
    web.login(f"{role}@example.org", "member long password")


def test_a_viewer_sees_but_cannot_change(web: Web) -> None:
    _member(web, "viewer")
    settings = f"/sites/{SITE}/settings"
    assert web.client.get(f"/sites/{SITE}").status_code == 200
    page = web.client.get(settings).text
    assert 'action="/sites/shop.example/goals"' not in page
    r = web.post_form(
        f"/sites/{SITE}/goals", {"name": "x", "kind": "page", "target": "/x"}, settings
    )
    assert r.status_code == 403  # type: ignore[attr-defined]
    r = web.post_form(f"/sites/{SITE}/links", {"name": "x"}, settings)
    assert r.status_code == 403  # type: ignore[attr-defined]


def test_an_editor_adds_goals_but_cannot_share(web: Web) -> None:
    _member(web, "editor")
    settings = f"/sites/{SITE}/settings"
    r = web.post_form(
        f"/sites/{SITE}/goals", {"name": "Signup", "kind": "event", "target": "Signup"}, settings
    )
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert "Signup" in web.client.get(settings).text
    r = web.post_form(
        f"/sites/{SITE}/members", {"email": "owner@example.org", "role": "viewer"}, settings
    )
    assert r.status_code == 403  # type: ignore[attr-defined]


def test_admin_actions_reach_the_audit_log_only_the_owner_reads(web: Web) -> None:
    web.login()
    web.post_form(f"/sites/{SITE}/goals", {"name": "Buy", "kind": "event", "target": "Buy"}, "/")
    page = web.client.get("/audit")
    assert page.status_code == 200 and "goal.add" in page.text and "shop.example:Buy" in page.text
    _member(web, "admin")
    assert web.client.get("/audit").status_code == 403


def test_owner_creates_an_account_that_signs_in_with_its_role(web: Web) -> None:
    import re

    web.login()
    page = web.post_form(
        "/users",
        {"email": "ana@example.org", "name": "Ana", "site": SITE, "role": "editor"},
        "/users",
    )
    text = page.text  # type: ignore[attr-defined]
    password = re.search(r'<code id="new-password">([^<]+)</code>', text)
    assert password, text
    web.client.cookies.clear()
    web.login("ana@example.org", password.group(1))
    assert web.client.get(f"/sites/{SITE}").status_code == 200
    assert web.client.get("/users").status_code == 403
    with web.client.app.state.instance.app.session() as s:  # type: ignore[attr-defined]
        ana = accounts.find_user(s, "ana@example.org")
        assert ana is not None
        assert accounts.role_on(s, ana, get_site(s, SITE).id) == "editor"
        ana_id = ana.id
    web.client.cookies.clear()
    web.login()
    web.post_form(f"/users/{ana_id}/disabled", {"disabled": "on"}, "/users")
    web.client.cookies.clear()
    token = web.csrf()
    r = web.client.post(
        "/login", data={"email": "ana@example.org", "password": password.group(1), "csrf": token}
    )
    assert r.status_code == 401  # a disabled account cannot sign in


def test_owner_deletes_a_site_with_its_statistics(web: Web) -> None:
    web.hit("https://shop.example/", visitor=1)
    web.drain()
    web.login()
    settings = f"/sites/{SITE}/settings"
    wrong = web.post_form(f"/sites/{SITE}/delete", {"confirm": "nope.example"}, settings)
    assert wrong.status_code == 400  # type: ignore[attr-defined]
    r = web.post_form(f"/sites/{SITE}/delete", {"confirm": SITE}, settings)
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert web.client.get(f"/sites/{SITE}").status_code == 404
    events = web.client.app.state.instance.events  # type: ignore[attr-defined]
    assert events.scalar("SELECT count(*) FROM events WHERE site = ?", [SITE]) == 0
    assert "site.delete" in web.client.get("/audit").text


def test_admin_edits_reports_but_cannot_delete(web: Web) -> None:
    _member(web, "admin")
    settings = f"/sites/{SITE}/settings"
    r = web.post_form(
        f"/sites/{SITE}/edit", {"timezone": "America/Montreal", "currency": "cad"}, settings
    )
    assert r.status_code == 303  # type: ignore[attr-defined]
    with web.client.app.state.instance.app.session() as s:  # type: ignore[attr-defined]
        site = get_site(s, SITE)
        assert (site.timezone, site.currency) == ("America/Montreal", "CAD")
    bad = web.post_form(
        f"/sites/{SITE}/edit", {"timezone": "Mars/Olympus", "currency": "EUR"}, settings
    )
    assert bad.status_code == 400 and "Mars/Olympus" in bad.text  # type: ignore[attr-defined]
    r = web.post_form(f"/sites/{SITE}/delete", {"confirm": SITE}, settings)
    assert r.status_code == 403  # type: ignore[attr-defined]
