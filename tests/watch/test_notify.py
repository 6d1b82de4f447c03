"""Change notices delivered to real local servers: SMTP (aiosmtpd), HTTP webhooks, apprise."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from pilotage.crawl.errors import UrlRefused
from pilotage.crawl.guard import UrlGuard
from pilotage.errors import InvalidInput
from pilotage.watch.channels import post_webhook, send_apprise
from pilotage.watch.notify import (
    ChangeNotice,
    NotifyError,
    asend_email,
    render_email,
    send_email,
)
from tests.watch.watch_site import Inbox

PASSWORD = "hunter2-Sup3r-S3cret"
SCRIPT = "<script>alert(1)</script>"
FR = {  # the French msgids a Babel catalog would hold
    "Change detected on %(name)s": "Modification détectée sur %(name)s",
    "Removed": "Retiré",
    "%(name)s: %(summary)s": "%(name)s : %(summary)s",
}


def notice(**changes: Any) -> ChangeNotice:
    fields: dict[str, Any] = {
        "monitor_id": 7,
        "monitor_name": "Concurrent A",
        "url": "https://shop.example/product/1",
        "kind": "price",
        "detected_at": datetime(2025, 1, 5, 10, 30, tzinfo=UTC),
        "summary": "Price 129,00 € → 115,00 € (-10.9 %)",
        "added": ["115,00 €"],
        "removed": [SCRIPT],
        "significance": 0.42,
        "link": "https://pilotage.example/watch/7/changes/3",
    }
    return ChangeNotice(**(fields | changes))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- a real SMTP server ---------------------------------------------------------------------


def only_password(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    """Accepts PASSWORD; a careless server that echoes the wrong password in its reply."""
    assert isinstance(data, LoginPassword)
    if data.password == PASSWORD.encode():
        return AuthResult(success=True)
    echo = f"535 5.7.8 bad password {data.password.decode()}"
    return AuthResult(success=False, handled=False, message=echo)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=only_password,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), str(html.get_content())


class TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def test_email_arrives_with_both_parts_escaped(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    mail = render_email(notice(), locale="en")
    send_email(
        mail,
        host="127.0.0.1",
        port=port,
        sender="watch@pilotage.example",
        recipients=["ana@example.org"],
    )
    received = inbox.message()
    assert received["Subject"] == "[Pilotage] Concurrent A: Price 129,00 € → 115,00 € (-10.9 %)"
    assert inbox.envelopes[0].rcpt_tos == ["ana@example.org"]
    plain, html = parts(received)
    assert f"- {SCRIPT}" in plain and "+ 115,00 €" in plain
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    reader = TextOf()
    reader.feed(html)
    assert SCRIPT in reader.chunks and "script" not in reader.tags
    assert "https://pilotage.example/watch/7/changes/3" in plain


def test_french_email_through_translate(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    mail = render_email(notice(), locale="fr", translate=lambda m: FR.get(m, m))
    send_email(
        mail, host="127.0.0.1", port=port, sender="w@pilotage.example", recipients=["a@b.fr"]
    )
    received = inbox.message()
    assert received["Subject"].startswith("[Pilotage] Concurrent A : Price")
    plain, html = parts(received)
    assert "Modification détectée sur Concurrent A" in plain and "Retiré" in html
    assert "5 janv. 2025" in plain  # CLDR French medium date
    assert received["Content-Language"] == "fr"


def test_monitor_name_cannot_inject_headers(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    name = "Shop\r\nBcc: evil@attacker.example\r\nX-Evil: 1\n\nbody"
    mail = render_email(notice(monitor_name=name), locale="en")
    send_email(
        mail, host="127.0.0.1", port=port, sender="w@pilotage.example", recipients=["a@b.fr"]
    )
    received = inbox.message()
    assert received["Bcc"] is None and received["X-Evil"] is None
    assert inbox.envelopes[0].rcpt_tos == ["a@b.fr"]
    assert "\n" not in received["Subject"] and "Bcc: evil@attacker.example" in received["Subject"]


def test_long_lists_are_capped() -> None:
    mail = render_email(notice(added=[f"line {i}" for i in range(60)], removed=[]), locale="en")
    plain, html = parts(mail)
    assert "+ line 49" in plain and "line 50" not in plain
    assert "… and 10 more" in plain and "… and 10 more" in html
    assert "Removed" not in plain


def test_login_then_delivery_with_the_right_password(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    asyncio.run(
        asend_email(
            render_email(notice(), locale="en"),
            host="127.0.0.1",
            port=port,
            username="ana",
            password=PASSWORD,
            sender="w@pilotage.example",
            recipients=["a@b.fr", "c@d.fr"],
        )
    )
    assert inbox.envelopes[0].rcpt_tos == ["a@b.fr", "c@d.fr"]


def test_auth_failure_names_no_password(
    smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)
    inbox, port = smtp
    wrong = PASSWORD + "-wrong"
    with pytest.raises(NotifyError) as caught:
        send_email(
            render_email(notice(), locale="en"),
            host="127.0.0.1",
            port=port,
            username="ana",
            password=wrong,
            sender="w@pilotage.example",
            recipients=["a@b.fr"],
        )
    assert "535" in caught.value.message and "\n" not in caught.value.message
    assert wrong not in caught.value.message and "bad password ***" in caught.value.message
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]
    assert ours and not any(wrong in text for text in ours)  # mail.log: the test server
    assert inbox.envelopes == []


def test_unreachable_server_is_a_notify_error() -> None:
    with pytest.raises(NotifyError, match=r"127\.0\.0\.1"):
        send_email(
            render_email(notice(), locale="en"),
            host="127.0.0.1",
            port=free_port(),
            password=PASSWORD,
            sender="w@pilotage.example",
            recipients=["a@b.fr"],
            timeout=2,
        )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"starttls": True, "ssl": True}, "smtp_security"),
        ({"recipients": []}, "recipients"),
        ({"recipients": ["a@b.fr\r\nBcc: x@y.z"]}, "email"),
    ],
)
def test_bad_settings_are_invalid_input(options: dict[str, Any], field: str) -> None:
    settings: dict[str, Any] = {"sender": "w@pilotage.example", "recipients": ["a@b.fr"]}
    with pytest.raises(InvalidInput) as caught:
        send_email(
            render_email(notice(), locale="en"), host="127.0.0.1", port=1, **(settings | options)
        )
    assert caught.value.field == field


def test_naive_detection_time_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        notice(detected_at=datetime(2025, 1, 5, 10, 30))
    assert caught.value.field == "detected_at"


# --- a real HTTP server ---------------------------------------------------------------------


class Received:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.status = 200
        self.location = ""


@pytest.fixture
def web() -> Iterator[tuple[Received, str]]:
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.requests.append((self.path, dict(self.headers.items()), body))
            self.send_response(received.status)
            if received.location:
                self.send_header("Location", received.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield received, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def webhook(url: str, secret: str | None = None, allow_private: bool = True) -> None:
    async def run() -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            guard = UrlGuard(allow_private=allow_private)
            await post_webhook(url, notice(), client=client, guard=guard, secret=secret)

    asyncio.run(run())


def test_webhook_body_and_signature(web: tuple[Received, str]) -> None:
    received, base = web
    webhook(base + "/hooks/abc", secret="s3cret-key")
    path, headers, body = received.requests[0]
    assert path == "/hooks/abc" and headers["Content-Type"] == "application/json"
    expected = hmac.new(b"s3cret-key", body, hashlib.sha256).hexdigest()
    assert headers["X-Pilotage-Signature"] == f"sha256={expected}"
    document = json.loads(body)
    assert document["monitor"] == {
        "id": 7,
        "name": "Concurrent A",
        "url": "https://shop.example/product/1",
    }
    assert document["kind"] == "price" and document["significance"] == 0.42
    assert document["detected_at"] == "2025-01-05T10:30:00Z"
    assert document["removed"] == [SCRIPT] and document["added"] == ["115,00 €"]
    assert document["link"] == "https://pilotage.example/watch/7/changes/3"


def test_webhook_without_secret_is_unsigned(web: tuple[Received, str]) -> None:
    received, base = web
    webhook(base + "/h")
    assert "X-Pilotage-Signature" not in received.requests[0][1]


def test_guard_refuses_loopback_by_default(web: tuple[Received, str]) -> None:
    received, base = web
    with pytest.raises(UrlRefused) as caught:
        webhook(base + "/h/TOKEN-123456", allow_private=False)
    assert caught.value.field == "webhook_url" and "TOKEN-123456" not in caught.value.message
    assert received.requests == []


@pytest.mark.parametrize("status", [500, 404])
def test_webhook_error_status(
    web: tuple[Received, str], status: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)
    received, base = web
    received.status = status
    with pytest.raises(NotifyError, match=str(status)) as caught:
        webhook(base + "/h/TOKEN-123456")
    assert "TOKEN-123456" not in caught.value.message
    assert "HTTP Request" in caplog.text and "TOKEN-123456" not in caplog.text


def test_webhook_redirect_is_not_followed(web: tuple[Received, str]) -> None:
    received, base = web
    received.status, received.location = 302, base + "/elsewhere"
    with pytest.raises(NotifyError, match="302"):
        webhook(base + "/h")
    assert [path for path, _, _ in received.requests] == ["/h"]


# --- apprise --------------------------------------------------------------------------------


def test_apprise_json_to_local_server(web: tuple[Received, str]) -> None:
    received, base = web
    send_apprise([base.replace("http://", "json://") + "/notify"], notice(), locale="en")
    path, _, body = received.requests[0]
    document = json.loads(body)
    assert path == "/notify"
    assert document["title"] == "[Pilotage] Concurrent A: Price 129,00 € → 115,00 € (-10.9 %)"
    assert f"- {SCRIPT}" in document["message"]


def test_the_guard_checks_generic_apprise_hosts(web: tuple[Received, str]) -> None:
    """json:// posts where the user says, like a webhook: a loopback host is refused
    unless private addresses are allowed; nothing reaches the server when refused."""
    received, base = web
    url = base.replace("http://", "json://user:TOKEN-123456@") + "/notify"
    with pytest.raises(UrlRefused) as caught:
        send_apprise([url], notice(), locale="en", guard=UrlGuard())
    assert caught.value.field == "apprise_url" and "TOKEN" not in caught.value.message
    assert received.requests == []
    send_apprise([url], notice(), locale="en", guard=UrlGuard(allow_private=True))
    assert len(received.requests) == 1


def test_invalid_apprise_url_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        send_apprise(["nosuchscheme://TOKEN-123456@host/"], notice(), locale="en")
    assert caught.value.field == "apprise_url" and "TOKEN-123456" not in caught.value.message


def test_apprise_failure_logs_no_token(
    web: tuple[Received, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)
    filters = list(logging.getLogger("apprise").filters)
    received, base = web
    received.status = 500
    url = base.replace("http://", "json://user:TOKEN-123456@") + "/path-TOKEN-abcdef"
    with pytest.raises(NotifyError) as caught:
        send_apprise([url], notice(), locale="en")
    assert len(received.requests) == 1
    assert "TOKEN" not in caught.value.message
    assert caplog.records and "TOKEN" not in caplog.text
    assert logging.getLogger("apprise").filters == filters
