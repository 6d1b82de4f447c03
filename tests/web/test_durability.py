"""Nothing acknowledged is ever lost: SIGKILL the collector mid-load, restart, count."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import orjson
import pytest

from pilotage.store.events import EventStore
from tests.server_support import Server, cli

pytestmark = pytest.mark.slow
SITE = "shop.example"
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/128.0"


def send_until_killed(url: str, start: int, count: int, acked: list[int]) -> None:
    with httpx.Client(timeout=5) as client:
        for seq in range(start, start + count):
            body = {"n": "pageview", "u": f"https://{SITE}/p/{seq}", "d": SITE, "p": {"seq": seq}}
            try:
                r = client.post(
                    url + "/api/event",
                    content=orjson.dumps(body),
                    headers={"User-Agent": UA, "Content-Type": "text/plain"},
                )
            except httpx.HTTPError:
                return
            if r.status_code == 202:
                acked.append(seq)


def test_every_acknowledged_event_survives_sigkill_exactly_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert cli(data, "sites", "add", SITE).returncode == 0
    server = Server(data).start()
    acked: list[int] = []
    threads = [
        threading.Thread(target=send_until_killed, args=(server.url, i * 100_000, 5000, acked))
        for i in range(4)
    ]
    for t in threads:
        t.start()
    while len(acked) < 600 and any(t.is_alive() for t in threads):
        threading.Event().wait(0.01)
    server.kill()
    for t in threads:
        t.join()
    assert len(acked) >= 600

    Server(data, server.port).start().stop()  # replays the spool, then stops cleanly
    with EventStore(data / "events.duckdb", read_only=True) as store:
        rows = store.fetch("SELECT props['seq'] AS seq FROM events").to_pylist()
    stored = [int(r["seq"]) for r in rows]
    assert len(stored) == len(set(stored)), "an event was loaded twice"
    assert set(acked) <= set(stored), "an acknowledged event was lost"
