from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from pilotage.crawl.fetch import Fetcher, FetchResult, Hop, host_key, parse_content_type
from pilotage.crawl.guard import UrlGuard
from pilotage.errors import InvalidInput

UA = "PilotageBot/0.1 (+https://example.org/bot)"
LOCAL = UrlGuard(allow_private=True)
PAGE = b"<!doctype html><html><head><title>t</title></head><body>hi</body></html>"


@dataclass
class Server:
    """What the local server saw: (path, arrival time, request headers) per request."""

    base: str = ""
    requests: list[tuple[str, float, dict[str, str]]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.requests]

    def arrivals(self, prefix: str) -> list[float]:
        return [at for path, at, _ in self.requests if path.startswith(prefix)]


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

        def log_message(self, format: str, *args: object) -> None:
            pass

        def send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            with server.lock:
                server.requests.append((self.path, time.monotonic(), dict(self.headers)))
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            try:
                self.route()
            finally:
                with server.lock:
                    server.in_flight -= 1

        def route(self) -> None:
            path = urlsplit(self.path).path
            query = parse_qs(urlsplit(self.path).query)
            html = ("Content-Type", "text/html; charset=utf-8")
            if path == "/page":
                links = [("Link", '</a.css>; rel="preload"'), ("Link", '</b.js>; rel="preload"')]
                self.send(200, PAGE, [html, *links, ("Set-Cookie", "session=abc; Path=/")])
            elif path == "/r1":
                self.send(301, b"", [("Location", "/r2")])
            elif path == "/r2":
                self.send(302, b"", [("Location", f"{server.base}/page")])
            elif path in ("/loop-a", "/loop-b"):
                other = "/loop-b" if path == "/loop-a" else "/loop-a"
                self.send(302, b"", [("Location", other)])
            elif path.startswith("/chain/"):
                step = int(path.rsplit("/", 1)[1])
                self.send(302, b"", [("Location", f"/chain/{step + 1}")])
            elif path == "/big":
                self.send(200, b"x" * 100_000, [("Content-Type", "text/plain")])
            elif path == "/data.json":
                self.send(200, b"{}", [("Content-Type", "Application/JSON; charset=UTF-8")])
            elif path == "/slow":
                time.sleep(float(query["s"][0]))
                self.send(200, PAGE, [html])
            else:
                self.send(404, b"not found", [("Content-Type", "text/plain")])

    return Handler


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def run(
    action: Callable[[Fetcher], Awaitable[list[FetchResult]]], **options: object
) -> list[FetchResult]:
    async def main() -> list[FetchResult]:
        settings: dict[str, object] = {"guard": LOCAL, "user_agent": UA, **options}
        async with Fetcher(**settings) as fetcher:  # type: ignore[arg-type]
            return await action(fetcher)

    return asyncio.run(main())


def fetch(url: str, **options: object) -> FetchResult:
    return run(lambda f: _one(f.fetch(url)), **options)[0]


async def _one(result: Awaitable[FetchResult]) -> list[FetchResult]:
    return [await result]


def test_page_with_repeated_headers(server: Server) -> None:
    result = fetch(server.base + "/page")
    assert (result.status, result.error, result.error_kind) == (200, None, None)
    assert result.final_url == result.url == server.base + "/page"
    assert result.hops == []
    assert result.body == PAGE and not result.truncated
    assert (result.content_type, result.charset) == ("text/html", "utf-8")
    assert result.header_list("Link") == ['</a.css>; rel="preload"', '</b.js>; rel="preload"']
    assert result.header("LINK") == '</a.css>; rel="preload"'
    assert result.header("x-absent") is None
    assert all(name == name.lower() for name, _ in result.headers)
    assert result.http_version == "HTTP/1.1"
    assert 0 < result.ttfb_ms <= result.elapsed_ms


def test_user_agent_sent_and_no_cookie_kept(server: Server) -> None:
    url = server.base + "/page"
    run(lambda f: _both(f.fetch(url), f.fetch(url)))
    first, second = (headers for _, _, headers in server.requests)
    assert first["User-Agent"] == second["User-Agent"] == UA
    assert "Cookie" not in second  # the Set-Cookie of the first answer was dropped


