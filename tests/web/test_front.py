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


def _wrong_logins(url: str, spoofs: list[str], source: str = "127.0.0.1") -> list[int]:
    """Failed sign-ins from ``source``, each with another e-mail and a forged relay
    header."""
    statuses = []
    for i, spoof in enumerate(spoofs):
        transport = httpx.HTTPTransport(local_address=source)
        with httpx.Client(base_url=url, transport=transport) as client:
            page = client.get("/login")
            token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            # The cookie is Secure, which httpx keeps for HTTPS; a browser sends it to
            # loopback addresses, so the test does too.
            client.cookies.clear()
            client.cookies.set("pilotage_csrf", token)
            r = client.post(
                "/login",
                data={
                    "email": f"nobody{i}@example.org",
                    "password": "wrong password",
                    "csrf": token,
                },
                headers={"x-pilotage-relayed-for": spoof},
            )
            statuses.append(r.status_code)
    return statuses


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_login_throttle_counts_the_real_client_not_a_forged_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("PILOTAGE_WORKERS", workers)
    server = Server(data).start()
    try:
        statuses = _wrong_logins(server.url, [f"10.0.0.{i}" for i in range(6)])
        other = _wrong_logins(server.url, ["10.0.0.9"], source="127.0.0.2")
    finally:
        server.stop()
    # Five failures from 127.0.0.1 whatever the forged header says; the sixth waits,
    # while another address (loopback 127.0.0.2) is still heard.
    assert statuses == [401] * 5 + [429]
    assert other == [401]
