"""POST /api/event: the collector endpoint. Answers 202 only once the event is on disk."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from pilotage.collect.collector import Collector
from pilotage.errors import PayloadTooLarge
from pilotage.store.spool import GroupCommitter

router = APIRouter()


class CachedSites:
    """The known sites, re-read from app state at most every few seconds."""

    def __init__(self, load: Callable[[], list[str]], ttl: float = 5.0) -> None:
        self.load, self.ttl = load, ttl
        self._at = 0.0
        self._sites: list[str] = []

    def __call__(self) -> list[str]:
        if time.monotonic() - self._at > self.ttl:
            self._sites = self.load()
            self._at = time.monotonic()
        return self._sites


def client_ip(request: Request, header: str) -> str:
    if header:
        forwarded = request.headers.get(header, "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else ""


async def read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes", field="body")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes", field="body")
    return bytes(body)


async def durable(committer: GroupCommitter, records: list[bytes]) -> None:
    loop = asyncio.get_running_loop()
    futures = []
    for record in records:
        future: asyncio.Future[None] = loop.create_future()

        def done(error: BaseException | None, f: asyncio.Future[None] = future) -> None:
            loop.call_soon_threadsafe(_settle, f, error)

        committer.submit(record, done)
        futures.append(future)
    await asyncio.gather(*futures)


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


@router.post("/api/event", status_code=202)
async def collect_event(request: Request) -> Response:
    state = request.app.state
    body = await read_limited(request, state.settings.max_body_bytes)
    collector: Collector = state.collector
    records = collector.records(
        body,
        client_ip(request, state.settings.forwarded_for_header),
        request.headers.get("user-agent", ""),
    )
    await durable(state.committer, records)
    return PlainTextResponse("ok", status_code=202, headers={"Access-Control-Allow-Origin": "*"})


@router.options("/api/event")
async def preflight() -> Response:
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
        },
    )