async def _both(a: Awaitable[FetchResult], b: Awaitable[FetchResult]) -> list[FetchResult]:
    return [await a, await b]


def test_redirect_chain_is_recorded(server: Server) -> None:
    result = fetch(server.base + "/r1")
    assert result.status == 200
    assert result.final_url == server.base + "/page"
    assert result.hops == [
        Hop(server.base + "/r1", 301, server.base + "/r2"),
        Hop(server.base + "/r2", 302, server.base + "/page"),
    ]
    assert result.body == PAGE
    assert server.paths() == ["/r1", "/r2", "/page"]


def test_redirect_not_followed_when_asked(server: Server) -> None:
    result = run(lambda f: _one(f.fetch(server.base + "/r1", follow_redirects=False)))[0]
    assert (result.status, result.hops, result.header("location")) == (301, [], "/r2")


def test_redirect_loop(server: Server) -> None:
    result = fetch(server.base + "/loop-a")
    assert result.error_kind == "redirect-loop" and result.status == 0
    assert [hop.status for hop in result.hops] == [302, 302]
    assert result.final_url == server.base + "/loop-a"
    assert server.paths() == ["/loop-a", "/loop-b"]


def test_too_many_redirects_keeps_hops(server: Server) -> None:
    result = fetch(server.base + "/chain/0", max_redirects=3)
    assert result.error_kind == "too-many-redirects" and result.status == 0
    assert [hop.url for hop in result.hops] == [f"{server.base}/chain/{i}" for i in range(4)]
    assert result.final_url == server.base + "/chain/4"
    assert len(server.requests) == 4


def test_redirect_to_metadata_address_is_refused() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(301, headers={"Location": "http://169.254.169.254/latest/"})

    public = UrlGuard(resolver=lambda host: {"site.test": ["93.184.215.14"]}.get(host, [host]))
    result = fetch("http://site.test/start", guard=public, transport=httpx.MockTransport(handler))
    assert result.error_kind == "refused" and result.status == 0
    assert "link-local" in (result.error or "")
    assert result.hops == [Hop("http://site.test/start", 301, "http://169.254.169.254/latest/")]
    assert seen == ["http://site.test/start"]


def test_redirect_to_other_scheme_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "file:///etc/passwd"})

    result = fetch("http://127.0.0.1/x", transport=httpx.MockTransport(handler))
    assert result.error_kind == "refused"
    assert result.hops[0].location == "file:///etc/passwd"


def test_body_is_cut_at_max_bytes(server: Server) -> None:
    result = fetch(server.base + "/big", max_bytes=1000)
    assert result.status == 200 and result.truncated
    assert result.body == b"x" * 1000


def test_timeout(server: Server) -> None:
    result = fetch(server.base + "/slow?s=1", timeout=0.2)
    assert result.error_kind == "timeout" and result.status == 0
    assert result.elapsed_ms >= 200


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = fetch(f"http://127.0.0.1:{port}/")
    assert result.error_kind == "connect" and result.status == 0 and result.error


