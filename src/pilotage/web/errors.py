"""One JSON error shape for every endpoint: {"error": {"code", "message", "field"?}}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pilotage.errors import PilotageError


def error_body(code: str, message: str, field: str | None = None) -> dict[str, object]:
    err: dict[str, object] = {"code": code, "message": message}
    if field is not None:
        err["field"] = field
    return {"error": err}


def install(app: FastAPI) -> None:
    @app.exception_handler(PilotageError)
    async def _domain(_: Request, exc: PilotageError) -> JSONResponse:
        return JSONResponse({"error": exc.as_dict()}, status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query")]
        field = ".".join(loc) or None
        return JSONResponse(
            error_body("invalid_input", str(first.get("msg", "invalid request")), field),
            status_code=400,
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        code = "not_found" if exc.status_code == 404 else "http_error"
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)
