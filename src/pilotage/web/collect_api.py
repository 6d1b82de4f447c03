"""POST /api/event: the collector endpoint. Answers 202 only once the event is on disk.

It is a bare ASGI handler in front of the FastAPI app rather than a FastAPI route: the
collector is the one endpoint that must take thousands of requests a second, and the
framework's per-request machinery (dependency solving, middleware stack) would cost more
than the work itself. Every other path goes to FastAPI unchanged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from pilotage.collect.collector import Collector
from pilotage.errors import PayloadTooLarge, PilotageError
from pilotage.store.spool import GroupCommitter

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
PATH = "/api/event"
CORS = [(b"access-control-allow-origin", b"*")]


class CachedSites:
    """The known sites, re-read from app state at most every few seconds."""

    def __init__(self, load: Callable[[], list[str]], ttl: float = 5.0) -> None:
        self.load, self.ttl = load, ttl
        self._at = 0.0
        self._sites: frozenset[str] = frozenset()

    def __call__(self) -> frozenset[str]:
        if time.monotonic() - self._at > self.ttl:
            self._sites = frozenset(self.load())
            self._at = time.monotonic()
        return self._sites


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


def client_ip(scope: Scope, forwarded_header: str) -> str:
    if forwarded_header:
        forwarded = _header(scope, forwarded_header.lower().encode())
        if forwarded:
            return forwarded.split(",")[0].strip()
    client = scope.get("client")
    return str(client[0]) if client else ""


async def read_limited(scope: Scope, receive: Receive, limit: int) -> bytes:
    declared = _header(scope, b"content-length")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes", field="body")
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes", field="body")
        if not message.get("more_body", False):
            return bytes(body)


async def durable(committer: GroupCommitter, records: list[bytes]) -> None:
    loop = asyncio.get_running_loop()
    futures = []
    for record in records:
        future: asyncio.Future[None] = loop.create_future()

        def done(error: BaseException | None, f: asyncio.Future[None] = future) -> None:
            loop.call_soon_threadsafe(_settle, f, error)

        committer.submit(record, done)
        futures.append(future)
    await asyncio.gather(*futures)


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


async def _respond(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + CORS})
    await send({"type": "http.response.body", "body": body})


class CollectorEndpoint:
    """ASGI middleware answering POST/OPTIONS /api/event; the rest goes to ``app``."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state  # the FastAPI app's state, filled by its lifespan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await self._preflight(send)
            return
        if scope["method"] != "POST":
            error = {"error": {"code": "method_not_allowed", "message": "use POST"}}
            await _respond(send, 405, orjson.dumps(error), b"application/json")
            return
        try:
            await self._collect(scope, receive)
        except PilotageError as exc:
            body = orjson.dumps({"error": exc.as_dict()})
            await _respond(send, exc.http_status, body, b"application/json")
            return
        await _respond(send, 202, b"ok", b"text/plain")

    async def _collect(self, scope: Scope, receive: Receive) -> None:
        settings = self.state.settings
        body = await read_limited(scope, receive, settings.max_body_bytes)
        collector: Collector = self.state.collector
        records = collector.records(
            body,
            client_ip(scope, settings.forwarded_for_header),
            _header(scope, b"user-agent"),
        )
        await durable(self.state.committer, records)

    async def _preflight(self, send: Send) -> None:
        headers = [
            (b"access-control-allow-methods", b"POST"),
            (b"access-control-allow-headers", b"Content-Type"),
            (b"access-control-max-age", b"86400"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers + CORS})
        await send({"type": "http.response.body", "body": b""})
