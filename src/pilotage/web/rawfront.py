"""A lean collector front: HTTP/1.1 parsed with httptools on a bare asyncio Protocol.

`pilotage serve --workers N` runs this in its N-1 front processes (see front.py for why
there are fronts). Under uvicorn, its HTTP and ASGI machinery took about half of the
CPU of a collector request; here a request is parsed by httptools (uvicorn's own
parser) straight into the collector, and the 202 is written once the group committer
has made the event durable. Responses on a keep-alive connection leave in request
order. Any request other than POST/OPTIONS /api/event is relayed as bytes to the main
process over its Unix socket with ``Connection: close``, its answer streamed back, and
the client connection closed after it.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import threading
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import cast

import httptools
import orjson
import uvloop

from pilotage.collect.collector import Collector
from pilotage.config import Settings, load_settings
from pilotage.errors import PayloadTooLarge, PilotageError
from pilotage.instance import Instance
from pilotage.store.spool import GroupCommitter, Spool
from pilotage.web.collect_api import PATH, CachedSites
from pilotage.web.front import (
    BACKLOG,
    MAX_PROXIED_BODY,
    exit_with_parent,
    reuseport_socket,
    tune_gc,
    untune_gc,
)

CORS = b"access-control-allow-origin: *\r\n"
ACCEPTED = (
    b"HTTP/1.1 202 Accepted\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n" + CORS + b"\r\nok"
)
PREFLIGHT = (
    b"HTTP/1.1 204 No Content\r\naccess-control-allow-methods: POST\r\n"
    b"access-control-allow-headers: Content-Type\r\naccess-control-max-age: 86400\r\n%s\r\n"
) % CORS
REASONS = {400: b"Bad Request", 405: b"Method Not Allowed", 411: b"Length Required",
           413: b"Payload Too Large", 500: b"Internal Server Error", 502: b"Bad Gateway",
           503: b"Service Unavailable"}  # fmt: skip
# The peer's address travels to the main process in RELAYED_FOR (its own socket only
# sees the front); a client's own header of that name is dropped, never trusted.
RELAYED_FOR = b"x-pilotage-relayed-for"
RELAY_DROPPED = {
    b"connection",
    b"keep-alive",
    b"content-length",
    b"transfer-encoding",
    RELAYED_FOR,
}


def json_response(status: int, code: str, message: str, field: str | None = None) -> bytes:
    """An error in the project's JSON shape, as the CollectorEndpoint sends it."""
    error: dict[str, object] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return _json(status, error)


def error_response(exc: PilotageError) -> bytes:
    return _json(exc.http_status, exc.as_dict())


def _json(status: int, error: dict[str, object]) -> bytes:
    body = orjson.dumps({"error": error})
    reason = REASONS.get(status, b"Error")
    head = b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\n" % (status, reason)
    return head + b"content-length: %d\r\n" % len(body) + CORS + b"\r\n" + body


def too_large(limit: int) -> bytes:
    return error_response(PayloadTooLarge(f"the body is larger than {limit} bytes", field="body"))


class Front:
    """What every connection of a front process shares."""

    def __init__(self, settings: Settings, name: str, uds: Path) -> None:
        self.settings = settings
        self.uds = uds
        self.instance = Instance(settings)
        self.spool = Spool(settings.spool_dir / name)
        self.committer = GroupCommitter(self.spool)
        self.collector = Collector(self.instance.salts, CachedSites(self.instance.known_sites))
        self.forwarded = settings.forwarded_for_header.lower().encode()
        self.limit = settings.max_body_bytes
        self.connections: set[Connection] = set()
        self.relays: set[asyncio.Task[None]] = set()
        self.stopping = False
        self.loop = asyncio.get_running_loop()
        self._lock = threading.Lock()
        self._acked: list[tuple[Slot, BaseException | None]] = []

    def acknowledge(self, slot: Slot) -> Callable[[BaseException | None], None]:
        """The committer's callback for a record of ``slot``; the first callback of a
        commit schedules one loop wake-up that settles every record of that commit."""

        def done(error: BaseException | None) -> None:
            with self._lock:
                self._acked.append((slot, error))
                if len(self._acked) > 1:
                    return
            self.loop.call_soon_threadsafe(self._settle)

        return done

    def _settle(self) -> None:
        with self._lock:
            acked, self._acked = self._acked, []
        for slot, error in acked:
            slot.record_done(error)

    def close(self) -> None:
        self.committer.close()
        self.spool.close()
        self.instance.close()


