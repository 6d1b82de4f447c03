"""The Stats API: bearer keys, scopes, sites, and the same numbers as the CLI and pages."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from datetime import timedelta

import orjson
import pytest

from pilotage import accounts
from pilotage.cli import main
from tests.web.web_support import SITE, Web


def _key(
    web: Web, scopes: tuple[str, ...] = ("stats:read",), email: str = "owner@example.org"
) -> str:
    with web.client.app.state.instance.app.session() as s:  # type: ignore[attr-defined]
        user = accounts.find_user(s, email)
        assert user is not None
        _row, token = accounts.create_api_key(s, user, "test", list(scopes))
    return token


def _query(web: Web, body: dict[str, object], token: str | None) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = web.client.post("/api/v2/query", json=body, headers=headers)
    return r.status_code, r.json()


def _traffic(web: Web) -> None:
    web.hit("https://shop.example/", "https://www.google.com/", visitor=1)
    web.hit("https://shop.example/products", "https://www.google.com/", visitor=2)
    web.hit("https://shop.example/products?utm_source=newsletter&utm_medium=email", visitor=3)
    web.hit("https://shop.example/thanks", "https://duckduckgo.com/", visitor=4)
    web.hit("https://shop.example/thanks", visitor=4)
    web.drain()


def test_without_a_key_the_answer_is_401_in_the_error_shape(web: Web) -> None:
    status, body = _query(web, {"site_id": SITE, "metrics": ["visitors"]}, None)
    assert status == 401
    assert body["error"]["code"] == "unauthenticated"  # type: ignore[index]
    assert body["error"]["field"] == "authorization"  # type: ignore[index]


def test_a_key_without_the_scope_is_403(web: Web) -> None:
    token = _key(web, ("sites:read",))
    status, body = _query(web, {"site_id": SITE, "metrics": ["visitors"]}, token)
    assert status == 403 and body["error"]["code"] == "forbidden"  # type: ignore[index]


def test_a_revoked_key_is_401(web: Web) -> None:
    token = _key(web)
    with web.client.app.state.instance.app.session() as s:  # type: ignore[attr-defined]
        key = accounts.authenticate_api_key(s, token)
        assert key is not None
        accounts.revoke_api_key(s, key.id)
    assert _query(web, {"site_id": SITE, "metrics": ["visitors"]}, token)[0] == 401


def test_a_site_the_keys_owner_cannot_see_is_404(web: Web) -> None:
    with web.client.app.state.instance.app.session() as s:  # type: ignore[attr-defined]
        accounts.create_user(s, "other@example.org", "another long secret")
    token = _key(web, email="other@example.org")
    status, body = _query(web, {"site_id": SITE, "metrics": ["visitors"]}, token)
    assert status == 404 and body["error"]["field"] == "site_id"  # type: ignore[index]


def test_bad_query_names_the_field(web: Web) -> None:
    token = _key(web)
    status, body = _query(web, {"site_id": SITE, "metrics": ["visitorz"]}, token)
    assert status == 400 and body["error"]["field"] == "metrics"  # type: ignore[index]


def _cli_json(args: list[str]) -> dict[str, object]:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(args) == 0
    return orjson.loads(out.getvalue())  # type: ignore[no-any-return]


def _page_numbers(html: str, key: str) -> dict[str, str]:
    """Row label -> first figure of a dashboard table, read back from the HTML."""
    section = html.split(f'id="panel-{key}"', 1)[1].split("</section>", 1)[0]
    pairs = re.findall(
        r'<a href="[^"]+" title="[^"]+">([^<]*)</a>\s*</th>\s*<td class="num">([^<]+)</td>', section
    )
    return dict(pairs)


def test_api_cli_and_dashboard_agree(web: Web) -> None:
    _traffic(web)
    token = _key(web)
    queries = [
        ({"metrics": ["visitors", "pageviews", "bounce_rate", "visit_duration"]}, ""),
        ({"metrics": ["visitors"], "dimensions": ["visit:source"]}, "source"),
        ({"metrics": ["visitors", "pageviews"], "dimensions": ["event:page"]}, "page"),
    ]
    api = []
    for extra, _ in queries:
        status, body = _query(web, {"site_id": SITE, "date_range": "7d", **extra}, token)
        assert status == 200, body
        api.append(body["results"])
    web.login()
    page = "".join(
        web.client.get(f"/sites/{SITE}/panel/{key}?period=7d&sources=source&pages=page").text
        for key in ("sources", "pages")
    )
    web.client.__exit__(None, None, None)  # the CLI opens the store after the server closes it

    for (extra, by), results in zip(queries, api, strict=True):
        metrics = ",".join(extra["metrics"])  # type: ignore[arg-type]
        cli = _cli_json(
            [
                "stats",
                "--site",
                SITE,
                "--period",
                "7d",
                "--metrics",
                metrics,
                "--by",
                by,
                "--format",
                "json",
            ]
        )
        assert cli["results"] == results
        if by:
            shown = _page_numbers(page, "sources" if by == "source" else "pages")
            assert shown == {r["dimensions"][0]: str(r["metrics"][0]) for r in results}  # type: ignore[index]


def test_a_key_is_limited_per_hour(web: Web) -> None:
    from pilotage.accounts import LoginThrottle

    web.client.app.state.api_throttle = LoginThrottle(max_failures=3, window=timedelta(hours=1))  # type: ignore[attr-defined]
    token = _key(web)
    statuses = [_query(web, {"site_id": SITE, "metrics": ["visitors"]}, token)[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    r = web.client.post(
        "/api/v2/query",
        json={"site_id": SITE, "metrics": ["visitors"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.json()["error"]["code"] == "too_many_requests" and int(r.headers["retry-after"]) > 0
    other = _key(web)  # each key has its own budget
    assert _query(web, {"site_id": SITE, "metrics": ["visitors"]}, other)[0] == 200


def test_experiments_and_attribution_over_the_api(web: Web) -> None:
    from pilotage import attribution, experiments
    from pilotage.sites import analytics_goals, get_site

    for i in range(1, 7):
        web.hit(
            "https://shop.example/checkout",
            "https://www.google.com/",
            visitor=i,
            p={"f": "AB"[i % 2]},
        )
        if i % 3 == 0:
            web.hit("https://shop.example/thanks", visitor=i)
    web.drain()
    token = _key(web)
    headers = {"Authorization": f"Bearer {token}"}
    r = web.client.post(
        "/api/v2/experiments",
        json={"site_id": SITE, "experiment": "f", "date_range": "day"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    inst = web.client.app.state.instance  # type: ignore[attr-defined]
    with inst.app.session() as s:
        site = get_site(s, SITE)
        goals, tz = analytics_goals(site), site.timezone
    data = experiments.experiment_stats(
        inst.events, SITE, "f", goals=goals, period="day", timezone=tz
    )
    assert body["variants"] == list(data.variants) and body["visitors"] == list(data.visitors)
    expected = experiments.analyze_experiment(data)
    thanks = next(m for m in body["metrics"] if m["metric"] == "Thanks")
    want = next(a for a in expected if a.metric == "Thanks")
    assert thanks["treatments"][0]["p_value"] == pytest.approx(
        float(want.test.p_value[0]), abs=1e-12
    )

    r = web.client.post(
        "/api/v2/attribution",
        json={"site_id": SITE, "goal": "Thanks", "date_range": "day"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    journeys = attribution.journeys_from_store(inst.events, SITE, "day", goals[0], timezone=tz)
    assert r.json()["models"] == attribution.compare(journeys).to_dict()["models"]

    bad = web.client.post(
        "/api/v2/attribution", json={"site_id": SITE, "goal": "Nope"}, headers=headers
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "goal"
    none = web.client.post(
        "/api/v2/experiments", json={"site_id": SITE, "experiment": "zz"}, headers=headers
    )
    assert none.status_code == 404 and none.json()["error"]["field"] == "experiment"
    assert web.client.post("/api/v2/experiments", json={"site_id": SITE}).status_code == 401


def test_attribution_api_options(web: Web) -> None:
    from pilotage import attribution
    from pilotage.sites import analytics_goals, get_site

    web.hit("https://shop.example/", "https://www.google.com/", visitor=1)
    web.hit("https://shop.example/?utm_source=n&utm_medium=email", visitor=1)
    web.hit("https://shop.example/thanks", visitor=1)
    web.drain()
    headers = {"Authorization": f"Bearer {_key(web)}"}
    body = {"site_id": SITE, "goal": "Thanks", "date_range": "day", "order": 2, "half_life_days": 1}
    r = web.client.post("/api/v2/attribution", json=body, headers=headers)
    assert r.status_code == 200, r.text
    inst = web.client.app.state.instance  # type: ignore[attr-defined]
    with inst.app.session() as s:
        site = get_site(s, SITE)
        goal, tz = analytics_goals(site)[0], site.timezone
    journeys = attribution.journeys_from_store(inst.events, SITE, "day", goal, timezone=tz)
    want = attribution.compare(journeys, half_life_days=1.0, order=2).to_dict()["models"]
    assert r.json()["models"] == want
    bad = web.client.post("/api/v2/attribution", json={**body, "order": "two"}, headers=headers)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "order"
