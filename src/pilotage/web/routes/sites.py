"""The list of a user's sites, adding a site, and each site's settings page.

Settings: the tracking snippet and an installation check, goals and funnels (editors),
shared links and the public dashboard switch (admins), members (admins). Every change
is a POST form with a CSRF token and leaves an entry in the audit log.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pilotage import accounts, charts
from pilotage import sites as domain
from pilotage.analytics import Query, run_query
from pilotage.errors import Forbidden, InvalidInput, NotFound, PilotageError
from pilotage.i18n import translations
from pilotage.store.app import Site
from pilotage.web.context import Viewer, Who, instance, prepare, public_base, site_access
from pilotage.web.dashboard import labels
from pilotage.web.templating import page_locale, render

router = APIRouter(dependencies=[Depends(prepare)])
Text = Annotated[str, Form()]
OptionalText = Annotated[str, Form()]


def _gettext(request: Request) -> labels.Gettext:
    return translations(page_locale(request)).gettext


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: Who) -> Response:
    inst = instance(request)
    with inst.app.session() as s:
        user = accounts.get_user(s, who.id)
        mine = [
            (site.domain, site.timezone, accounts.role_on(s, user, site.id))
            for site in accounts.sites_for(s, user)
        ]
    rows = []
    for site, tz, role in mine:
        query = Query(site=site, period="30d", timezone=tz, comparison="previous_period")
        result = run_query(inst.events, query)
        totals = result.totals or (result.rows[0] if result.rows else None)
        by_day = run_query(
            inst.events,
            Query(
                site=site,
                period="30d",
                timezone=tz,
                dimensions=("time:day",),
                totals=False,
                time_labels=True,
            ),
        )
        spark = charts.sparkline_spec(
            by_day, "visitors", label=f"{site}: {_gettext(request)('Visitors of the last 30 days')}"
        )
        rows.append(
            {
                "domain": site,
                "visitors": result.total("visitors"),
                "change": totals.change[0] if totals and totals.change else None,
                "role": role,
                "spark": spark,
            }
        )
    return render(request, "sites.html", {"rows": rows, "roles": labels.roles(_gettext(request))})


@router.get("/sites/new", response_class=HTMLResponse)
def new_site_form(request: Request, who: Who) -> Response:
    return _new_site_page(request, {})


def _new_site_page(
    request: Request, form: dict[str, str], error: str = "", status: int = 200
) -> Response:
    zones = sorted(zoneinfo.available_timezones())
    context = {"form": form, "error": error, "zones": zones}
    return render(request, "site_new.html", context, status_code=status)


@router.post("/sites")
def add_site(
    request: Request,
    who: Who,
    domain_name: Annotated[str, Form(alias="domain")],
    timezone: Text = "Europe/Paris",
    currency: Text = "EUR",
) -> Response:
    form = {"domain": domain_name, "timezone": timezone, "currency": currency}
    try:
        with instance(request).app.session() as s:
            site = domain.add_site(s, domain_name, timezone, currency)
            user = accounts.get_user(s, who.id)
            accounts.grant(s, user, site, "owner", by=user)
            accounts.audit(s, user, "site.add", site.domain, site_id=site.id)
            created = site.domain
    except PilotageError as exc:
        return _new_site_page(request, form, exc.message, status=exc.http_status)
    return RedirectResponse(f"/sites/{created}/settings", status_code=303)


def _settings_context(request: Request, who: Viewer, site: Site) -> dict[str, Any]:
    inst = instance(request)
    with inst.app.session() as s:
        site = s.merge(site)
        user = accounts.get_user(s, who.id)
        role = accounts.role_on(s, user, site.id)
        context: dict[str, Any] = {
            "site": site,
            "role": role,
            "can": {a: accounts.can(role, a) for a in ACTIONS},
            "goals": list(site.goals),
            "funnels": list(site.funnels),
            "links": accounts.list_shared_links(s, site) if accounts.can(role, "share") else [],
            "members": accounts.members(s, site) if accounts.can(role, "manage_members") else [],
            "roles": labels.roles(_gettext(request)),
            "role_names": accounts.ROLES,
        }
    base = public_base(request)
    context["snippet"] = (
        f'<script defer data-domain="{site.domain}" src="{base}/js/pilotage.js"></script>'
    )
    context["base"] = base
    return context


ACTIONS = ("edit_goals", "share", "manage_members", "manage_site", "delete_site")


@router.get("/sites/{domain_name}/settings", response_class=HTMLResponse)
def settings_page(request: Request, who: Who, domain_name: str) -> Response:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "view")
    context = _settings_context(request, who, site)
    context["notice"] = notices(_gettext(request)).get(request.query_params.get("notice", ""), "")
    return render(request, "site_settings.html", context)


def notices(_: labels.Gettext) -> dict[str, str]:
    """What the settings page says after each change (the redirect names it)."""
    return {
        "goal_added": _("Goal added."),
        "goal_deleted": _("Goal deleted."),
        "funnel_added": _("Funnel added."),
        "funnel_deleted": _("Funnel deleted."),
        "link_added": _("Shared link created."),
        "link_revoked": _("Shared link revoked."),
        "public_changed": _("Public dashboard setting saved."),
        "member_added": _("Member saved."),
        "member_revoked": _("Member removed."),
        "site_edited": _("Report settings saved."),
    }


@router.post("/sites/{domain_name}/verify", response_class=HTMLResponse)
def verify(request: Request, who: Who, domain_name: str) -> Response:
    """Has the collector received anything for this site? Counts events of the last day
    and gives the time of the last one."""
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "view")
    since = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1)
    last = instance(request).events.scalar(
        "SELECT max(ts) FROM events WHERE site = ?", [site.domain]
    )
    recent = last is not None and last >= since
    return render(request, "verify.html", {"last": last, "recent": recent})


def _audit(s: Session, who: Viewer, action: str, site: Site, target: str) -> None:
    accounts.audit(s, accounts.get_user(s, who.id), action, target, site_id=site.id)


def _back(domain_name: str, notice: str = "") -> Response:
    suffix = f"?notice={notice}" if notice else ""
    return RedirectResponse(f"/sites/{domain_name}/settings{suffix}", status_code=303)


def _settings_error(request: Request, who: Viewer, site: Site, exc: PilotageError) -> Response:
    context = _settings_context(request, who, site)
    context["error"] = exc.message
    context["notice"] = ""
    return render(request, "site_settings.html", context, status_code=exc.http_status)


@router.post("/sites/{domain_name}/goals")
def add_goal(
    request: Request,
    who: Who,
    domain_name: str,
    name: Text,
    kind: Text,
    target: Text,
    currency: OptionalText = "",
) -> Response:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "edit_goals")
    try:
        with instance(request).app.session() as s:
            site = s.merge(site)
            page, event = (target, "") if kind == "page" else ("", target)
            if kind not in ("page", "event"):
                raise InvalidInput("a goal is a page or an event", field="kind")
            domain.add_goal(s, site, name, page=page, event=event, currency=currency or None)
            _audit(s, who, "goal.add", site, f"{site.domain}:{name}")
    except PilotageError as exc:
        return _settings_error(request, who, site, exc)
    return _back(domain_name, "goal_added")


@router.post("/sites/{domain_name}/goals/{goal_id}/delete")
def delete_goal(request: Request, who: Who, domain_name: str, goal_id: int) -> Response:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "edit_goals")
        goal = next((g for g in site.goals if g.id == goal_id), None)
        if goal is None:
            raise NotFound(f"no goal {goal_id} on {site.domain}", field="goal")
        used = [f.name for f in site.funnels if goal.name in f.steps]
        if used:
            raise InvalidInput(
                f"goal '{goal.name}' is a step of funnel '{used[0]}'; delete the funnel first",
                field="goal",
            )
        site.goals.remove(goal)
        _audit(s, who, "goal.delete", site, f"{site.domain}:{goal.name}")
    return _back(domain_name, "goal_deleted")


@router.post("/sites/{domain_name}/funnels")
def add_funnel(
    request: Request,
    who: Who,
    domain_name: str,
    name: Text,
    steps: Text,
    window_hours: Annotated[int, Form()] = 24,
) -> Response:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "edit_goals")
    try:
        if not 1 <= window_hours <= 24 * 90:
            raise InvalidInput("the window is 1 hour to 90 days", field="window_hours")
        with instance(request).app.session() as s:
            site = s.merge(site)
            names = [n.strip() for n in steps.split("\n") if n.strip()]
            domain.add_funnel(s, site, name, names, window_hours * 3600)
            _audit(s, who, "funnel.add", site, f"{site.domain}:{name}")
    except PilotageError as exc:
        return _settings_error(request, who, site, exc)
    return _back(domain_name, "funnel_added")


@router.post("/sites/{domain_name}/funnels/{funnel_id}/delete")
def delete_funnel(request: Request, who: Who, domain_name: str, funnel_id: int) -> Response:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "edit_goals")
        funnel = next((f for f in site.funnels if f.id == funnel_id), None)
        if funnel is None:
            raise NotFound(f"no funnel {funnel_id} on {site.domain}", field="funnel")
        site.funnels.remove(funnel)
        _audit(s, who, "funnel.delete", site, f"{site.domain}:{funnel.name}")
    return _back(domain_name, "funnel_deleted")


@router.post("/sites/{domain_name}/links")
def add_link(
    request: Request, who: Who, domain_name: str, name: Text, password: OptionalText = ""
) -> Response:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "share")
    try:
        with instance(request).app.session() as s:
            user = accounts.get_user(s, who.id)
            accounts.create_shared_link(s, s.merge(site), name, password or None, by=user)
    except PilotageError as exc:
        return _settings_error(request, who, site, exc)
    return _back(domain_name, "link_added")


@router.post("/sites/{domain_name}/links/{link_id}/revoke")
def revoke_link(request: Request, who: Who, domain_name: str, link_id: int) -> Response:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "share")
        if not any(link.id == link_id for link in accounts.list_shared_links(s, site)):
            raise NotFound(f"no shared link {link_id} on {site.domain}", field="link")
        accounts.revoke_shared_link(s, link_id, by=accounts.get_user(s, who.id))
    return _back(domain_name, "link_revoked")


@router.post("/sites/{domain_name}/public")
def set_public(request: Request, who: Who, domain_name: str, public: OptionalText = "") -> Response:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "share")
        site.public = public == "on"
        action = "site.public_on" if site.public else "site.public_off"
        _audit(s, who, action, site, site.domain)
    return _back(domain_name, "public_changed")


@router.post("/sites/{domain_name}/members")
def add_member(request: Request, who: Who, domain_name: str, email: Text, role: Text) -> Response:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "manage_members")
    try:
        with instance(request).app.session() as s:
            site = s.merge(site)
            me = accounts.get_user(s, who.id)
            member = accounts.find_user(s, email)
            if member is None:
                raise NotFound(f"no user '{email}'; create the account first", field="email")
            _check_owner_rights(s, me, member, site, role)
            accounts.grant(s, member, site, role, by=me)
    except PilotageError as exc:
        return _settings_error(request, who, site, exc)
    return _back(domain_name, "member_added")


@router.post("/sites/{domain_name}/members/{user_id}/revoke")
def revoke_member(request: Request, who: Who, domain_name: str, user_id: int) -> Response:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "manage_members")
        me = accounts.get_user(s, who.id)
        member = accounts.get_user(s, user_id)
        _check_owner_rights(s, me, member, site, None)
        accounts.revoke(s, member, site, by=me)
    return _back(domain_name, "member_revoked")


def _check_owner_rights(
    s: Session, me: accounts.User, member: accounts.User, site: Site, role: str | None
) -> None:
    """Only an owner makes, changes or removes an owner (admins manage the others)."""
    if accounts.can(accounts.role_on(s, me, site.id), "delete_site"):
        return
    if role == "owner":
        raise Forbidden("only an owner can make another owner", field="role")
    if accounts.role_on(s, member, site.id) == "owner":
        raise Forbidden("only an owner can change or remove an owner", field="role")


@router.post("/sites/{domain_name}/edit")
def edit_site(
    request: Request, who: Who, domain_name: str, timezone: Text, currency: Text
) -> Response:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "manage_site")
    try:
        with instance(request).app.session() as s:
            site = s.merge(site)
            domain.update_site(s, site, timezone=timezone, currency=currency)
            user = accounts.get_user(s, who.id)
            detail = {"timezone": site.timezone, "currency": site.currency}
            accounts.audit(s, user, "site.edit", site.domain, site_id=site.id, **detail)
    except PilotageError as exc:
        return _settings_error(request, who, site, exc)
    return _back(domain_name, "site_edited")


@router.post("/sites/{domain_name}/delete")
def delete_site(
    request: Request, who: Who, domain_name: str, confirm: OptionalText = ""
) -> Response:
    """Delete a site, its settings and all its statistics (owners only; the domain must
    be typed again)."""
    with instance(request).app.session() as s:
        site = site_access(s, who, domain_name, "delete_site")
        if confirm.strip().lower() != site.domain:
            raise InvalidInput("type the site's domain to confirm the deletion", field="confirm")
        site_id = site.id
        deleted = domain.delete_site(s, site)
        accounts.audit(s, accounts.get_user(s, who.id), "site.delete", deleted, site_id=site_id)
    instance(request).events.delete_site(deleted)
    return RedirectResponse("/", status_code=303)
