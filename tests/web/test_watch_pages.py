"""Watch pages: monitors checked from the web against a real local site whose pages change
between two "check now" clicks; diffs, escaping, roles, bad input, Atom feeds, the
benchmark matrix and the API's keys and scopes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import feedparser
import pytest
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from pilotage import accounts
from pilotage.errors import InvalidInput
from pilotage.instance import Instance
from pilotage.sites import get_site
from pilotage.store.app import Change, Snapshot
from pilotage.watch.monitors import add_monitor, check_url, list_monitors, parse_every
from pilotage.watch.schedule import WatchScheduler
from tests.watch.watch_site import WatchSite, news_page, product_page, serve_watch_site
from tests.web.web_support import BASE, SITE, Web

EN = {"Accept-Language": "en"}
WATCH = f"/sites/{SITE}/watch"
VIEWER = ("viewer@example.org", "another long passphrase")


@pytest.fixture(autouse=True)
def no_background_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's scheduler would check due monitors between the test's clicks."""
    monkeypatch.setattr(WatchScheduler, "start", lambda self: None)


@pytest.fixture
def rival() -> Iterator[WatchSite]:
    with serve_watch_site() as served:
        yield served


@contextmanager
def _db(web: Web) -> Iterator[Session]:
    inst = Instance(web.settings)
    try:
        with inst.app.session() as s:
            yield s
    finally:
        inst.close()


def _post(web: Web, path: str, data: dict[str, str]) -> object:
    return web.post_form(path, data, WATCH)


def _add(web: Web, **fields: str) -> object:
    data = {"kind": "text", "every": "1h", "selector_kind": "css", **fields}
    return _post(web, WATCH, data)


def _check(web: Web, monitor_id: int) -> str:
    r = _post(web, f"{WATCH}/{monitor_id}/check", {})
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    location: str = r.headers["location"]  # type: ignore[attr-defined]
    return location.rsplit("checked=", 1)[1]


def _created(r: object) -> int:
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    return int(r.headers["location"].rsplit("/", 1)[1])  # type: ignore[attr-defined]


def _two_checks(web: Web, rival: WatchSite) -> int:
    """A text monitor checked before and after the page changed."""
    rival.set("/news", news_page(["Kettle at 30 euros", "Free delivery"]))
    monitor_id = _created(
        _add(web, url=rival.url("/news"), selector="#news", name="Rival news", competitor="Rival")
    )
    assert _check(web, monitor_id) == "first"
    rival.set(
        "/news",
        news_page(["Kettle at 25 euros", "Free delivery", "<script>alert(1)</script> New model"]),
    )
    assert _check(web, monitor_id) == "changed"
    return monitor_id


def _as_viewer(web: Web) -> None:
    with _db(web) as s:
        viewer = accounts.create_user(s, *VIEWER)
        accounts.grant(s, viewer, get_site(s, SITE), "viewer")
    web.client.post("/logout", data={"csrf": web.csrf("/")})
    web.login(*VIEWER)


def test_a_change_between_two_checks_shows_with_its_diff(
    private_web: Web, rival: WatchSite
) -> None:
    web = private_web
    web.login()
    monitor_id = _two_checks(web, rival)
    page = web.client.get(f"{WATCH}/{monitor_id}", headers=EN).text
    # the edited line shows the words that went and came, inside the unchanged ones
    assert "Kettle at <del>30</del> <ins>25</ins> euros" in page
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt; New model</ins>" in page
    assert "<script>alert(1)" not in page
    assert page.count('id="snapshot-') == 2
    listing = web.client.get(WATCH, headers=EN).text
    assert "Rival news" in listing and rival.url("/news") in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt; New model" in listing  # an added line
    assert "<script>alert(1)" not in listing
    newest = web.client.get(f"{WATCH}?order=newest", headers=EN)
    assert newest.status_code == 200 and 'aria-current="page">Newest first' in newest.text


