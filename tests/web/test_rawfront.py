"""The lean collector front of `pilotage serve --workers 2`, through real sockets."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from pilotage.config import Settings
from pilotage.store.events import EventStore
from tests.server_support import Server, cli

SITE = "shop.example"
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/128.0"


def start(data: Path) -> Server:
    assert cli(data, "sites", "add", SITE).returncode == 0
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PILOTAGE_WORKERS", "2")
        return Server(data).start()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start(tmp_path_factory.mktemp("rawfront") / "data")
    yield srv
    srv.stop()


def event(seq: int) -> bytes:
    return orjson.dumps(
        {"n": "pageview", "u": f"https://{SITE}/p/{seq}", "d": SITE, "p": {"s": seq}}
    )


def connect(srv: Server) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)


def raw_exchange(srv: Server, request: bytes) -> bytes:
    """Send raw bytes and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_several_events_on_one_kept_alive_connection(server: Server) -> None:
    conn = connect(server)
    statuses = []
    for seq in range(5):
        conn.request("POST", "/api/event", body=event(seq), headers={"User-Agent": UA})
        if seq == 0:
            first_socket = conn.sock
        response = conn.getresponse()
        statuses.append((response.status, response.read()))
        assert conn.sock is first_socket  # not reconnected
    conn.close()
    assert statuses == [(202, b"ok")] * 5


def test_a_bad_payload_is_a_json_error_naming_the_field(server: Server) -> None:
    body = orjson.dumps({"n": "pageview", "d": SITE})  # no url
    r = httpx.post(server.url + "/api/event", content=body, headers={"User-Agent": UA})
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "url"
    assert r.headers["access-control-allow-origin"] == "*"


def test_a_body_over_the_limit_is_refused_before_it_is_read(server: Server) -> None:
    declared = Settings().max_body_bytes + 1
    head = b"POST /api/event HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % declared
    status_line, _, rest = raw_exchange(server, head).partition(b"\r\n")
    assert status_line.split()[1] == b"413"
    error = orjson.loads(rest.partition(b"\r\n\r\n")[2])["error"]
    assert error["code"] == "payload_too_large" and error["field"] == "body"


def test_a_chunked_event_is_refused_with_411(server: Server) -> None:
    body = event(0)
    request = (
        b"POST /api/event HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    )
    status_line, _, rest = raw_exchange(server, request).partition(b"\r\n")
    assert status_line.split()[1] == b"411"
    assert orjson.loads(rest.partition(b"\r\n\r\n")[2])["error"]["field"] == "body"


def test_a_preflight_is_answered_with_cors_headers(server: Server) -> None:
    r = httpx.options(server.url + "/api/event")
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-methods"] == "POST"


def test_other_requests_are_relayed_to_the_main_process(server: Server) -> None:
    uds = server.data_dir / "run" / "app.sock"
    direct = httpx.Client(transport=httpx.HTTPTransport(uds=str(uds)), base_url="http://x")
    with direct:
        expected = direct.get("/api/health")
    conn = connect(server)
    conn.request("POST", "/api/event", body=event(0), headers={"User-Agent": UA})
    assert conn.getresponse().read() == b"ok"
    conn.request("GET", "/api/health")  # on the same connection, after an event
    relayed = conn.getresponse()
    assert (relayed.status, orjson.loads(relayed.read())) == (200, expected.json())
    assert relayed.getheader("server") == expected.headers["server"]  # main's server answered
    conn.close()


@pytest.mark.slow
def test_every_acknowledged_event_is_stored_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    srv = start(data)
    acknowledged = []
    try:
        for batch in range(4):
            conn = connect(srv)
            for seq in range(batch * 30, batch * 30 + 30):
                conn.request("POST", "/api/event", body=event(seq), headers={"User-Agent": UA})
                if conn.getresponse().read() == b"ok":
                    acknowledged.append(seq)
            conn.close()
    finally:
        srv.stop()
    with EventStore(data / "events.duckdb", read_only=True) as store:
        rows = store.fetch("SELECT props['s'] AS s FROM events").to_pylist()
    assert len(acknowledged) == 120
    assert sorted(int(r["s"]) for r in rows) == acknowledged


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_a_killed_front_is_started_again(tmp_path: Path) -> None:
    import os
    import signal
    import time

    srv = start(tmp_path / "data")
    try:
        assert srv.proc is not None
        (front,) = children_of(srv.proc.pid)
        os.kill(front, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            fronts = children_of(srv.proc.pid)
            if fronts and fronts != [front]:
                try:
                    if httpx.get(srv.url + "/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        else:
            raise AssertionError("the front was not started again")
        r = httpx.post(srv.url + "/api/event", content=event(1), headers={"User-Agent": UA})
        assert r.status_code == 202
    finally:
        srv.stop()
