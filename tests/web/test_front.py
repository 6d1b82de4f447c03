"""`pilotage serve --workers 2`: the collector front takes the port and its events land."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import orjson
import pytest

from pilotage.store.events import EventStore
from pilotage.web.front import reuseport_socket
from tests.server_support import Server, cli, free_port

SITE = "shop.example"
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/128.0"


def test_a_shared_socket_takes_no_connection_before_its_server_listens() -> None:
    port = free_port()
    sock = reuseport_socket("127.0.0.1", port)
    try:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        sock.close()


@pytest.mark.slow
def test_events_sent_to_every_process_are_stored_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    assert cli(data, "sites", "add", SITE).returncode == 0
    monkeypatch.setenv("PILOTAGE_WORKERS", "2")
    server = Server(data).start()
    try:
        lock = data / "spool" / "front-1" / ".lock"
        for _ in range(300):
            if lock.exists():
                break
            httpx.get(server.url + "/api/health")
        sent = 0
        for seq in range(120):  # a new connection each: the kernel spreads them
            body = {"n": "pageview", "u": f"https://{SITE}/p/{seq}", "d": SITE, "p": {"s": seq}}
            r = httpx.post(
                server.url + "/api/event", content=orjson.dumps(body), headers={"User-Agent": UA}
            )
            sent += r.status_code == 202
        assert httpx.get(server.url + "/api/health").status_code == 200  # proxied or not
    finally:
        server.stop()
    with EventStore(data / "events.duckdb", read_only=True) as store:
        seqs = [int(r["s"]) for r in store.fetch("SELECT props['s'] AS s FROM events").to_pylist()]
        spools = store.fetch("SELECT name FROM ingest_state WHERE position > 0").to_pylist()
    assert sent == 120 and sorted(seqs) == list(range(120))
    assert {r["name"] for r in spools} == {"front-1"}  # the main process takes no TCP
