"""Pinned HTTP transport: connections go only to addresses the SSRF guard approved.

``UrlGuard.check`` resolves a host name before a request, but the HTTP client used to
resolve it again when connecting, so a DNS server answering a public address first
and a private one second (DNS rebinding) slipped through. Here the resolution and the
address test happen inside httpcore's network backend, at the moment of connecting:
``connect_tcp`` resolves the name with the guard's resolver, refuses the lot if any
address is not public (unless ``guard.allow_private``, the same rule as the guard),
then connects to one of those checked addresses. httpcore still passes the URL's
host name as TLS ``server_hostname``, so SNI and certificate checks use the name, not
the address.

Errors raised from ``connect_tcp``: ``UrlRefused`` (a refused address) and
``FetchError`` (the name does not resolve) pass through httpx unchanged, as
``UrlGuard.check`` raises them; connection failures stay httpcore's own.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterable, Sequence

import anyio
import anyio.to_thread
import httpcore
import httpx

from pilotage.crawl.errors import FetchError, UrlRefused
from pilotage.crawl.guard import UrlGuard, address_class
from pilotage.crawl.sockets import AsyncioBackend, SocketOption

# The callers (Fetcher, RobotsCache, SitemapReader) bound concurrency themselves.
DEFAULT_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=32)


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that resolves and checks the host itself before connecting."""

    def __init__(self, guard: UrlGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self.inner = inner if inner is not None else AsyncioBackend()

    async def resolve(self, host: str, timeout: float | None = None) -> list[str]:
        """The addresses ``host`` may be reached at; raises if any of them is refused."""
        if _is_literal(host):
            addresses: Sequence[str] = [host]
        else:
            addresses = await self._lookup(host, timeout)
        if not self.guard.allow_private:
            for text in addresses:
                address = ipaddress.ip_address(text.split("%", 1)[0])
                reason = address_class(address)
                if reason is not None:
                    raise UrlRefused(
                        f"host {host!r} resolves to {reason} address {address} when connecting; "
                        "private addresses need --allow-private "
                        "(PILOTAGE_WATCH_ALLOW_PRIVATE in the server)",
                        field="url",
                    )
        return list(addresses)

    async def _lookup(self, host: str, timeout: float | None) -> Sequence[str]:
        try:
            with anyio.fail_after(timeout):
                addresses = await anyio.to_thread.run_sync(
                    self.guard.resolver, host, abandon_on_cancel=True
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from exc
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"host {host!r} does not resolve ({exc})") from exc
        if not addresses:
            raise FetchError(f"host {host!r} has no address")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: httpcore.ConnectError | None = None
        for address in await self.resolve(host, timeout):
            try:
                return await self.inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:  # try the next checked address
                failure = exc
        assert failure is not None  # resolve() never returns an empty list
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UrlRefused(f"Unix socket {path!r}: only TCP connections may be made", field="url")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` whose connection pool connects through ``PinnedBackend``.

    httpx builds its httpcore pool in ``__init__`` with no way to pass a network
    backend, so the pool is rebuilt here with the same settings plus the backend.
    Environment proxies are never used (a proxy would connect on our behalf, unchecked).
    """

    def __init__(
        self,
        guard: UrlGuard,
        *,
        http2: bool = True,
        verify: bool | ssl.SSLContext = True,
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> None:
        context = httpx.create_ssl_context(verify=verify, trust_env=False)
        super().__init__(verify=context, http2=http2, limits=limits, trust_env=False)
        self.backend = PinnedBackend(guard)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=self.backend,
        )
