"""No IP address and no raw user agent are kept: not in the spool, not in the store."""

from __future__ import annotations

from pathlib import Path

import orjson
from fastapi.testclient import TestClient

from pilotage.config import Settings, load_settings
from pilotage.instance import Instance
from pilotage.sites import add_site
from pilotage.web import create_app

IP = "203.0.113.77"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 Xyzzy/4.2"


def test_ip_and_user_agent_never_reach_disk(settings: Settings) -> None:
    settings = load_settings(forwarded_for_header="X-Forwarded-For")
    inst = Instance(settings)
    with inst.app.session() as s:
        add_site(s, "shop.example")
    inst.close()
    body = {"n": "pageview", "u": "https://shop.example/", "d": "shop.example"}
    with TestClient(create_app(settings)) as client:
        r = client.post(
            "/api/event",
            content=orjson.dumps(body),
            headers={"User-Agent": UA, "X-Forwarded-For": IP},
        )
        assert r.status_code == 202
        spool_bytes = b"".join(p.read_bytes() for p in Path(settings.spool_dir).rglob("*.seg"))
        assert IP.encode() not in spool_bytes and b"Xyzzy" not in spool_bytes
        events = client.app.state.instance.events  # type: ignore[attr-defined]
        client.app.state.writer.drain()  # type: ignore[attr-defined]
        for table in ("events", "sessions"):
            columns = events.fetch(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = ? AND data_type = 'VARCHAR'",
                [table],
            ).to_pylist()
            assert columns
            for col in (c["column_name"] for c in columns):
                hits = events.scalar(
                    f'SELECT count(*) FROM {table} WHERE "{col}" LIKE ? OR "{col}" LIKE ?',
                    [f"%{IP}%", "%Xyzzy%"],
                )
                assert hits == 0, f"{table}.{col} holds the IP or the user agent"
        (browser,) = events.fetch("SELECT browser FROM events").to_pylist()
        assert browser == {"browser": "Firefox"}
