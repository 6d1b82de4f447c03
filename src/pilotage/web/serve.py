"""Running the server: one process, or one main process and collector fronts.

With fronts (``--workers`` >= 2), the main process serves only its Unix socket: the
fronts (rawfront.py) answer the collector and relay every other request to it."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable

import uvicorn

from pilotage.config import Settings
from pilotage.errors import InvalidInput
from pilotage.web.app import create_app
from pilotage.web.front import reuseport_socket, server_config, tune_gc, untune_gc

log = logging.getLogger(__name__)


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    if workers < 1:
        raise InvalidInput("--workers must be at least 1", field="workers")
    if workers == 1:
        sock = _listen_socket(host, port)  # a busy port fails here, before anything starts
        try:
            _server(settings).run(sockets=[sock])
        finally:
            untune_gc()
        return
    run_dir = settings.data_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    uds = run_dir / "app.sock"
    uds.unlink(missing_ok=True)
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(str(uds))
    # Only the fronts take TCP connections: the main process's CPU goes to the writer
    # loop and the requests they relay (measured: 6,000 against 5,100 events/s with the
    # main process also listening). Binding here first makes a busy port fail at once.
    _bound(lambda: reuseport_socket(host, port), host, port).close()
    server = _server(settings)
    server.spawn = lambda i: _spawn_front(f"front-{i}", host, port, uds)
    server.fronts = [server.spawn(i) for i in range(1, workers)]
    try:
        server.run(sockets=[unix])
    finally:
        _stop_fronts(server.fronts)
        uds.unlink(missing_ok=True)
        untune_gc()


class _MainServer(uvicorn.Server):
    """Stops the fronts before its own shutdown: the writer loop's last pass, in the
    lifespan shutdown, then loads every event they acknowledged."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.fronts: list[subprocess.Popen[bytes]] = []
        self.spawn: Callable[[int], subprocess.Popen[bytes]] | None = None
        self._watch: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self._watch = asyncio.get_running_loop().create_task(self._supervise())

    async def _supervise(self) -> None:
        """Only the fronts listen on the TCP port: one that dies is started again (its
        spool is recovered and loaded as usual), so the port never stays closed."""
        while not self.should_exit:
            await asyncio.sleep(1)
            for i, proc in enumerate(self.fronts):
                if proc.poll() is not None and not self.should_exit and self.spawn:
                    log.warning(
                        "collector front %d exited (%s); restarting", i + 1, proc.returncode
                    )
                    self.fronts[i] = self.spawn(i + 1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._watch is not None:
            self._watch.cancel()
        await asyncio.to_thread(_stop_fronts, self.fronts)
        await super().shutdown(sockets)


def _stop_fronts(fronts: list[subprocess.Popen[bytes]]) -> None:
    for proc in fronts:
        proc.send_signal(signal.SIGTERM)
    for proc in fronts:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _server(settings: Settings) -> _MainServer:
    server = _MainServer(server_config(create_app(settings)))
    tune_gc()
    return server


def _listen_socket(host: str, port: int) -> socket.socket:
    def make() -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        return sock

    return _bound(make, host, port)


def _bound(make: Callable[[], socket.socket], host: str, port: int) -> socket.socket:
    """The socket ``make`` binds, or a one-line error naming the address (port in use,
    address not on this machine) instead of a traceback."""
    try:
        return make()
    except OSError as exc:
        raise InvalidInput(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", field="port"
        ) from None


def _spawn_front(name: str, host: str, port: int, uds: os.PathLike[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pilotage.web.rawfront", "--name", name, "--host", host,
         "--port", str(port), "--uds", os.fspath(uds)],
    )  # fmt: skip
