"""httpcore's network streams on asyncio's own transports, without anyio in between.

httpcore's default backend on asyncio goes through anyio: each read and write opens a
cancel scope, and before reusing a pooled connection httpcore asks whether its socket
is readable (a ``poll`` system call through anyio's attribute lookup), for every idle
connection at every request. On a crawl that is a fifth of the fetching process's CPU.

Here a ``Protocol`` buffers what the event loop receives, so "is readable" is a look at
that buffer (data or end of stream arrived while the connection was idle: the server
closed it or broke the protocol), reads take buffered chunks as they are, and timeouts
are one timer per wait. Errors are mapped to httpcore's exceptions as its anyio backend
maps them, so httpx reports them the same way. Works on asyncio's loop and on uvloop.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import deque
from collections.abc import Iterable
from typing import Any, cast

import httpcore

# Reading stops when this much is buffered and unread (flow control), until read again.
HIGH_WATER = 1 << 20
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class _Buffer(asyncio.Protocol):
    """What the transport delivers, kept until read; end of stream and errors noted."""

    def __init__(self) -> None:
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.eof = False
        self.error: BaseException | None = None
        self.transport: asyncio.Transport | None = None
        self.reading_paused = False
        self.writing_paused = False
        self.reader: asyncio.Future[None] | None = None
        self.drain: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)
        if self.size > HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        if exc is not None:
            self.error = exc
        self._wake_reader()
        self._wake_writer()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake_writer()

    def _wake_reader(self) -> None:
        if self.reader is not None and not self.reader.done():
            self.reader.set_result(None)

    def _wake_writer(self) -> None:
        if self.drain is not None and not self.drain.done():
            self.drain.set_result(None)

    def take(self, max_bytes: int) -> bytes:
        chunk = self.chunks.popleft()
        if len(chunk) > max_bytes:
            self.chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        self.size -= len(chunk)
        if self.reading_paused and self.size <= HIGH_WATER // 2 and self.transport is not None:
            self.reading_paused = False
            self.transport.resume_reading()
        return chunk


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection (plain TCP or TLS) as httpcore reads and writes it."""

    def __init__(self, transport: asyncio.Transport, protocol: _Buffer) -> None:
        self._transport = transport
        self._protocol = protocol
        self._loop = asyncio.get_running_loop()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if not protocol.chunks and not protocol.eof:
            protocol.reader = self._loop.create_future()
            try:
                await self._wait(protocol.reader, timeout)
            except TimeoutError:
                raise httpcore.ReadTimeout(f"read timed out after {timeout} s") from None
            finally:
                protocol.reader = None
        if protocol.chunks:
            return protocol.take(max_bytes)
        if protocol.error is not None:
            raise httpcore.ReadError(str(protocol.error) or type(protocol.error).__name__)
        return b""  # the server closed the connection

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        protocol = self._protocol
        if self._transport.is_closing() or protocol.eof:
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        if not protocol.writing_paused:
            return
        protocol.drain = self._loop.create_future()
        try:
            await self._wait(protocol.drain, timeout)
        except TimeoutError:
            raise httpcore.WriteTimeout(f"write timed out after {timeout} s") from None
        finally:
            protocol.drain = None
        if protocol.writing_paused:  # woken by the connection's end, not by a drain
            raise httpcore.WriteError("the connection was closed while writing")

    async def _wait(self, waiter: asyncio.Future[None], timeout: float | None) -> None:
        """Until the protocol resolves ``waiter`` (one timer, not a cancel scope)."""
        timer = None if timeout is None else self._loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()

    async def aclose(self) -> None:
        # Aborted, as httpcore's anyio backend ends its streams: a close would wait for
        # unsent bytes a stalled server never reads, or for a TLS peer's close_notify.
        self._transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        # The caller's timeout bounds the handshake (asyncio's own limit, 60 s by default,
        # would end it with a ConnectionAbortedError instead).
        limit = None if timeout is None else timeout + 1.0
        try:
            async with asyncio.timeout(timeout):
                transport = await self._loop.start_tls(
                    self._transport,
                    self._protocol,
                    ssl_context,
                    server_hostname=server_hostname,
                    ssl_handshake_timeout=limit,
                )
        except TimeoutError as exc:
            self._transport.abort()
            raise httpcore.ConnectTimeout(f"TLS handshake timed out after {timeout} s") from exc
        except (OSError, ssl.SSLError, ConnectionError, ValueError) as exc:
            self._transport.abort()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        except asyncio.CancelledError:
            self._transport.abort()
            raise
        if transport is None:  # the connection closed during the handshake
            self._transport.abort()
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._protocol.transport = transport
        return AsyncioStream(transport, self._protocol)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            protocol = self._protocol
            return bool(protocol.chunks) or protocol.eof
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connects with the running loop's ``create_connection``."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        protocol = _Buffer()
        options = list(socket_options or ())
        try:
            async with asyncio.timeout(timeout):
                if options:
                    sock = await _connected_socket(loop, host, port, local_address, options)
                    transport, _ = await loop.create_connection(lambda: protocol, sock=sock)
                else:
                    local = None if local_address is None else (local_address, 0)
                    transport, _ = await loop.create_connection(
                        lambda: protocol, host, port, local_addr=local
                    )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"connecting timed out after {timeout} s") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return AsyncioStream(transport, protocol)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError(f"Unix socket {path!r}: not supported")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connected_socket(
    loop: asyncio.AbstractEventLoop,
    host: str,
    port: int,
    local_address: str | None,
    options: list[SocketOption],
) -> socket.socket:
    """A socket with ``options`` set before connecting (httpcore's ``socket_options``)."""
    family, kind, proto, _, address = (await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM))[
        0
    ]
    sock = socket.socket(family, kind, proto)
    try:
        for option in options:
            sock.setsockopt(*option)  # type: ignore[call-overload]
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if local_address is not None:
            sock.bind((local_address, 0))
        sock.setblocking(False)
        await loop.sock_connect(sock, address)
    except BaseException:
        sock.close()
        raise
    return sock
