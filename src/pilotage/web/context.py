"""Who is asking, in which language, and what they may see: request context for pages.

Every page route depends on :func:`prepare` (language, signed-in user, CSRF token);
private pages depend on :func:`viewer`, which sends anonymous visitors to the login
page; :func:`site_access` checks the user's role on a site for an action.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from pilotage import accounts, i18n
from pilotage.errors import Forbidden, NotFound
from pilotage.instance import Instance
from pilotage.sites import get_site
from pilotage.store.app import Site
from pilotage.web.security import check_csrf

SESSION_COOKIE = "pilotage_session"
ANON_CSRF_COOKIE = "pilotage_csrf"
LANG_COOKIE = "pilotage_lang"


@dataclass(frozen=True)
class Viewer:
    id: int
    email: str
    name: str
    locale: str | None
    is_owner: bool
    csrf: str


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def public_base(request: Request) -> str:
    """The server's address for links it hands out (snippets, feeds): the ``public_url``
    setting, else the address the request came to; no trailing slash."""
    return (request.app.state.settings.public_url or str(request.base_url)).rstrip("/")


def secure_cookies(request: Request) -> bool:
    """Cookies carry the Secure flag over HTTPS, and on loopback addresses, which
    browsers treat as secure origins; a plain-HTTP address on a network would lose its
    cookies with it (docs/web.md says to put Pilotage behind HTTPS there)."""
    public = request.app.state.settings.public_url
    return (
        request.url.scheme == "https"
        or public.startswith("https://")
        or (request.url.hostname or "") in LOOPBACK_HOSTS
    )


def set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    samesite: Literal["lax", "strict"] = "lax",
    max_age: int | None = None,
    path: str = "/",
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        secure=secure_cookies(request),
        samesite=samesite,
    )


def client_address(request: Request) -> str:
    """The client's address for throttling sign-ins.

    Behind a reverse proxy (the ``forwarded_for_header`` setting), the proxy's own entry:
    the last one of the header, since a client can write anything before it. Else the
    peer that a lean front relayed over the main process's Unix socket (only fronts
    reach it), else the TCP peer."""
    header = request.app.state.settings.forwarded_for_header
    if header:
        entries = [e.strip() for e in request.headers.get(header, "").split(",") if e.strip()]
        if entries:
            return entries[-1]
    if request.scope.get("client") is None:  # came over the Unix socket
        relayed = request.headers.get("x-pilotage-relayed-for")
        if relayed:
            return relayed
    return request.client.host if request.client else "unknown"


class LoginRequired(Exception):
    """Raised by :func:`viewer` for an anonymous request; answered with a redirect."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def instance(request: Request) -> Instance:
    inst: Instance = request.app.state.instance
    return inst


def _load_viewer(request: Request) -> Viewer | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with instance(request).app.session() as s:
        session = accounts.session_for(s, token)
        if session is None:
            return None
        user = accounts.get_user(s, session.user_id)
        return Viewer(
            user.id, user.email, user.name, user.locale, user.is_owner, session.csrf_token
        )


async def prepare(request: Request) -> None:
    """Language, user and CSRF token of this request, then the CSRF check."""
    found = _load_viewer(request)
    request.state.viewer = found
    chosen = request.cookies.get(LANG_COOKIE)
    preferred = found.locale if found and found.locale else chosen
    request.state.locale = i18n.negotiate(request.headers.get("accept-language"), preferred)
    if found is not None:
        request.state.csrf = found.csrf
    else:
        request.state.csrf = request.cookies.get(ANON_CSRF_COOKIE) or secrets.token_urlsafe(24)
        request.state.new_anon_csrf = ANON_CSRF_COOKIE not in request.cookies
    await check_csrf(request, request.state.csrf)


def viewer(request: Request, _: Annotated[None, Depends(prepare)]) -> Viewer:
    found: Viewer | None = request.state.viewer
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return found


Who = Annotated[Viewer, Depends(viewer)]


def site_access(s: Session, who: Viewer, domain: str, action: str = "view") -> Site:
    """The site, if ``who`` may do ``action`` on it; NotFound when they may not even see
    it, so that a site's existence is not revealed to outsiders."""
    try:
        site = get_site(s, domain)
    except NotFound:
        raise NotFound(f"no site '{domain}'", field="domain") from None
    user = accounts.get_user(s, who.id)
    role = accounts.role_on(s, user, site.id)
    if not accounts.can(role, "view"):
        raise NotFound(f"no site '{domain}'", field="domain")
    if not accounts.can(role, action):
        raise Forbidden(f"your role on {site.domain} does not allow '{action}'", field="role")
    return site
