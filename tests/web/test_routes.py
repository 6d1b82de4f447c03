"""The route table: every non-public route needs a sign-in, and every JSON error has
one shape."""

from __future__ import annotations

import re

from starlette.routing import Mount

from tests.web.web_support import SITE, Web

# The routes anyone may reach, and why.
PUBLIC = {
    ("GET", "/login"),  # the way in
    ("POST", "/login"),
    ("POST", "/logout"),  # ends a session, if any
    ("POST", "/language"),  # a cookie for anonymous visitors
    ("GET", "/api/health"),  # liveness probes
    ("GET", "/js/pilotage.js"),  # the tracker, loaded by measured sites
    ("GET", "/api/docs"),  # the API's documentation page
    ("GET", "/api/openapi.json"),
    ("POST", "/api/v2/query"),  # bearer API keys, checked by the route itself
    ("POST", "/api/v2/experiments"),
    ("POST", "/api/v2/attribution"),
    ("POST", "/api/v2/customers"),
}
# Read-only doors with their own checks: a shared link's slug (and password), a site's
# opt-in public flag. Tested in test_sharing.py.
PUBLIC_PREFIXES = ("/share/{slug}", "/public/{domain}")


def _walk(routes: list[object], prefix: str = "") -> list[tuple[str, str]]:
    """Method and path of every route, into included routers (FastAPI keeps them nested)."""
    found = []
    for route in routes:
        if isinstance(route, Mount):
            continue
        if hasattr(route, "original_router"):  # an included APIRouter
            inner = prefix + getattr(route.include_context, "prefix", "")
            found += _walk(route.original_router.routes, inner)
            continue
        methods = getattr(route, "methods", None) or {"GET"}
        found += [(m, prefix + route.path) for m in sorted(methods - {"HEAD"})]  # type: ignore[attr-defined]
    return found


def _routes(web: Web) -> list[tuple[str, str]]:
    app = web.client.app.app  # type: ignore[attr-defined]  # inside the collector endpoint
    return _walk(app.routes)


def _concrete(path: str) -> str:
    values = {"domain": SITE, "domain_name": SITE, "dimension": "page", "slug": "x" * 22}
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: values.get(m.group(1), "1"), path)


def test_every_private_route_needs_a_sign_in(web: Web) -> None:
    checked = 0
    for method, path in _routes(web):
        if (method, path) in PUBLIC or path.startswith(PUBLIC_PREFIXES):
            continue
        r = web.client.request(method, _concrete(path), follow_redirects=False)
        if path.startswith("/api/"):
            assert r.status_code == 401, (method, path, r.status_code)
        else:
            # Unsafe methods meet the CSRF check first; both refuse without a session.
            assert r.status_code in (303, 403), (method, path, r.status_code)
            if r.status_code == 303:
                assert r.headers["location"].startswith("/login?next="), (method, path)
        checked += 1
    assert checked >= 20  # the walk really walked


def test_public_list_names_only_existing_routes(web: Web) -> None:
    assert set(PUBLIC) <= set(_routes(web))


def test_json_errors_have_one_shape(web: Web) -> None:
    cases = [
        web.client.post("/api/v2/query", json={"site_id": SITE}),
        web.client.post(
            "/api/v2/query", content=b"not json", headers={"Authorization": "Bearer x"}
        ),
        web.client.post("/api/v2/query", json=[1, 2], headers={"Authorization": "Bearer nope"}),
        web.client.get("/api/v2/query"),
        web.client.post("/api/v2/experiments", json={"site_id": SITE}),
        web.client.post("/api/v2/attribution", json=[], headers={"Authorization": "Bearer x"}),
        web.client.get("/api/nowhere"),
        web.client.post("/api/event", content=b"{", headers={"Content-Type": "text/plain"}),
        web.client.post("/api/event", json={"n": "pageview"}),
        web.client.get(f"/sites/{SITE}", headers={"Accept": "application/json"}),
    ]
    for r in cases:
        assert 400 <= r.status_code < 500, (r.request.url, r.status_code)
        body = r.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) - {"field"} == {"code", "message"}, body
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]
