"""The Watch API (``/api/v2/watch``): list and add monitors, read their changes.

Keys authenticate as for the Stats API (``authorised_site``): reading needs the
``stats:read`` scope, adding a monitor ``sites:write`` and the editor role. A monitor's
notification targets never leave the server: they hold webhook secrets and apprise URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from pilotage.errors import InvalidInput
from pilotage.sites import get_site
from pilotage.store.app import Change, Monitor
from pilotage.watch.monitors import add_monitor, get_monitor, list_monitors, recent_changes
from pilotage.web.context import instance
from pilotage.web.routes.stats_api import authorised_site

router = APIRouter(prefix="/api/v2/watch", tags=["Watch API"])
API_FIELDS = frozenset(
    {"site_id", "url", "kind", "name", "css", "xpath", "jsonpath", "every", "competitor"}
    | {"keywords", "thresholds", "notify"}
)


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(tzinfo=UTC).isoformat()


def monitor_json(m: Monitor) -> dict[str, Any]:
    """A monitor for the API; its notification targets stay out (they hold secrets)."""
    return {
        "id": m.id, "name": m.name, "url": m.url, "kind": m.kind, "css": m.css,
        "xpath": m.xpath, "jsonpath": m.jsonpath, "every_seconds": m.every_seconds,
        "competitor": m.competitor, "keywords": m.keywords, "thresholds": m.thresholds,
        "active": m.active, "last_checked_at": _instant(m.last_checked_at),
        "next_check_at": _instant(m.next_check_at), "last_error": m.last_error,
    }  # fmt: skip


def change_json(c: Change) -> dict[str, Any]:
    return {
        "id": c.id, "monitor_id": c.monitor_id, "detected_at": _instant(c.detected_at),
        "summary": c.summary, "added": c.added, "removed": c.removed,
        "words_added": c.words_added, "words_removed": c.words_removed,
        "price_old": c.price_old, "price_new": c.price_new,
        "availability_old": c.availability_old, "availability_new": c.availability_new,
        "significance": c.significance, "alerted": c.alerted,
    }  # fmt: skip


def api_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """``add_monitor``'s arguments from an API body, each of the type it takes."""
    unknown = sorted(set(body) - API_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0][:40]!r}", field=unknown[0][:40])
    fields = {k: v for k, v in body.items() if k != "site_id" and v is not None}
    for name, value in fields.items():
        wanted: Any = dict if name in ("keywords", "thresholds", "notify") else str
        if name == "every":
            wanted = (str, int)
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise InvalidInput(f"{name} has the wrong type", field=name)
    if "url" not in fields:
        raise InvalidInput("url is required", field="url")
    return fields


@router.get("/monitors", summary="List a site's monitors")
def api_monitors(request: Request, site_id: str = "") -> JSONResponse:
    """The monitors of ``site_id`` (scope ``stats:read``)."""
    domain, _ = authorised_site(request, site_id, "stats:read")
    with instance(request).app.session() as s:
        rows = [monitor_json(m) for m in list_monitors(s, get_site(s, domain))]
    return JSONResponse({"results": rows})


@router.post("/monitors", summary="Add a monitor", status_code=201)
def api_add(
    request: Request,
    body: Annotated[
        dict[str, Any] | None,
        Body(examples=[{"site_id": "boutique.example", "url": "https://rival.example/kettle",
                        "kind": "price", "every": "6h", "thresholds": {"drop_pct": 10}}]),
    ] = None,
) -> JSONResponse:  # fmt: skip
    """Add a monitor (scope ``sites:write``, editor role): ``url``, ``kind`` (text, price,
    availability, feed), one of ``css``/``xpath``/``jsonpath``, ``every`` (30m, 6h, 1d),
    ``name``, ``competitor``, ``keywords``, ``thresholds``, ``notify``."""
    body = body or {}  # the key is checked before the body
    domain, _ = authorised_site(request, body.get("site_id"), "sites:write", action="edit_goals")
    fields = api_fields(body)
    with instance(request).app.session() as s:
        data = monitor_json(add_monitor(s, get_site(s, domain), **fields))
    return JSONResponse(data, status_code=201)


@router.get("/changes", summary="Recent changes of a site's monitors")
def api_changes(request: Request, site_id: str = "", monitor: str = "") -> JSONResponse:
    """Changes newest first, of all the site's monitors or of ``monitor`` (its id)."""
    domain, _ = authorised_site(request, site_id, "stats:read")
    if monitor and not monitor.isdigit():
        raise InvalidInput(f"monitor {monitor[:20]!r} is not a monitor id", field="monitor")
    with instance(request).app.session() as s:
        site = get_site(s, domain)
        one = get_monitor(s, int(monitor), site) if monitor else None
        rows = [change_json(c) for c in recent_changes(s, site=site, monitor=one)]
    return JSONResponse({"results": rows})
