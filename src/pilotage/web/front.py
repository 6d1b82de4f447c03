"""Collector front processes: more cores for POST /api/event, one store owner.

The embedded event store can be opened by one process only, so `pilotage serve
--workers N` runs one main process (the store, the writer loop, the web app) and N-1
front processes sharing its TCP port (SO_REUSEPORT: the kernel spreads connections).
A front answers the collector itself, fsyncing into a spool folder of its own that the
main writer loop loads, and passes every other request to the main process over a
Unix socket.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import socket
from contextlib import suppress
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

from pilotage.collect.collector import Collector
from pilotage.config import load_settings
from pilotage.instance import Instance
from pilotage.store.spool import GroupCommitter, Spool
from pilotage.web.collect_api import CachedSites, CollectorEndpoint, Receive, Scope, Send

HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"upgrade", b"host"}
MAX_PROXIED_BODY = 10 * 1024 * 1024


BACKLOG = 2048


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A bound socket sharing its port; the server listens on it once it is ready.

    The kernel spreads new connections over the *listening* sockets of the port, so a
    process that listened before its start-up (imports, stores, lifespan) would be
    handed connections it leaves waiting for seconds."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def tune_gc() -> None:
    """Fewer, cheaper garbage collections in a server process.

    Each collector request allocates a few dozen short-lived containers, so CPython's
    default (a young collection every 700 allocations, older ones in cascade) ran
    collections that scan the long-lived objects (modules, caches) many times a
    second: about a tenth of the event loop's time in profiles. Objects alive after
    start-up are frozen out of collections, and young collections run less often;
    reference counting still frees almost everything at once."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def untune_gc() -> None:
    """Give frozen objects back to the collector before the interpreter exits, so native
    extensions see their objects released (DuckDB's bindings report leaks otherwise)."""
    gc.unfreeze()
    gc.collect()


def server_config(app: Any) -> Any:
    """The uvicorn settings of every Pilotage process (main and fronts).

    httptools and uvloop are named rather than left to auto-detection, so a missing
    extra fails loudly instead of silently halving throughput; no access log (a line per
    event); no concurrency limit (requests only wait for the next group commit); no
    uvicorn proxy-header rewriting: the client address comes from the connection unless
    the ``forwarded_for_header`` setting names a header (a middleware pass per request
    that also overrode that setting for proxies on 127.0.0.1)."""
    import uvicorn

    return uvicorn.Config(
        app,
        http="httptools",
        loop="uvloop",
        backlog=BACKLOG,
        log_level="warning",
        access_log=False,
        lifespan="on",
        proxy_headers=False,
    )


class Proxy:
    """Forwards a request to the main process and streams its answer back."""

    def __init__(self, uds: Path, state: Any) -> None:
        self.uds = uds
        self.state = state
        self.client: httpx.AsyncClient | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http" or self.client is None:
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
            if len(body) > MAX_PROXIED_BODY:
                await _plain(send, 413, b"request body too large")
                return
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        query = scope.get("query_string", b"").decode("latin-1")
        url = scope["path"] + (f"?{query}" if query else "")
        request = self.client.build_request(
            scope["method"], url, headers=headers, content=bytes(body)
        )
        response = await self.client.send(request, stream=True)
        try:
            raw = [(k, v) for k, v in response.headers.raw if k.lower() not in HOP_BY_HOP]
            await send(
                {"type": "http.response.start", "status": response.status_code, "headers": raw}
            )
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _start(self) -> None:  # runs in the event loop (lifespan startup)
        st = self.state
        st.spool = Spool(st.settings.spool_dir / st.name)
        st.committer = GroupCommitter(st.spool)
        st.collector = Collector(st.instance.salts, CachedSites(st.instance.known_sites))
        st.parent_watch = asyncio.get_running_loop().create_task(exit_with_parent())
        transport = httpx.AsyncHTTPTransport(uds=str(self.uds))
        self.client = httpx.AsyncClient(transport=transport, base_url="http://pilotage", timeout=60)

    async def _stop(self) -> None:
        st = self.state
        with suppress(AttributeError):
            st.committer.close()
            st.spool.close()
        st.instance.close()
        if self.client is not None:
            await self.client.aclose()


async def exit_with_parent() -> None:
    """A front outliving its main process (killed) would keep taking events nobody
    loads: it stops itself as soon as it is orphaned."""
    parent = os.getppid()
    while os.getppid() == parent:
        await asyncio.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_front(name: str, uds: Path) -> CollectorEndpoint:
    settings = load_settings()
    state = SimpleNamespace(settings=settings, name=name, instance=Instance(settings))
    return CollectorEndpoint(Proxy(uds, state), state)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="A Pilotage collector front process.")
    parser.add_argument("--name", required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uds", type=Path, required=True)
    args = parser.parse_args()
    sock = reuseport_socket(args.host, args.port)
    server = uvicorn.Server(server_config(create_front(args.name, args.uds)))
    tune_gc()
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
