from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import pytest

from pilotage.crawl.errors import FetchError, UrlRefused
from pilotage.crawl.fetch import Fetcher, FetchResult
from pilotage.crawl.guard import UrlGuard
from pilotage.crawl.transport import PinnedBackend

UA = "PilotageBot/0.1"
PUBLIC_IP = "93.184.215.14"  # only ever answered by fake resolvers, never connected to


class HostEcho(BaseHTTPRequestHandler):
    """Answers every GET with the Host header it received."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = (self.headers["Host"] or "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def http_port() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), HostEcho)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def fetch(url: str, guard: UrlGuard, verify: bool | ssl.SSLContext = True) -> FetchResult:
    async def main() -> FetchResult:
        async with Fetcher(guard=guard, user_agent=UA, verify=verify, timeout=5) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(main())


def test_dns_rebinding_is_refused_at_connect(http_port: int) -> None:
    answers = [[PUBLIC_IP]]  # first lookup (the guard's check) public, then loopback

    def rebinding(host: str) -> list[str]:
        return answers.pop() if answers else ["127.0.0.1"]

    result = fetch(f"http://rebind.test:{http_port}/", UrlGuard(resolver=rebinding))
    assert result.error_kind == "refused" and result.status == 0
    assert "loopback address 127.0.0.1" in (result.error or "")
    assert answers == []  # the guard did see the public answer first


def test_allow_private_connects_to_the_resolved_address(http_port: int) -> None:
    guard = UrlGuard(allow_private=True, resolver=lambda host: ["127.0.0.1"])
    result = fetch(f"http://site.test:{http_port}/", guard)
    assert result.status == 200
    assert result.body == f"site.test:{http_port}".encode()  # name kept for the server


def test_every_address_must_be_public() -> None:
    backend = PinnedBackend(UrlGuard(resolver=lambda host: [PUBLIC_IP, "10.1.2.3"]))
    with pytest.raises(UrlRefused, match=r"private address 10\.1\.2\.3"):
        asyncio.run(backend.resolve("mixed.test"))


def test_ip_literal_is_checked_without_resolving() -> None:
    def no_dns(host: str) -> list[str]:
        raise AssertionError(f"resolver called for {host}")

    backend = PinnedBackend(UrlGuard(resolver=no_dns))
    with pytest.raises(UrlRefused, match="link-local"):
        asyncio.run(backend.resolve("169.254.169.254"))
    assert asyncio.run(backend.resolve(PUBLIC_IP)) == [PUBLIC_IP]


def test_empty_answer_is_a_dns_error() -> None:
    backend = PinnedBackend(UrlGuard(resolver=lambda host: []))
    with pytest.raises(FetchError, match="no address"):
        asyncio.run(backend.resolve("void.test"))


# HTTP/2 over TLS: a self-signed certificate for h2.test (openssl CLI) and a tiny
# server written on the h2 library.


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
            ),
            *(
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=h2.test",
                "-addext",
                "subjectAltName=DNS:h2.test",
            ),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _serve_h2(conn: socket.socket, context: ssl.SSLContext) -> None:
    with contextlib.suppress(OSError), context.wrap_socket(conn, server_side=True) as tls:
        h2conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        h2conn.initiate_connection()
        tls.sendall(h2conn.data_to_send())
        while data := tls.recv(65535):
            for event in h2conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived) and event.stream_id is not None:
                    body = b"hello over h2"
                    headers = [(":status", "200"), ("content-length", str(len(body)))]
                    h2conn.send_headers(event.stream_id, headers)
                    h2conn.send_data(event.stream_id, body, end_stream=True)
            tls.sendall(h2conn.data_to_send())


@pytest.fixture(scope="module")
def h2_port(certificate: tuple[Path, Path]) -> Iterator[int]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    context.set_alpn_protocols(["h2"])
    listener = socket.create_server(("127.0.0.1", 0))

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = listener.accept()
                threading.Thread(target=_serve_h2, args=(conn, context), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


def _local(names: tuple[str, ...]) -> UrlGuard:
    return UrlGuard(
        allow_private=True, resolver=lambda host: ["127.0.0.1"] if host in names else []
    )


def test_http2_over_tls_checks_the_name(h2_port: int, certificate: tuple[Path, Path]) -> None:
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    result = fetch(f"https://h2.test:{h2_port}/", _local(("h2.test",)), verify=trusted)
    assert (result.status, result.http_version, result.error) == (200, "HTTP/2", None)
    assert result.body == b"hello over h2"


def test_certificate_for_another_name_is_a_tls_error(
    h2_port: int, certificate: tuple[Path, Path]
) -> None:
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    result = fetch(f"https://other.test:{h2_port}/", _local(("other.test",)), verify=trusted)
    assert result.error_kind == "tls" and result.status == 0


def test_untrusted_certificate_is_a_tls_error(h2_port: int) -> None:
    result = fetch(f"https://h2.test:{h2_port}/", _local(("h2.test",)))
    assert result.error_kind == "tls"
