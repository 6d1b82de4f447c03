"""``POST /api/v2/query``: the Stats API, in the shape of Plausible's Stats API v2.

Authenticated by a bearer API key with the ``stats:read`` scope, limited to the sites its
owner may view (and to one site when the key says so). The body is parsed by the query
model's own parser, so the API, the CLI and the dashboard answer the same way; without a
``timezone`` the site's time zone is used, as on the dashboard.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from pilotage import accounts
from pilotage import sites as domain
from pilotage.analytics import parse_query, run_query
from pilotage.errors import Forbidden, InvalidInput, NotFound, TooManyRequests, Unauthenticated
from pilotage.web.context import instance

router = APIRouter(prefix="/api/v2", tags=["Stats API"])
EXAMPLE = {
    "site_id": "boutique.example",
    "metrics": ["visitors", "pageviews", "bounce_rate"],
    "date_range": "30d",
    "dimensions": ["visit:source"],
    "filters": [["is_not", "visit:country_name", ["FR"]]],
    "order_by": [["visitors", "desc"]],
    "include": {"comparisons": {"mode": "previous_period"}},
    "pagination": {"limit": 10, "offset": 0},
}


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an API key: 'Authorization: Bearer KEY'", field="authorization")
    return token.strip()


def authorised_site(
    request: Request, site_id: object, scope: str, *, action: str = "view"
) -> tuple[str, Any]:
    """The site the key may read (or do ``action`` on), with its goals and rates for the
    query model."""
    token = bearer_token(request)
    with instance(request).app.session() as s:
        key = accounts.authenticate_api_key(s, token)
        if key is None:
            raise Unauthenticated("unknown or revoked API key", field="authorization")
        limiter: accounts.LoginThrottle = request.app.state.api_throttle
        wait = limiter.check(f"key:{key.id}")
        if wait > 0:
            raise TooManyRequests(
                "this API key made too many requests in the last hour", retry_after=wait
            )
        limiter.failure(f"key:{key.id}")  # every request counts towards the hourly limit
        if scope not in key.scopes:
            raise Forbidden(f"this API key lacks the '{scope}' scope", field="authorization")
        if not isinstance(site_id, str) or not site_id:
            raise InvalidInput("site_id must be a non-empty string", field="site_id")
        try:
            site = domain.get_site(s, site_id)
        except NotFound:
            raise NotFound(f"no site '{site_id}' for this key", field="site_id") from None
        user = accounts.get_user(s, key.user_id)
        allowed = key.site_id in (None, site.id)
        role = accounts.role_on(s, user, site.id)
        if not allowed or not accounts.can(role, "view"):
            raise NotFound(f"no site '{site_id}' for this key", field="site_id")
        if not accounts.can(role, action):
            raise Forbidden(f"this key's user may not {action} on '{site_id}'", field="site_id")
        return site.domain, (
            site.timezone,
            domain.analytics_goals(site),
            domain.analytics_rates(site),
        )


@router.post(
    "/query",
    summary="Query the statistics of a site",
    response_description="{results, meta, query}, as Plausible's Stats API v2",
)
def query(
    request: Request, body: Annotated[dict[str, Any], Body(examples=[EXAMPLE])]
) -> JSONResponse:
    """Metrics over a period, optionally by dimensions, filtered, compared and paginated.

    Fields: ``site_id``, ``metrics``, ``date_range`` (``day``, ``7d``, ``30d``, ``month``,
    ``12mo``, ``year``, ``all`` or two ISO dates), ``dimensions`` (``event:page``,
    ``visit:source``, ``visit:country_name``, ``time:day``, ``event:goal``...),
    ``filters`` (``[op, dimension, [values]]`` with ``and``/``or``/``not``), ``order_by``,
    ``include`` (``comparisons``, ``time_labels``, ``totals``), ``pagination``. Metric
    definitions: docs/metrics.md.
    """
    site, (timezone, goals, rates) = authorised_site(request, body.get("site_id"), "stats:read")
    data = {**body, "site_id": site}
    data.setdefault("timezone", timezone)
    parsed = parse_query(data, goals=goals, rates=rates)
    result = run_query(instance(request).events, parsed)
    return JSONResponse(result.to_dict())
