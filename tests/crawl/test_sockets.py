"""The asyncio network stream under httpcore, against real sockets on 127.0.0.1, on
asyncio's own loop and on uvloop (the crawl's)."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import httpcore
import httpx
import pytest
import uvloop

from pilotage.crawl import sockets
from pilotage.crawl.sockets import AsyncioBackend

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
LOOPS = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}


@pytest.fixture(params=sorted(LOOPS))
def run(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    def runner(coroutine: Coroutine[Any, Any, Any]) -> Any:
        with asyncio.Runner(loop_factory=LOOPS[request.param]) as r:
            return r.run(coroutine)

    return runner


@asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[int]:
    """A server on 127.0.0.1 running ``handler`` per connection; its port. On the way out
    every connection is closed and every handler finished, so the loop closes clean."""
    tasks: set[asyncio.Task[None]] = set()
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        tasks.add(asyncio.current_task())  # type: ignore[arg-type]
        await handler(reader, writer)

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for writer in writers:
            writer.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def test_reads_what_the_server_sends_in_order_with_flow_control(run: Any) -> None:
    payload = bytes(range(256)) * (5 * sockets.HIGH_WATER // 256)  # 5 buffers' worth

    async def handler(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(payload)
        await writer.drain()
        writer.close()

    async def main() -> tuple[bool, bytes]:
        async with serving(handler) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            await asyncio.sleep(0.3)  # let the server fill our buffer: reading must pause
            paused = stream._protocol.reading_paused  # type: ignore[attr-defined]
            received = bytearray()
            while chunk := await stream.read(65536, timeout=5):
                assert len(chunk) <= 65536
                received += chunk
            await stream.aclose()
        return paused, bytes(received)

    assert run(main()) == (True, payload)


def test_an_idle_connection_the_server_closed_reads_as_readable(run: Any) -> None:
    async def main() -> tuple[bool, bool]:
        close_now = asyncio.Event()

        async def handler(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await close_now.wait()
            writer.close()

        async with serving(handler) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            await asyncio.sleep(0.05)
            before = stream.get_extra_info("is_readable")
            close_now.set()
            await until(lambda: bool(stream.get_extra_info("is_readable")))
            after = stream.get_extra_info("is_readable")
            with pytest.raises(httpcore.WriteError):
                await stream.write(b"GET / HTTP/1.1\r\n\r\n")
            await stream.aclose()
        return before, after

    assert run(main()) == (False, True)


def test_a_silent_server_is_a_read_timeout(run: Any) -> None:
    async def handler(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers

    async def main() -> None:
        async with serving(handler) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            with pytest.raises(httpcore.ReadTimeout):
                await stream.read(100, timeout=0.1)
            await stream.aclose()

    run(main())


def test_a_tls_handshake_nobody_answers_is_a_connect_timeout(run: Any) -> None:
    async def handler(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
        await reader.read()  # takes the ClientHello, never answers

    async def main() -> bool:
        async with serving(handler) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            context = ssl.create_default_context()
            started = asyncio.get_running_loop().time()
            with pytest.raises(httpcore.ConnectTimeout):
                await stream.start_tls(context, server_hostname="localhost", timeout=0.3)
            assert asyncio.get_running_loop().time() - started < 5
            return bool(stream._transport.is_closing())  # type: ignore[attr-defined]

    assert run(main()) is True


def test_closing_a_stalled_connection_does_not_wait_for_the_server(run: Any) -> None:
    """A server that does not read: the write times out, and closing ends the connection
    at once, instead of sending the 64 MB left in the buffer once the server reads."""
    size = 64 << 20

    async def main() -> int:
        ended = asyncio.Event()
        received = 0

        async def handler(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
            nonlocal received
            await asyncio.sleep(0.5)  # stalls while the client fills the buffers
            try:
                while chunk := await reader.read(1 << 20):
                    received += len(chunk)
            except ConnectionError:
                pass
            ended.set()

        async with serving(handler) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            with pytest.raises(httpcore.WriteTimeout):
                await stream.write(b"x" * size, timeout=0.2)
            await stream.aclose()
            await asyncio.wait_for(ended.wait(), 10)
        return received

    assert run(main()) < (64 << 20) // 2  # what the kernels held, not the whole buffer


def test_refused_connection_and_socket_options(run: Any) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]

    async def handler(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async def main() -> int:
        with pytest.raises(httpcore.ConnectError):
            await AsyncioBackend().connect_tcp("127.0.0.1", free, timeout=5)
        options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
        async with serving(handler) as port:
            stream = await AsyncioBackend().connect_tcp(
                "127.0.0.1", port, timeout=5, socket_options=options
            )
            sock = stream.get_extra_info("socket")
            assert stream.get_extra_info("server_addr")[1] == port
            value = int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
            await stream.aclose()
        return value

    assert run(main()) == 1


def test_httpx_reuses_connections_and_replaces_one_the_server_closed(run: Any) -> None:
    """Keep-alive through httpcore's pool: two requests on one connection, then the
    server closes it while idle and the third request opens a new one."""
    connections: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        served = 0
        while await reader.readuntil(b"\r\n\r\n"):
            served += 1
            body = f"request {served}".encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
            if served == 2:
                writer.close()
                return

    async def main() -> list[str]:
        transport = httpx.AsyncHTTPTransport()
        transport._pool = httpcore.AsyncConnectionPool(network_backend=AsyncioBackend())
        bodies = []
        async with serving(handler) as port, httpx.AsyncClient(transport=transport) as client:
            for _ in range(3):
                response = await client.get(f"http://127.0.0.1:{port}/")
                bodies.append(response.text)
                await asyncio.sleep(0.05)
        return bodies

    assert run(main()) == ["request 1", "request 2", "request 1"]
    assert len(connections) == 2