def test_atom_feeds_parse_and_carry_the_change(private_web: Web, rival: WatchSite) -> None:
    web = private_web
    web.login()
    monitor_id = _two_checks(web, rival)
    with _db(web) as s:
        summary = s.scalars(select(Change)).one().summary
    for path in (f"{WATCH}/feed.atom", f"{WATCH}/{monitor_id}/feed.atom"):
        r = web.client.get(path, headers=EN)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/atom+xml")
        assert b"<script" not in r.content  # page text is escaped inside the entry's HTML
        feed = feedparser.parse(r.content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert [e.title for e in feed.entries] == [summary]
        assert feed.entries[0].link == f"{BASE}{WATCH}/{monitor_id}"
    open_slug, locked_slug = (_shared_link(web, password) for password in ("", "s3cret-feed"))
    listing = web.client.get(WATCH, headers=EN).text
    assert f"{BASE}/share/{open_slug}/watch/feed.atom" in listing  # the editor sees its URL
    assert f"/share/{locked_slug}/" not in listing
    web.client.post("/logout", data={"csrf": web.csrf("/")})
    anonymous = web.client.get(f"{WATCH}/feed.atom", follow_redirects=False)
    assert anonymous.status_code == 303  # feeds need a sign-in, like pages
    # ... or a shared link, the secret URL a feed reader can hold
    for path in ("watch/feed.atom", f"watch/{monitor_id}/feed.atom"):
        shared = web.client.get(f"/share/{open_slug}/{path}", headers=EN)
        assert shared.status_code == 200
        assert [e.title for e in feedparser.parse(shared.content).entries] == [summary]
    shown = web.client.get(WATCH, headers=EN).text  # signed out: the link is gone
    assert f"/share/{open_slug}/watch/feed.atom" not in shown
    locked = web.client.get(f"/share/{locked_slug}/watch/feed.atom")
    assert locked.status_code == 403 and "password" in locked.text
    assert web.client.get("/share/no-such-link/watch/feed.atom").status_code == 404
    assert web.client.get(f"/share/{open_slug}/watch/99999/feed.atom").status_code == 404


def _shared_link(web: Web, password: str) -> str:
    r = web.post_form(
        f"/sites/{SITE}/links", {"name": "feeds", "password": password}, f"/sites/{SITE}/settings"
    )
    assert r.status_code == 303  # type: ignore[attr-defined]
    with _db(web) as s:
        links = accounts.list_shared_links(s, get_site(s, SITE))
        return next(link.slug for link in links if (link.password_hash is None) == (not password))


def test_a_price_history_chart_shows_the_thresholds(private_web: Web, rival: WatchSite) -> None:
    web = private_web
    web.login()
    rival.set("/kettle", product_page("30.00", "InStock"))
    r = _add(web, url=rival.url("/kettle"), kind="price", drop_pct="10", below="20")
    monitor_id = _created(r)
    assert _check(web, monitor_id) == "first"
    rival.set("/kettle", product_page("25.00", "InStock"))
    assert _check(web, monitor_id) == "changed"
    page = web.client.get(f"{WATCH}/{monitor_id}", headers=EN).text
    found = re.search(r'<script type="application/json" id="chart-price">(.*?)</script>', page)
    assert found
    spec = json.loads(found.group(1))
    assert [v["price"] for v in spec["data"]["values"]] == [30.0, 25.0]
    rules = {v["label"]: v["price"] for v in spec["layer"][2]["data"]["values"]}
    # 10 % under the last price, 25 €, and the absolute limit of 20 €
    assert rules == {"Drop threshold": pytest.approx(22.5), "Lower limit": 20.0}
    assert "€25.00" in page  # the snapshot's price in the page's CLDR format


def test_viewers_read_but_cannot_change(web: Web) -> None:
    with _db(web) as s:
        monitor = add_monitor(s, get_site(s, SITE), "https://rival.example/news", every="1h")
        monitor_id = monitor.id
    _as_viewer(web)
    listing = web.client.get(WATCH)
    assert listing.status_code == 200 and "https://rival.example/news" in listing.text
    assert 'name="url"' not in listing.text  # no form to add one
    page = web.client.get(f"{WATCH}/{monitor_id}")
    assert page.status_code == 200 and "/check" not in page.text
    assert web.client.get(f"{WATCH}/feed.atom").status_code == 200
    assert web.client.get(f"{WATCH}/benchmark").status_code == 200
    refused = [
        _add(web, url="https://rival.example/other"),
        _post(web, f"{WATCH}/{monitor_id}/delete", {"confirm": "yes"}),
        _post(web, f"{WATCH}/{monitor_id}/check", {}),
        _post(web, f"{WATCH}/{monitor_id}/edit", {"url": "https://rival.example/x"}),
        _post(web, f"{WATCH}/benchmark/competitors", {"name": "Rival"}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)  # type: ignore[attr-defined]
    with _db(web) as s:
        assert [m.url for m in list_monitors(s)] == ["https://rival.example/news"]


def _refusal(check: Callable[[str], object], value: str) -> str:
    """The service's own message for a bad value, as the page shows it (escaped)."""
    try:
        check(value)
    except InvalidInput as exc:
        return str(escape(exc.message))
    raise AssertionError(f"{value!r} was accepted")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"selector": "p[[", "selector_kind": "css"}, "invalid CSS selector"),
        ({"selector": "//p[", "selector_kind": "xpath"}, "invalid XPath expression"),
        ({"every": "soon"}, _refusal(parse_every, "soon")),
        ({"every": "2m"}, _refusal(parse_every, "2m")),
        ({"url": "ftp://rival.example/"}, _refusal(check_url, "ftp://rival.example/")),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    web: Web, fields: dict[str, str], expected: str
) -> None:
    web.login()
    r = _add(web, **{"url": "https://rival.example/news", **fields})
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert expected in r.text  # type: ignore[attr-defined]
    assert 'value="https://rival.example/news"' in r.text or "ftp://" in r.text  # type: ignore[attr-defined]
    with _db(web) as s:
        assert list_monitors(s) == []


