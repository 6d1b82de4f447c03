"""The one exception tree of Pilotage.

    PilotageError                 base; ``code`` is stable, ``message`` names the bad value
     ├── InvalidInput             a value a user or client gave is wrong (exit 2, HTTP 400)
     │    └── PayloadTooLarge     a request body over the limit (HTTP 413)
     ├── Unauthenticated          no valid session, API key or link password (HTTP 401)
     ├── Forbidden                authenticated, but the role does not allow it (HTTP 403)
     ├── TooManyRequests          too many attempts; ``retry_after`` seconds to wait (HTTP 429)
     ├── NotFound                 a named thing (site, goal, funnel, file) does not exist (HTTP 404)
     ├── Conflict                 the thing already exists (HTTP 409)
     └── StoreError               the store cannot do what was asked (HTTP 500, exit 1)

Domain code raises these; the CLI turns them into one line on stderr, the web layer
into a JSON body ``{"error": {"code", "message", "field"}}``.
"""

from __future__ import annotations


class PilotageError(Exception):
    code = "error"
    exit_status = 1
    http_status = 500

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class InvalidInput(PilotageError):
    code = "invalid_input"
    exit_status = 2
    http_status = 400


class PayloadTooLarge(InvalidInput):
    code = "payload_too_large"
    http_status = 413


class Unauthenticated(PilotageError):
    code = "unauthenticated"
    exit_status = 2
    http_status = 401


class Forbidden(PilotageError):
    code = "forbidden"
    exit_status = 2
    http_status = 403


class TooManyRequests(PilotageError):
    code = "too_many_requests"
    exit_status = 2
    http_status = 429

    def __init__(self, message: str, *, retry_after: float, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class NotFound(PilotageError):
    code = "not_found"
    exit_status = 2
    http_status = 404


class Conflict(PilotageError):
    code = "conflict"
    exit_status = 2
    http_status = 409


class StoreError(PilotageError):
    code = "store_error"
