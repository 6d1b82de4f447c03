"""Errors at the web edge: one JSON shape for the API, an error page for people.

API paths (``/api/...``) and clients that ask for JSON get
``{"error": {"code", "message", "field"?}}`` with the error's 4xx/5xx status; a page
request gets the same message in the page layout, translated around it. An anonymous
request for a private page is sent to the login page instead.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from pilotage.errors import PilotageError, TooManyRequests
from pilotage.i18n import negotiate, translations
from pilotage.web.context import LoginRequired


def error_body(code: str, message: str, field: str | None = None) -> dict[str, object]:
    err: dict[str, object] = {"code": code, "message": message}
    if field is not None:
        err["field"] = field
    return {"error": err}


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _titles(request: Request) -> dict[int, str]:
    locale = getattr(request.state, "locale", None) or negotiate(
        request.headers.get("accept-language")
    )
    _ = translations(locale).gettext
    return {
        400: _("This request cannot be served"),
        401: _("Sign-in needed"),
        403: _("Not allowed"),
        404: _("Not found"),
        409: _("Already exists"),
        413: _("Too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong"),
    }


def respond(
    request: Request, status: int, code: str, message: str, field: str | None = None
) -> Response:
    if wants_json(request):
        return JSONResponse(error_body(code, message, field), status_code=status)
    from pilotage.web.templating import render

    title = _titles(request).get(status, _titles(request)[400 if status < 500 else 500])
    return render(request, "error.html", {"title": title, "message": message}, status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(PilotageError)
    async def _domain(request: Request, exc: PilotageError) -> Response:
        response = respond(request, exc.http_status, exc.code, exc.message, exc.field)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        return response

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request) or request.headers.get("hx-request"):
            return respond(request, 401, "unauthenticated", "sign in first")
        return RedirectResponse(f"/login?next={quote(exc.next_url, safe='')}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query")]
        field = ".".join(loc) or None
        message = str(first.get("msg", "invalid request"))
        return respond(request, 400, "invalid_input", message, field)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return respond(request, exc.status_code, code, str(exc.detail))