class Slot:
    """One request's place in its connection's queue of responses."""

    __slots__ = ("conn", "data", "waiting")

    def __init__(self, conn: Connection, waiting: int) -> None:
        self.conn, self.waiting = conn, waiting
        self.data: bytes | None = None

    def record_done(self, error: BaseException | None) -> None:
        if self.data is not None:
            return  # already answered with an error
        self.waiting -= 1
        if error is not None:
            self.data = json_response(500, "error", f"the event was not stored: {error}")
        elif self.waiting == 0:
            self.data = ACCEPTED
        else:
            return
        self.conn.flush()


class Connection(asyncio.Protocol):
    """One client connection: parses requests and answers or relays them."""

    def __init__(self, front: Front) -> None:
        self.front = front
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.peer = ""
        self.slots: deque[Slot] = deque()
        self.closing = False  # no request after this one is read
        self.close_when_done = False
        self.idle: asyncio.Future[None] | None = None
        self.writable: asyncio.Future[None] | None = None
        self._reset()

    def _reset(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()
        self.collect = False
        self.rejected = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        peer = transport.get_extra_info("peername")
        self.peer = str(peer[0]) if isinstance(peer, tuple) else ""
        self.front.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.front.connections.discard(self)
        self.closing = True
        for waiter in (self.idle, self.writable):
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(json_response(400, "invalid_input", "protocol upgrades are not served"))
        except httptools.HttpParserError:
            self._fail(json_response(400, "invalid_input", "malformed HTTP request"))

    def pause_writing(self) -> None:
        self.writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self.writable is not None and not self.writable.done():
            self.writable.set_result(None)
        self.writable = None

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        method = self.parser.get_method()
        self.collect = self.url.split(b"?", 1)[0] == PATH.encode()
        if not self.collect or method != b"POST":
            return
        length = self._header(b"content-length")
        if self._header(b"transfer-encoding"):
            self._reject(json_response(411, "length_required", "send a Content-Length", "body"))
        elif length.isdigit() and int(length) > self.front.limit:
            self._reject(too_large(self.front.limit))

    def on_body(self, body: bytes) -> None:
        if self.rejected:
            return
        self.body += body
        limit = self.front.limit if self.collect else MAX_PROXIED_BODY
        if len(self.body) > limit:
            self._reject(too_large(limit))

    def on_message_complete(self) -> None:
        if self.rejected or self.closing:
            return
        keep_alive = self.parser.should_keep_alive()
        if not self.collect:
            self._relay()
        else:
            self._answer(self.parser.get_method())
            if not keep_alive:
                self.closing = self.close_when_done = True
                self.flush()
        self._reset()

    def _header(self, name: bytes) -> bytes:
        for key, value in self.headers:
            if key == name:
                return value
        return b""

    def _answer(self, method: bytes) -> None:
        if method == b"OPTIONS":
            self._queue(PREFLIGHT)
        elif method != b"POST":
            self._queue(json_response(405, "method_not_allowed", "use POST"))
        elif self.front.stopping:
            self._queue(json_response(503, "unavailable", "the server is stopping"))
        else:
            self._collect()

    def _collect(self) -> None:
        front = self.front
        ip = self.peer
        if front.forwarded:
            forwarded = self._header(front.forwarded)
            if forwarded:
                ip = forwarded.decode("latin-1").split(",")[0].strip()
        try:
            records = front.collector.records(
                bytes(self.body), ip, self._header(b"user-agent").decode("latin-1")
            )
        except PilotageError as exc:
            self._queue(error_response(exc))
            return
        slot = Slot(self, len(records))
        self.slots.append(slot)
        try:
            for record in records:
                front.committer.submit(record, front.acknowledge(slot))
        except RuntimeError as exc:  # the committer closed under us: nothing acknowledged
            slot.data = json_response(503, "unavailable", str(exc))
            self.flush()

    def _queue(self, data: bytes) -> None:
        slot = Slot(self, 0)
        slot.data = data
        self.slots.append(slot)
        self.flush()

    def flush(self) -> None:
        """Write the answers ready at the head of the queue, in request order."""
        slots, transport = self.slots, self.transport
        while slots and slots[0].data is not None:
            data = slots.popleft().data
            if transport is not None and data:
                transport.write(data)
        if slots:
            return
        if self.idle is not None and not self.idle.done():
            self.idle.set_result(None)
        if self.close_when_done and transport is not None:
            transport.close()

    def _reject(self, data: bytes) -> None:
        """Answer now and close: the rest of the body is not read."""
        self.rejected = True
        self._fail(data)

    def _fail(self, data: bytes) -> None:
        self.closing = self.close_when_done = True
        self._queue(data)

    def _relay(self) -> None:
        self.closing = True
        assert self.transport is not None
        self.transport.pause_reading()
        request = self._relayed_request()
        task = asyncio.get_running_loop().create_task(self._stream(request))
        self.front.relays.add(task)
        task.add_done_callback(self.front.relays.discard)

    def _relayed_request(self) -> bytes:
        parser = self.parser
        version = parser.get_http_version().encode()
        lines = [b"%s %s HTTP/%s\r\n" % (parser.get_method(), self.url, version)]
        lines += [k + b": " + v + b"\r\n" for k, v in self.headers if k not in RELAY_DROPPED]
        lines.append(RELAYED_FOR + b": " + self.peer.encode() + b"\r\n")
        lines.append(b"content-length: %d\r\nconnection: close\r\n\r\n" % len(self.body))
        return b"".join(lines) + bytes(self.body)

    async def _stream(self, request: bytes) -> None:
        if self.slots:  # earlier answers first
            self.idle = asyncio.get_running_loop().create_future()
            await self.idle
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        try:
            reader, writer = await asyncio.open_unix_connection(str(self.front.uds))
        except OSError as exc:
            transport.write(json_response(502, "bad_gateway", f"main process unreachable: {exc}"))
            transport.close()
            return
        try:
            writer.write(request)
            while chunk := await reader.read(65536):
                transport.write(chunk)
                if self.writable is not None:
                    await self.writable
        finally:
            writer.close()
            transport.close()


async def _serve(name: str, host: str, port: int, uds: Path) -> None:
    sock = reuseport_socket(host, port)
    front = Front(load_settings(), name, uds)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()

    def on_signal() -> None:
        if not stop.done():
            stop.set_result(None)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    watch = loop.create_task(exit_with_parent())
    tune_gc()
    server = await loop.create_server(lambda: Connection(front), sock=sock, backlog=BACKLOG)
    try:
        await stop
    finally:
        watch.cancel()
        await _shut_down(front, server)


async def _shut_down(front: Front, server: asyncio.Server) -> None:
    """Stop listening, commit and answer what was submitted, then close everything."""
    server.close()
    front.stopping = True
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, front.committer.close)
    await asyncio.sleep(0.05)  # the committer's last acknowledgements reach the loop
    if front.relays:
        await asyncio.wait(set(front.relays), timeout=10)
    for conn in list(front.connections):
        if conn.transport is not None:
            conn.transport.close()
    with suppress(Exception):
        await asyncio.wait_for(server.wait_closed(), 1)
    front.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="A lean Pilotage collector front process.")
    parser.add_argument("--name", required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uds", type=Path, required=True)
    args = parser.parse_args()
    try:
        uvloop.run(_serve(args.name, args.host, args.port, args.uds))
    finally:
        untune_gc()


if __name__ == "__main__":
    main()