def test_edit_and_delete(web: Web) -> None:
    web.login()
    monitor_id = _created(_add(web, url="https://rival.example/news", every="6h"))
    bad = _post(
        web, f"{WATCH}/{monitor_id}/edit", {"url": "https://rival.example/news", "every": "1s"}
    )
    assert bad.status_code == 400  # type: ignore[attr-defined]
    edit = {"url": "https://rival.example/blog", "kind": "text", "every": "1d", "name": "Blog"}
    edit["min_significance"] = "0.25"
    assert _post(web, f"{WATCH}/{monitor_id}/edit", edit).status_code == 303  # type: ignore[attr-defined]
    with _db(web) as s:
        (monitor,) = list_monitors(s)
        assert (monitor.id, monitor.url, monitor.every_seconds) == (
            monitor_id, "https://rival.example/blog", 86400
        )  # fmt: skip
        assert monitor.thresholds == {"min_significance": 0.25}
    form = web.client.get(f"{WATCH}/{monitor_id}").text
    assert 'name="min_significance" inputmode="decimal" value="0.25"' in form
    unconfirmed = _post(web, f"{WATCH}/{monitor_id}/delete", {})
    assert unconfirmed.status_code == 400  # type: ignore[attr-defined]
    gone = _post(web, f"{WATCH}/{monitor_id}/delete", {"confirm": "yes"})
    assert gone.status_code == 303  # type: ignore[attr-defined]
    with _db(web) as s:
        assert list_monitors(s) == []
    assert web.client.get(f"{WATCH}/{monitor_id}").status_code == 404


def _bench(web: Web, what: str, data: dict[str, str]) -> None:
    r = _post(web, f"{WATCH}/benchmark/{what}", data)
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]


def _ids(page: str, kind: str) -> dict[str, str]:
    options = page.split(kind, 1)[1].split("</select>", 1)[0]
    return dict(re.findall(r'<option value="(\d+)">([^<]+)</option>', options))


def test_the_benchmark_totals_match_a_hand_computation(web: Web) -> None:
    web.login()
    for name in ("Alpha", "Beta", "Us"):
        _bench(web, "competitors", {"name": name, **({"is_self": "yes"} if name == "Us" else {})})
    for name, weight, axis in (("Price", "2", "x"), ("Support", "1", "y"), ("Range", "3", "")):
        _bench(web, "criteria", {"name": name, "weight": weight, "axis": axis})
    page = web.client.get(f"{WATCH}/benchmark", headers=EN).text
    competitors = {v: k for k, v in _ids(page, 'name="competitor"').items()}
    criteria = {v: k for k, v in _ids(page, 'name="criterion"').items()}
    scores = {
        "Alpha": {"Price": "4", "Support": "3", "Range": "5"},
        "Beta": {"Price": "5", "Support": "1"},  # no score on Range: left out, not 0
        "Us": {"Price": "2", "Support": "5", "Range": "2"},
    }
    for who, row in scores.items():
        for what, score in row.items():
            data = {"competitor": competitors[who], "criterion": criteria[what], "score": score}
            _bench(web, "scores", data)
    page = web.client.get(f"{WATCH}/benchmark", headers=EN).text
    rows = re.findall(
        r'<tr id="competitor-(\d+)".*?watch-total">([^<]+)<.*?watch-rank">([^<]+)<', page, re.S
    )
    shown = {next(k for k, v in competitors.items() if v == i): (t, r) for i, t, r in rows}
    # Alpha (2*4 + 1*3 + 3*5) / 6 = 26/6; Beta (2*5 + 1*1) / 3 = 11/3; Us (2*2 + 5 + 3*2) / 6
    assert shown == {"Alpha": ("4.33", "1"), "Beta": ("3.67", "2"), "Us": ("2.50", "3")}
    found = re.search(r'id="chart-positioning">(.*?)</script>', page)
    assert found
    points = {v["name"]: (v["x"], v["y"]) for v in json.loads(found.group(1))["data"]["values"]}
    assert points == {"Alpha": (4.0, 3.0), "Beta": (5.0, 1.0), "Us": (2.0, 5.0)}
    refused = _post(web, f"{WATCH}/benchmark/scores", {**data, "score": "7"})
    assert refused.status_code == 400 and "between 0 and 5" in refused.text  # type: ignore[attr-defined]
    french = web.client.get(f"{WATCH}/benchmark", headers={"Accept-Language": "fr"}).text
    assert "4,33" in french


