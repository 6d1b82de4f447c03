"""Signing in and out, with a login throttle per e-mail and per client address."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from pilotage import accounts
from pilotage.i18n import LOCALES, translations
from pilotage.web.context import (
    ANON_CSRF_COOKIE,
    LANG_COOKIE,
    SESSION_COOKIE,
    client_address,
    instance,
    prepare,
    set_cookie,
)
from pilotage.web.templating import page_locale, render

router = APIRouter(dependencies=[Depends(prepare)])
SESSION_DAYS = 14


def safe_next(target: str | None) -> str:
    """Only a path of this site: an open redirect would help phishing."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def throttle(request: Request) -> accounts.LoginThrottle:
    found: accounts.LoginThrottle = request.app.state.login_throttle
    return found


def login_page(request: Request, next_url: str, error: str = "", status: int = 200) -> Response:
    return render(
        request, "login.html", {"next": safe_next(next_url), "error": error}, status_code=status
    )


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if request.state.viewer is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return login_page(request, next)


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    _ = translations(page_locale(request)).gettext
    keys = (f"email:{email.strip().lower()}", f"ip:{client_address(request)}")
    wait = max(throttle(request).check(k) for k in keys)
    if wait > 0:
        message = _("Too many attempts. Try again in %(minutes)d min.") % {
            "minutes": max(1, round(wait / 60))
        }
        return login_page(request, next, message, status=429)
    with instance(request).app.session() as s:
        user = accounts.authenticate(s, email, password)
        if user is None:
            for k in keys:
                throttle(request).failure(k)
            return login_page(request, next, _("Wrong e-mail or password."), status=401)
        for k in keys:
            throttle(request).success(k)
        _session, token = accounts.start_session(s, user)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, token)
    response.delete_cookie(ANON_CSRF_COOKIE)
    return response


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    set_cookie(request, response, SESSION_COOKIE, token, max_age=SESSION_DAYS * 86400)


@router.post("/logout")
def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with instance(request).app.session() as s:
            accounts.end_session(s, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language")
def language(
    request: Request, lang: Annotated[str, Form()], next: Annotated[str, Form()] = "/"
) -> Response:
    """Switch the language: the user's setting when signed in, a cookie otherwise."""
    chosen = lang if lang in LOCALES else None
    found = request.state.viewer
    if found is not None:
        with instance(request).app.session() as s:
            accounts.set_locale(s, accounts.get_user(s, found.id), chosen)
    response = RedirectResponse(safe_next(next), status_code=303)
    if chosen:
        set_cookie(request, response, LANG_COOKIE, chosen, max_age=365 * 86400)
    return response