@pytest.mark.parametrize("allow_private", [False, True])
def test_dns_failure(allow_private: bool) -> None:
    def resolver(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    guard = UrlGuard(allow_private=allow_private, resolver=resolver)
    result = fetch("http://nowhere.test/", guard=guard)
    assert result.error_kind == "dns" and "nowhere.test" in (result.error or "")


def test_non_html_content_type(server: Server) -> None:
    result = fetch(server.base + "/data.json")
    assert (result.content_type, result.charset, result.body) == (
        "application/json",
        "UTF-8",
        b"{}",
    )


def test_head_request(server: Server) -> None:
    result = run(lambda f: _one(f.fetch(server.base + "/page", method="head")))[0]
    assert (result.status, result.body, result.content_type) == (200, b"", "text/html")


def _gather(urls: list[str]) -> Callable[[Fetcher], Awaitable[list[FetchResult]]]:
    async def action(fetcher: Fetcher) -> list[FetchResult]:
        return list(await asyncio.gather(*(fetcher.fetch(url) for url in urls)))

    return action


def _sent_times(
    action: Callable[[Fetcher], Awaitable[list[FetchResult]]],
) -> tuple[Callable[[Fetcher], Awaitable[list[FetchResult]]], list[float]]:
    """``action`` recording when each request leaves the client (httpx's request hook):
    the pacing under test, free of the server threads' scheduling on a busy machine."""
    sent: list[float] = []

    async def record(request: httpx.Request) -> None:
        sent.append(time.monotonic())

    async def wrapped(fetcher: Fetcher) -> list[FetchResult]:
        fetcher.client.event_hooks["request"].append(record)
        return await action(fetcher)

    return wrapped, sent


def min_gap(times: list[float]) -> float:
    return min(later - earlier for earlier, later in itertools.pairwise(sorted(times)))


def test_per_host_delay_is_honoured(server: Server) -> None:
    urls = [f"{server.base}/page?n={n}" for n in range(4)]
    action, sent = _sent_times(_gather(urls))
    results = run(action, delay=0.15)
    assert all(result.status == 200 for result in results)
    assert len(sent) == 4 and len(server.arrivals("/page")) == 4
    assert min_gap(sent) >= 0.15 - 0.01  # the hook runs a moment after the paced start


def test_set_host_delay_spaces_that_host(server: Server) -> None:
    async def action(fetcher: Fetcher) -> list[FetchResult]:
        fetcher.set_host_delay(server.base + "/robots.txt", 0.15)
        urls = [f"{server.base}/page?n={n}" for n in range(3)]
        return list(await asyncio.gather(*(fetcher.fetch(url) for url in urls)))

    recorded, sent = _sent_times(action)
    run(recorded)
    assert len(sent) == 3
    assert min_gap(sent) >= 0.15 - 0.01  # the hook runs a moment after the paced start


def test_per_host_concurrency_is_honoured(server: Server) -> None:
    urls = [f"{server.base}/slow?s=0.1&n={n}" for n in range(6)]
    results = run(_gather(urls), per_host=2, concurrency=16)
    assert all(result.status == 200 for result in results)
    assert server.max_in_flight == 2


def test_global_concurrency_spans_hosts(server: Server) -> None:
    port = urlsplit(server.base).port
    alias = UrlGuard(allow_private=True, resolver=lambda host: ["127.0.0.1"])
    urls = [f"http://{name}:{port}/slow?s=0.1" for name in ("a.test", "b.test", "127.0.0.1")]
    results = run(_gather(urls), guard=alias, concurrency=1, per_host=4)
    assert all(result.status == 200 for result in results)
    assert server.max_in_flight == 1


def test_http2_is_offered_to_servers() -> None:
    async def main() -> tuple[bool, bool]:
        async with (
            Fetcher(guard=LOCAL, user_agent=UA) as on,
            Fetcher(guard=LOCAL, user_agent=UA, http2=False) as off,
        ):
            return _http2(on), _http2(off)

    assert asyncio.run(main()) == (True, False)


def _http2(fetcher: Fetcher) -> bool:
    transport = fetcher.client._transport
    return bool(transport._pool._http2)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("", None)),
        ("text/html", ("text/html", None)),
        ('Text/HTML; charset="ISO-8859-1"', ("text/html", "ISO-8859-1")),
        ("text/plain; format=flowed; Charset=utf-8", ("text/plain", "utf-8")),
        ("application/json; charset=", ("application/json", None)),
    ],
)
def test_parse_content_type(value: str | None, expected: tuple[str, str | None]) -> None:
    assert parse_content_type(value) == expected


def test_host_key_includes_scheme_and_default_port() -> None:
    assert host_key("https://Example.org/x") == "https://example.org:443"
    assert host_key("http://example.org:8080/") == "http://example.org:8080"


@pytest.mark.parametrize("option", ["concurrency", "per_host"])
def test_bad_limits_are_refused(option: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Fetcher(guard=LOCAL, user_agent=UA, **{option: 0})  # type: ignore[arg-type]
    assert caught.value.field == option
