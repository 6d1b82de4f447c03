"""The dashboard of a site, its details tables, CSV exports and realtime count.

Three doors lead to the same pages: a signed-in member (``/sites/DOMAIN``), a shared
link (``/share/SLUG``, optionally behind a password) and an opted-in public dashboard
(``/public/DOMAIN``). The last two are read-only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from pilotage import accounts
from pilotage.analytics import Backend, Query, Result, run_query
from pilotage.errors import NotFound
from pilotage.export import csv_text
from pilotage.i18n import translations
from pilotage.sites import get_site
from pilotage.store.app import Site
from pilotage.web import charts_view
from pilotage.web.context import Viewer, Who, instance, prepare, site_access
from pilotage.web.dashboard import labels, panels, view
from pilotage.web.dashboard.state import TABS, State, parse_state
from pilotage.web.links import link_unlocked, password_page
from pilotage.web.templating import page_locale, render

router = APIRouter(dependencies=[Depends(prepare)])
DETAIL_DIMENSIONS = frozenset({d for tabs in TABS.values() for d in tabs} | {"goal"})


def check_table(dimension: str) -> None:
    """The tables a details page or an export may show: the dashboard's own."""
    if dimension in DETAIL_DIMENSIONS:
        return
    if dimension.startswith("prop:") and 5 < len(dimension) <= 300:
        return
    raise NotFound(f"no table '{dimension[:100]}'", field="dimension")


@dataclass(frozen=True)
class Door:
    """How the dashboard was reached: the site, the base URL of its pages, and rights."""

    spec: panels.SiteSpec
    base: str
    readonly: bool
    role: str | None = None
    slug: str | None = None


def member_door(request: Request, domain: str, who: Viewer) -> Door:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain, "view")
        role = accounts.role_on(s, accounts.get_user(s, who.id), site.id)
        return Door(panels.site_spec(s, site), f"/sites/{site.domain}", False, role)


def link_door(request: Request, slug: str) -> Door | None:
    """The door of a shared link, or None while its password is still to be given."""
    with instance(request).app.session() as s:
        link = accounts.shared_link(s, slug)
        if link is None:
            raise NotFound("this shared link does not exist or was revoked", field="slug")
        if not link_unlocked(request, link):
            return None
        site = s.get(Site, link.site_id)
        if site is None:
            raise NotFound("this shared link's site no longer exists", field="slug")
        return Door(panels.site_spec(s, site), f"/share/{slug}", True, slug=slug)


def public_door(request: Request, domain: str) -> Door:
    with instance(request).app.session() as s:
        try:
            site = get_site(s, domain)
        except NotFound:
            site = None
        if site is None or not site.public:
            # One answer whether the site exists or not: names are not given away.
            raise NotFound(f"no public dashboard for '{domain[:100]}'", field="domain")
        return Door(panels.site_spec(s, site), f"/public/{site.domain}", True)


def backend(request: Request) -> Backend:
    found: Backend = instance(request).events
    return found


def dashboard_page(request: Request, door: Door) -> Response:
    state = parse_state(request.query_params)
    board = panels.dashboard(backend(request), door.spec, state)
    locale = page_locale(request)
    _ = translations(locale).gettext
    query = urlencode(state.params())
    slots = panels.panel_keys(door.spec)
    context = {
        "door": door,
        "state": state,
        "board": board,
        "cards": view.cards(board, door.base, labels.metrics(_)),
        "chart": charts_view.timeseries(board.chart, state.metric, locale, _),
        "slots": [
            (key, f"{door.base}/panel/{key}" + (f"?{query}" if query else "")) for key in slots
        ],
        "chips": view.chips(state, door.base, _),
        "intervals": [
            (name, labels.intervals(_)[name], state.url(door.base, interval=name))
            for name in panels.intervals(board.days)
        ],
        "interval": board.chart.dimensions[0].removeprefix("time:"),
        "periods": labels.periods(_),
        "metric_names": labels.metrics(_),
    }
    return render(request, "dashboard.html", context)


def panel_fragment(request: Request, door: Door, key: str) -> Response:
    """One table of the dashboard (htmx loads each after the page)."""
    if key not in panels.panel_keys(door.spec):
        raise NotFound(f"no panel '{key[:50]}'", field="panel")
    state = parse_state(request.query_params)
    _ = translations(page_locale(request)).gettext
    db, spec = backend(request), door.spec
    if key.startswith("funnel-"):
        index = int(key.removeprefix("funnel-"))
        found = panels.funnel(db, spec, state, index)
        context = {"funnel": found, "steps": view.funnel_rows(found), "index": index}
        return render(request, "_funnel.html", context)
    table = None
    if key == "goals":
        result = panels.goals(db, spec, state)
        if result is not None:
            table = view.table(result, state, door.base, _, key=key, title=_("Goal conversions"))
    elif key == "props":
        keys, result = panels.properties(db, spec, state)
        if result is not None:
            table = view.table(result, state, door.base, _, key=key, title=_("Custom properties"))
            chosen = result.dimensions[0].removeprefix("prop:")
            table.tabs = view.property_tabs(keys, chosen, state, door.base)
    else:
        result = panels.breakdown(db, spec, state, state.tab(key))
        title = labels.panels(_)[key]
        table = view.table(result, state, door.base, _, key=key, title=title)
    return render(request, "_panel.html", {"table": table, "door": door})


