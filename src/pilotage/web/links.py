"""Shared links: read-only dashboards for people without an account.

A link may have a password. Once it is given, a cookie proves it for that link only:
an HMAC of the link's slug and password hash under the installation's secret key, so a
new password or a revoked link locks everyone out again.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from pilotage import accounts
from pilotage.errors import NotFound
from pilotage.i18n import translations
from pilotage.web.context import client_address, instance, prepare, set_cookie
from pilotage.web.security import same_token
from pilotage.web.templating import page_locale, render

router = APIRouter(dependencies=[Depends(prepare)])


def _cookie_name(link: accounts.SharedLink) -> str:
    return f"pilotage_link_{link.id}"


def _proof(request: Request, link: accounts.SharedLink) -> str:
    message = f"{link.slug}:{link.password_hash or ''}".encode()
    return hmac.new(instance(request).secret_key, message, hashlib.sha256).hexdigest()


def link_unlocked(request: Request, link: accounts.SharedLink) -> bool:
    if not link.password_hash:
        return True
    given = request.cookies.get(_cookie_name(link), "")
    return same_token(_proof(request, link), given)


def password_page(request: Request, slug: str, error: str = "", status: int = 200) -> Response:
    return render(request, "link_password.html", {"slug": slug, "error": error}, status_code=status)


@router.post("/share/{slug}")
def unlock(request: Request, slug: str, password: Annotated[str, Form()]) -> Response:
    _ = translations(page_locale(request)).gettext
    throttle: accounts.LoginThrottle = request.app.state.login_throttle
    key = f"link:{slug}:{client_address(request)}"
    if throttle.check(key) > 0:
        return password_page(request, slug, _("Too many attempts. Try again later."), 429)
    with instance(request).app.session() as s:
        link = accounts.shared_link(s, slug)
        if link is None:
            raise NotFound("this shared link does not exist or was revoked", field="slug")
        if not accounts.link_password_ok(link, password):
            throttle.failure(key)
            return password_page(request, slug, _("Wrong password."), 401)
        proof = _proof(request, link)
        name = _cookie_name(link)
    throttle.success(key)
    response = RedirectResponse(f"/share/{slug}", status_code=303)
    set_cookie(request, response, name, proof, path=f"/share/{slug}")
    return response
