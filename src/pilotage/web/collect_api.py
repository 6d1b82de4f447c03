"""POST /api/event: the collector endpoint. Answers 202 only once the event is on disk.

It is a bare ASGI handler in front of the FastAPI app rather than a FastAPI route: the
collector is the one endpoint that must take thousands of requests a second, and the
framework's per-request machinery (dependency solving, middleware stack) would cost more
than the work itself. Every other path goes to FastAPI unchanged.
"""

from __future__ import annotations

import asyncio
import threading
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


class Acks:
    """Settles, on the event loop, the futures of records the committer made durable.

    The committer thread calls back once per record; waking the loop for each
    (``call_soon_threadsafe`` writes to its self-pipe) would cost a system call and a
    loop turn per event. Here the first callback of a commit schedules one wake-up and
    the others only join the list it settles."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._lock = threading.Lock()
        self._done: list[tuple[asyncio.Future[None], BaseException | None]] = []

    def callback(self, future: asyncio.Future[None]) -> Callable[[BaseException | None], None]:
        def done(error: BaseException | None) -> None:
            with self._lock:
                self._done.append((future, error))
                if len(self._done) > 1:
                    return  # a wake-up is already scheduled
            self.loop.call_soon_threadsafe(self._settle_all)

        return done

    def _settle_all(self) -> None:
        with self._lock:
            done, self._done = self._done, []
        for future, error in done:
            _settle(future, error)


_acks: dict[asyncio.AbstractEventLoop, Acks] = {}


async def durable(committer: GroupCommitter, records: list[bytes]) -> None:
    loop = asyncio.get_running_loop()
    acks = _acks.get(loop)
    if acks is None:
        _acks.clear()  # one loop per process in service; tests start new ones
        acks = _acks[loop] = Acks(loop)
    futures = []
    for record in records:
        future: asyncio.Future[None] = loop.create_future()
        committer.submit(record, acks.callback(future))
        futures.append(future)
    if len(futures) == 1:
        await futures[0]
    else:
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
