"""The signed-in user's own page: password, API keys; and the audit log for owners."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pilotage import accounts
from pilotage.errors import Forbidden, InvalidInput, NotFound, PilotageError, TooManyRequests
from pilotage.i18n import translations
from pilotage.sites import get_site
from pilotage.web.context import Viewer, Who, instance, prepare
from pilotage.web.routes.login import set_session_cookie
from pilotage.web.templating import page_locale, render

router = APIRouter(dependencies=[Depends(prepare)])
Text = Annotated[str, Form()]


def _page(
    request: Request,
    who: Viewer,
    *,
    token: str = "",
    error: str = "",
    notice: str = "",
    status: int = 200,
) -> Response:
    with instance(request).app.session() as s:
        user = accounts.get_user(s, who.id)
        keys = accounts.list_api_keys(s, user)
        sites = [site.domain for site in accounts.sites_for(s, user)]
    context = {
        "keys": keys,
        "sites": sites,
        "scopes": accounts.SCOPES,
        "token": token,
        "error": error,
        "notice": notice,
    }
    return render(request, "account.html", context, status_code=status)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, who: Who) -> Response:
    _ = translations(page_locale(request)).gettext
    said = {"password": _("Password changed."), "revoked": _("API key revoked.")}
    return _page(request, who, notice=said.get(request.query_params.get("notice", ""), ""))


@router.post("/account/password")
def change_password(request: Request, who: Who, current: Text, new: Text) -> Response:
    _ = translations(page_locale(request)).gettext
    try:
        with instance(request).app.session() as s:
            user = accounts.get_user(s, who.id)
            throttle: accounts.LoginThrottle = request.app.state.login_throttle
            key = f"password:{user.id}"
            if throttle.check(key) > 0:
                raise TooManyRequests(_("Too many attempts. Try again later."), retry_after=900)
            if not accounts.verify_password(user.password_hash, current):
                throttle.failure(key)
                raise InvalidInput(_("The current password is wrong."), field="current")
            throttle.success(key)
            accounts.set_password(s, user, new)
            accounts.audit(s, user, "user.password", user.email)
            # Other browsers signed in with the old password are signed out.
            accounts.end_all_sessions(s, user)
            _session, token = accounts.start_session(s, user)
    except PilotageError as exc:
        return _page(request, who, error=exc.message, status=exc.http_status)
    response = RedirectResponse("/account?notice=password", status_code=303)
    set_session_cookie(request, response, token)
    return response


@router.post("/account/keys", response_class=HTMLResponse)
def create_key(
    request: Request, who: Who, name: Text, scopes: Annotated[list[str], Form()], site: Text = ""
) -> Response:
    try:
        with instance(request).app.session() as s:
            user = accounts.get_user(s, who.id)
            limited = None
            if site:
                try:
                    limited = get_site(s, site)
                except NotFound:
                    limited = None
                if limited is None or accounts.role_on(s, user, limited.id) is None:
                    raise NotFound(f"no site '{site[:100]}'", field="site")
            _key, token = accounts.create_api_key(s, user, name, scopes, limited)
    except PilotageError as exc:
        return _page(request, who, error=exc.message, status=exc.http_status)
    # Shown once, on this answer only: it is stored hashed.
    return _page(request, who, token=token)


@router.post("/account/keys/{key_id}/revoke")
def revoke_key(request: Request, who: Who, key_id: int) -> Response:
    with instance(request).app.session() as s:
        user = accounts.get_user(s, who.id)
        if not any(k.id == key_id for k in accounts.list_api_keys(s, user)):
            raise NotFound(f"no API key {key_id}", field="key")
        accounts.revoke_api_key(s, key_id, by=user)
    return RedirectResponse("/account?notice=revoked", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, who: Who) -> Response:
    if not who.is_owner:
        raise Forbidden("only the instance owner can read the audit log", field="role")
    with instance(request).app.session() as s:
        entries = accounts.audit_entries(s, limit=500)
        emails = {u.id: u.email for u in accounts.list_users(s)}
    return render(request, "audit.html", {"entries": entries, "emails": emails})