def details_page(request: Request, door: Door, dimension: str) -> Response:
    check_table(dimension)
    state = parse_state(request.query_params)
    _ = translations(page_locale(request)).gettext
    result = _table_result(request, door, state, dimension, panels.DETAIL_ROWS)
    title = labels.dimensions(_).get(dimension, dimension)
    table = view.table(result, state, door.base, _, key=dimension, title=title)
    return render(request, "details.html", {"door": door, "state": state, "table": table})


def _table_result(request: Request, door: Door, state: State, dimension: str, limit: int) -> Result:
    if dimension == "goal":
        found = panels.goals(backend(request), door.spec, state, limit)
        if found is None:
            raise NotFound("this site has no goals", field="dimension")
        return found
    return panels.breakdown(backend(request), door.spec, state, dimension, limit)


def export_csv(request: Request, door: Door, dimension: str) -> Response:
    check_table(dimension)
    state = parse_state(request.query_params)
    result = _table_result(request, door, state, dimension, panels.EXPORT_ROWS)
    header = [dimension, *result.metrics]
    rows = [[*r.dimensions, *r.metrics] for r in result.rows]
    name = f"{door.spec.domain}-{dimension}-{result.date_range[0]}-{result.date_range[1]}.csv"
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name)  # a property name may hold anything
    return Response(
        csv_text(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def realtime_fragment(request: Request, door: Door) -> Response:
    query = Query(site=door.spec.domain, metrics=("visitors", "pageviews"), period="5min")
    result = run_query(backend(request), query)
    return render(request, "realtime.html", {"visitors": result.total("visitors"), "door": door})


# Members
@router.get("/sites/{domain}", response_class=HTMLResponse)
def member_dashboard(request: Request, who: Who, domain: str) -> Response:
    return dashboard_page(request, member_door(request, domain, who))


@router.get("/sites/{domain}/panel/{key}", response_class=HTMLResponse)
def member_panel(request: Request, who: Who, domain: str, key: str) -> Response:
    return panel_fragment(request, member_door(request, domain, who), key)


@router.get("/sites/{domain}/details/{dimension:path}", response_class=HTMLResponse)
def member_details(request: Request, who: Who, domain: str, dimension: str) -> Response:
    return details_page(request, member_door(request, domain, who), dimension)


@router.get("/sites/{domain}/export/{dimension:path}.csv")
def member_export(request: Request, who: Who, domain: str, dimension: str) -> Response:
    return export_csv(request, member_door(request, domain, who), dimension)


@router.get("/sites/{domain}/realtime", response_class=HTMLResponse)
def member_realtime(request: Request, who: Who, domain: str) -> Response:
    return realtime_fragment(request, member_door(request, domain, who))


# Public dashboards (opt-in per site)
@router.get("/public/{domain}", response_class=HTMLResponse)
def public_dashboard(request: Request, domain: str) -> Response:
    return dashboard_page(request, public_door(request, domain))


@router.get("/public/{domain}/panel/{key}", response_class=HTMLResponse)
def public_panel(request: Request, domain: str, key: str) -> Response:
    return panel_fragment(request, public_door(request, domain), key)


@router.get("/public/{domain}/details/{dimension:path}", response_class=HTMLResponse)
def public_details(request: Request, domain: str, dimension: str) -> Response:
    return details_page(request, public_door(request, domain), dimension)


@router.get("/public/{domain}/export/{dimension:path}.csv")
def public_export(request: Request, domain: str, dimension: str) -> Response:
    return export_csv(request, public_door(request, domain), dimension)


@router.get("/public/{domain}/realtime", response_class=HTMLResponse)
def public_realtime(request: Request, domain: str) -> Response:
    return realtime_fragment(request, public_door(request, domain))


# Shared links (read-only; a password page first when the link has one)
def _shared(request: Request, slug: str) -> Door | Response:
    door = link_door(request, slug)
    return door if door is not None else password_page(request, slug)


@router.get("/share/{slug}", response_class=HTMLResponse)
def shared_dashboard(request: Request, slug: str) -> Response:
    door = _shared(request, slug)
    return door if isinstance(door, Response) else dashboard_page(request, door)


@router.get("/share/{slug}/panel/{key}", response_class=HTMLResponse)
def shared_panel(request: Request, slug: str, key: str) -> Response:
    door = _shared(request, slug)
    return door if isinstance(door, Response) else panel_fragment(request, door, key)


@router.get("/share/{slug}/details/{dimension:path}", response_class=HTMLResponse)
def shared_details(request: Request, slug: str, dimension: str) -> Response:
    door = _shared(request, slug)
    return door if isinstance(door, Response) else details_page(request, door, dimension)


@router.get("/share/{slug}/export/{dimension:path}.csv")
def shared_export(request: Request, slug: str, dimension: str) -> Response:
    door = _shared(request, slug)
    return door if isinstance(door, Response) else export_csv(request, door, dimension)


@router.get("/share/{slug}/realtime", response_class=HTMLResponse)
def shared_realtime(request: Request, slug: str) -> Response:
    door = _shared(request, slug)
    return door if isinstance(door, Response) else realtime_fragment(request, door)