def test_a_score_links_to_its_evidence_snapshot(web: Web) -> None:
    web.login()
    with _db(web) as s:
        monitor = add_monitor(s, get_site(s, SITE), "https://rival.example/", every="1h")
        snapshot = Snapshot(monitor_id=monitor.id, fingerprint="f", text="Free delivery")
        s.add(snapshot)
        s.flush()
        monitor_id, snapshot_id = monitor.id, snapshot.id
    _bench(web, "competitors", {"name": "Rival"})
    _bench(web, "criteria", {"name": "Delivery"})
    page = web.client.get(f"{WATCH}/benchmark", headers=EN).text
    (competitor,) = _ids(page, 'name="competitor"')
    (criterion,) = _ids(page, 'name="criterion"')
    data = {"competitor": competitor, "criterion": criterion, "score": "3,5"}
    _bench(web, "scores", {**data, "snapshot": str(snapshot_id)})
    page = web.client.get(f"{WATCH}/benchmark", headers=EN).text
    assert f'href="{WATCH}/{monitor_id}#snapshot-{snapshot_id}"' in page
    assert ">3.5<" in page


def _key(web: Web, email: str, scopes: list[str]) -> dict[str, str]:
    with _db(web) as s:
        user = next(u for u in accounts.list_users(s) if u.email == email)
        _, token = accounts.create_api_key(s, user, "watch", scopes)
    return {"Authorization": f"Bearer {token}"}


def test_the_api_needs_a_key_with_the_scope_and_role(web: Web) -> None:
    api = "/api/v2/watch"
    body = {"site_id": SITE, "url": "https://rival.example/kettle", "kind": "price"}
    assert web.client.get(f"{api}/monitors?site_id={SITE}").status_code == 401
    assert web.client.post(f"{api}/monitors", json=body).status_code == 401
    assert web.client.get(f"{api}/changes?site_id={SITE}").status_code == 401
    reader = _key(web, "owner@example.org", ["stats:read"])
    assert web.client.post(f"{api}/monitors", json=body, headers=reader).status_code == 403
    writer = _key(web, "owner@example.org", ["sites:write"])
    created = web.client.post(f"{api}/monitors", json={**body, "every": "6h"}, headers=writer)
    assert created.status_code == 201, created.text
    assert created.json()["every_seconds"] == 6 * 3600 and "notify" not in created.json()
    bad = web.client.post(f"{api}/monitors", json={**body, "every": "2m"}, headers=writer)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "every"
    listed = web.client.get(f"{api}/monitors?site_id={SITE}", headers=reader).json()
    assert [m["url"] for m in listed["results"]] == ["https://rival.example/kettle"]
    one = created.json()["id"]
    changes = web.client.get(f"{api}/changes?site_id={SITE}&monitor={one}", headers=reader)
    assert changes.status_code == 200 and changes.json() == {"results": []}
    assert web.client.get(f"{api}/monitors?site_id={SITE}", headers=writer).status_code == 403
    _as_viewer(web)
    viewer_writer = _key(web, VIEWER[0], ["sites:write"])
    refused = web.client.post(f"{api}/monitors", json=body, headers=viewer_writer)
    assert refused.status_code == 403
