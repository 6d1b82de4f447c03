"""The collector endpoint in-process: Plausible's payloads, errors naming the field, 413."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient

from pilotage.config import Settings
from pilotage.instance import Instance
from pilotage.sites import add_site
from pilotage.web import create_app

UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    inst = Instance(settings)
    with inst.app.session() as s:
        add_site(s, "shop.example")
        add_site(s, "blog.example")
    inst.close()
    with TestClient(create_app(settings)) as c:
        c.headers["User-Agent"] = UA
        yield c


def post(client: TestClient, body: object) -> tuple[int, dict[str, object]]:
    r = client.post(
        "/api/event", content=orjson.dumps(body), headers={"Content-Type": "text/plain"}
    )
    return r.status_code, (
        r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    )


def stored(client: TestClient, sql: str) -> list[dict[str, object]]:
    app = client.app
    app.state.writer.drain()  # type: ignore[attr-defined]
    return app.state.instance.events.fetch(sql).to_pylist()  # type: ignore[attr-defined, no-any-return]


def test_plausible_long_payload_is_accepted_and_stored(client: TestClient) -> None:
    body = {
        "name": "Signup",
        "url": "https://shop.example/pricing?utm_source=newsletter&utm_medium=email",
        "domain": "shop.example",
        "referrer": "https://mail.google.com/",
        "props": {"plan": "pro", "trial": True},
        "revenue": {"amount": "19.90", "currency": "eur"},
    }
    assert post(client, body)[0] == 202
    (row,) = stored(
        client,
        "SELECT name, pathname, utm_source, channel, props, revenue_amount::VARCHAR AS amount, "
        "revenue_currency, browser, is_bot FROM events",
    )
    assert row["name"] == "Signup" and row["pathname"] == "/pricing"
    assert row["utm_source"] == "newsletter" and row["channel"] == "Email"
    assert dict(row["props"]) == {"plan": "pro", "trial": "true"}  # type: ignore[call-overload]
    assert (row["amount"], row["revenue_currency"]) == ("19.9000", "EUR")
    assert row["browser"] == "Safari" and row["is_bot"] is False


def test_short_keys_and_several_domains(client: TestClient) -> None:
    body = {
        "n": "pageview",
        "u": "https://shop.example/",
        "d": "shop.example,blog.example",
        "w": 390,
    }
    assert post(client, body)[0] == 202
    rows = stored(client, "SELECT site, screen_width FROM events ORDER BY site")
    assert rows == [
        {"site": "blog.example", "screen_width": 390},
        {"site": "shop.example", "screen_width": 390},
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"u": "https://shop.example/", "d": "shop.example"}, "name"),
        ({"n": "pageview", "d": "shop.example"}, "url"),
        ({"n": "pageview", "u": "javascript:alert(1)", "d": "shop.example"}, "url"),
        ({"n": "pageview", "u": "https://shop.example/"}, "domain"),
        ({"n": "pageview", "u": "https://x.example/", "d": "unknown.example"}, "domain"),
        ({"n": "x", "u": "https://shop.example/", "d": "shop.example", "p": [1]}, "props"),
        (
            {"n": "x", "u": "https://shop.example/", "d": "shop.example", "p": {"a": {"b": 1}}},
            "props",
        ),
        (
            {"n": "x", "u": "https://shop.example/", "d": "shop.example", "$": {"amount": 1}},
            "revenue",
        ),
        (
            {
                "n": "x",
                "u": "https://shop.example/",
                "d": "shop.example",
                "$": {"amount": "NaN", "currency": "EUR"},
            },
            "revenue",
        ),
        ({"n": "x", "u": "https://shop.example/", "d": "shop.example", "i": "yes"}, "interactive"),
        ({"n": "x" * 121, "u": "https://shop.example/", "d": "shop.example"}, "name"),
        ("not an object", "body"),
    ],
)
def test_bad_payload_gets_400_naming_the_field(
    client: TestClient, body: object, field: str
) -> None:
    status, payload = post(client, body)
    assert status == 400
    assert payload["error"]["field"] == field  # type: ignore[index]


def test_body_that_is_not_json_gets_400(client: TestClient) -> None:
    r = client.post("/api/event", content=b"{nope")
    assert r.status_code == 400 and r.json()["error"]["field"] == "body"


def test_oversize_body_gets_413_and_stored_events_stay(client: TestClient) -> None:
    assert (
        post(client, {"n": "pageview", "u": "https://shop.example/", "d": "shop.example"})[0] == 202
    )
    big = {
        "n": "pageview",
        "u": "https://shop.example/",
        "d": "shop.example",
        "p": {"x": "y" * 20000},
    }
    status, payload = post(client, big)
    assert status == 413 and payload["error"]["code"] == "payload_too_large"  # type: ignore[index]
    assert stored(client, "SELECT count(*) AS n FROM events") == [{"n": 1}]


def test_bots_are_stored_flagged(client: TestClient) -> None:
    r = client.post(
        "/api/event",
        content=orjson.dumps({"n": "pageview", "u": "https://shop.example/", "d": "shop.example"}),
        headers={
            "User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        },
    )
    assert r.status_code == 202
    assert stored(client, "SELECT is_bot, device FROM events") == [
        {"is_bot": True, "device": "Bot"}
    ]
