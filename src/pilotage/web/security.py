"""Security headers on every response of the web app, and the CSRF check.

The Content-Security-Policy allows scripts from our own origin only: no inline script,
no ``eval`` (charts use Vega's expression interpreter), so text that slips into a page
cannot run. ``style-src`` allows inline styles because Vega's SVG renderer writes style
attributes; styles cannot run code.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request

from pilotage.errors import Forbidden

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)
# Loaded by the sites being measured, so it must stay embeddable cross-origin.
CROSS_ORIGIN_PATHS = frozenset({"/js/pilotage.js"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers above unless the response set its own;
    HSTS when served over HTTPS (directly, or behind a proxy at an HTTPS public URL)."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        corp = b"cross-origin" if scope["path"] in CROSS_ORIGIN_PATHS else b"same-origin"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {bytes(k).lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                if b"cross-origin-resource-policy" not in present:
                    headers.append((b"cross-origin-resource-policy", corp))
                if self.hsts or scope.get("scheme") == "https":
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def same_token(expected: str, given: str | None) -> bool:
    """Constant-time equality of two tokens (any characters: compared as bytes)."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


async def check_csrf(request: Request, expected: str) -> None:
    """Refuse an unsafe request whose form field ``csrf`` or ``X-CSRF-Token`` header does
    not carry ``expected``. Also refuse a foreign ``Origin`` (defence in depth)."""
    if request.method not in UNSAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin not in _own_origins(request):
        raise Forbidden("cross-site request refused", field="origin")
    given = request.headers.get("x-csrf-token")
    if given is None and "form" in request.headers.get("content-type", ""):
        value = (await request.form()).get("csrf")
        given = value if isinstance(value, str) else None
    if not same_token(expected, given):
        raise Forbidden("missing or wrong CSRF token; reload the page", field="csrf")


def _own_origins(request: Request) -> set[str]:
    """The origin the request reached, and the configured public URL (a reverse proxy
    may speak HTTPS to browsers and HTTP or a Unix socket to Pilotage)."""
    origins = {f"{request.url.scheme}://{request.url.netloc}"}
    public = getattr(request.app.state, "settings", None)
    if public is not None and public.public_url:
        origins.add(public.public_url.rstrip("/"))
    return origins
