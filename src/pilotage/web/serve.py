"""Running the server: one process, or one main process and collector fronts."""

from __future__ import annotations

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
from pilotage.web.front import reuseport_socket, server_config, tune_gc


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    if workers < 1:
        raise InvalidInput("--workers must be at least 1", field="workers")
    if workers == 1:
        sock = _listen_socket(host, port)  # a busy port fails here, before anything starts
        _server(settings).run(sockets=[sock])
        return
    run_dir = settings.data_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    uds = run_dir / "app.sock"
    uds.unlink(missing_ok=True)
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(str(uds))
    tcp = _bound(lambda: reuseport_socket(host, port), host, port)
    server = _server(settings)
    fronts = [_spawn_front(f"front-{i}", host, port, uds) for i in range(1, workers)]
    try:
        server.run(sockets=[tcp, unix])
    finally:
        for proc in fronts:
            proc.send_signal(signal.SIGTERM)
        for proc in fronts:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        uds.unlink(missing_ok=True)


def _server(settings: Settings) -> uvicorn.Server:
    server = uvicorn.Server(server_config(create_app(settings)))
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
        [sys.executable, "-m", "pilotage.web.front", "--name", name, "--host", host,
         "--port", str(port), "--uds", os.fspath(uds)],
    )  # fmt: skip
