"""A competitor's site whose pages change between checks, and a webhook receiver.

Test support, free of pytest. ``serve_watch_site()`` starts a threaded ``http.server``
on 127.0.0.1 (a free port) and yields a ``WatchSite``: ``pages`` maps a path to its
(content type, body) and tests change it between two checks; ``requests`` logs every
(method, path, user agent); POSTs to ``/hook`` are kept in ``posts`` as (headers, body).
``/robots.txt`` disallows ``/private/`` for every crawler.

The page builders below write the fixtures the watch tests compare against: a news
block, a product with a schema.org Offer in JSON-LD, an RSS 2.0 feed; ``app_db()`` makes
the app database they run against.
"""

from __future__ import annotations

import email
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from pilotage.sites import add_site
from pilotage.store.app import AppDB

HTML = "text/html; charset=utf-8"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


@dataclass
class WatchSite:
    origin: str = ""
    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.origin + path

    def set(self, path: str, body: str, content_type: str = HTML) -> None:
        with self.lock:
            self.pages[path] = (content_type, body.encode("utf-8"))

    def asked(self, path: str) -> int:
        return sum(1 for _, p, _ in self.requests if p == path)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        site = self.server.site
        site.requests.append(("GET", self.path, self.headers.get("User-Agent", "")))
        if self.path == "/robots.txt":
            self._answer(200, "text/plain", ROBOTS)
            return
        with site.lock:
            page = site.pages.get(self.path)
        if page is None:
            self._answer(404, "text/plain", b"not found")
        else:
            self._answer(200, *page)

    def do_POST(self) -> None:
        site = self.server.site
        site.requests.append(("POST", self.path, self.headers.get("User-Agent", "")))
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        site.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self._answer(204, "text/plain", b"")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: WatchSite


@contextmanager
def serve_watch_site() -> Iterator[WatchSite]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = WatchSite(origin=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def news_page(paragraphs: Sequence[str], footer: str = "Copyright Rival SAS") -> str:
    """A page with a menu, a ``<div id="news">`` of paragraphs and a footer."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html lang='en'><head><title>Rival news</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/shop'>Shop</a></nav>"
        f"<main><div id='news'>{body}</div></main>"
        f"<footer>{escape(footer)}</footer></body></html>"
    )


def product_page(price: str, availability: str, currency: str = "EUR") -> str:
    """A product page whose only offer is a schema.org Offer in JSON-LD."""
    offer = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "Rival kettle",
        "offers": {
            "@type": "Offer",
            "price": price,
            "priceCurrency": currency,
            "availability": f"https://schema.org/{availability}",
        },
    }
    return (
        "<!DOCTYPE html><html><head><title>Kettle</title>"
        f"<script type='application/ld+json'>{json.dumps(offer)}</script></head>"
        "<body><h1>Rival kettle</h1><p>A kettle.</p></body></html>"
    )


def rss_feed(items: Sequence[tuple[str, str]]) -> str:
    """An RSS 2.0 feed of (guid, title) items."""
    entries = "".join(
        f"<item><guid>{escape(guid)}</guid><title>{escape(title)}</title>"
        f"<link>https://rival.example/{escape(guid)}</link></item>"
        for guid, title in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Rival blog</title><link>https://rival.example/</link>{entries}"
        "</channel></rss>"
    )


def app_db(directory: Path, domain: str = "shop.example") -> AppDB:
    """A migrated SQLite app database in ``directory`` holding one site, ``domain``."""
    db = AppDB(f"sqlite:///{directory}/app.sqlite")
    db.upgrade()
    with db.session() as s:
        add_site(s, domain)
    return db


class Inbox:
    """An aiosmtpd handler keeping what a real SMTP server received."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def message(self, index: int = 0) -> EmailMessage:
        content = self.envelopes[index].content
        assert isinstance(content, bytes)
        parsed = email.message_from_bytes(content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed
