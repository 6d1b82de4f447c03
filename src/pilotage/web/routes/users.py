"""People of the installation, for its owner: create accounts, reset passwords, disable.

Passwords are generated and shown once, on the answer to the action (no e-mail is sent:
the owner hands them over). Roles on sites are given on each site's settings page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pilotage import accounts
from pilotage.errors import Forbidden, InvalidInput, PilotageError
from pilotage.i18n import translations
from pilotage.sites import get_site
from pilotage.web.context import Viewer, Who, instance, prepare
from pilotage.web.dashboard import labels
from pilotage.web.templating import page_locale, render

router = APIRouter(dependencies=[Depends(prepare)])
Text = Annotated[str, Form()]


def _owner_only(who: Viewer) -> None:
    if not who.is_owner:
        raise Forbidden("only the instance owner manages accounts", field="role")


def _page(
    request: Request,
    who: Viewer,
    *,
    shown: tuple[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    with instance(request).app.session() as s:
        users = accounts.list_users(s)
        domains = [site.domain for site in accounts.sites_for(s, accounts.get_user(s, who.id))]
    _ = translations(page_locale(request)).gettext
    context = {
        "users": users,
        "domains": domains,
        "shown": shown,
        "error": error,
        "roles": labels.roles(_),
        "role_names": accounts.ROLES,
    }
    return render(request, "users.html", context, status_code=status)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, who: Who) -> Response:
    _owner_only(who)
    return _page(request, who)


@router.post("/users", response_class=HTMLResponse)
def create(
    request: Request,
    who: Who,
    email: Text,
    name: Text = "",
    site: Text = "",
    role: Text = "viewer",
) -> Response:
    _owner_only(who)
    password = accounts.random_password()
    try:
        with instance(request).app.session() as s:
            me = accounts.get_user(s, who.id)
            if site and role not in accounts.ROLES:
                raise InvalidInput(f"unknown role '{role}'", field="role")
            user = accounts.create_user(s, email, password, name=name, by=me)
            if site:
                accounts.grant(s, user, get_site(s, site), role, by=me)
            created = user.email
    except PilotageError as exc:
        return _page(request, who, error=exc.message, status=exc.http_status)
    return _page(request, who, shown=(created, password))


@router.post("/users/{user_id}/password", response_class=HTMLResponse)
def reset(request: Request, who: Who, user_id: int) -> Response:
    _owner_only(who)
    with instance(request).app.session() as s:
        user = accounts.get_user(s, user_id)
        password = accounts.reset_password(s, user.email, by=accounts.get_user(s, who.id))
        email = user.email
    return _page(request, who, shown=(email, password))


@router.post("/users/{user_id}/disabled")
def disable(request: Request, who: Who, user_id: int, disabled: Text = "") -> Response:
    _owner_only(who)
    if user_id == who.id:
        raise InvalidInput("you cannot disable your own account", field="user")
    with instance(request).app.session() as s:
        user = accounts.get_user(s, user_id)
        accounts.set_disabled(s, user, disabled == "on", by=accounts.get_user(s, who.id))
    return RedirectResponse("/users", status_code=303)
