"""The FastAPI application and its lifespan: stores, spool, group commit, writer loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response

from pilotage import __version__
from pilotage.collect.collector import Collector
from pilotage.collect.writer import Writer
from pilotage.config import Settings, load_settings
from pilotage.instance import Instance
from pilotage.store.spool import GroupCommitter, Spool
from pilotage.web import errors, maintenance
from pilotage.web.collect_api import CachedSites, CollectorEndpoint


@asynccontextmanager
async def running(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """The server's lifetime: open the stores, replay the spool, start the writer loop and
    housekeeping; on the way out, stop taking events, load what remains, close."""
    instance = Instance(settings)
    spool = Spool(settings.spool_dir / "main")
    writer = Writer(
        instance.events,
        settings.spool_dir,
        batch_size=settings.spool_batch_size,
        timeout_minutes=settings.session_timeout_minutes,
    )
    writer.drain()  # replay what an earlier run acknowledged but did not load
    committer = GroupCommitter(spool, on_durable=writer.wake)
    app.state.settings = settings
    app.state.instance = instance
    app.state.writer = writer
    app.state.committer = committer
    app.state.collector = Collector(instance.salts, CachedSites(instance.known_sites))
    writer.start()
    housekeeping = asyncio.get_running_loop().create_task(maintenance.loop(instance))
    try:
        yield
    finally:
        housekeeping.cancel()
        committer.close()
        writer.stop()
        spool.close()
        instance.close()


def create_app(settings: Settings | None = None) -> CollectorEndpoint:
    settings = settings or load_settings()
    app = FastAPI(title="Pilotage", version=__version__, lifespan=lambda a: running(a, settings))
    errors.install(app)
    routes(app)
    return CollectorEndpoint(app, app.state)


def routes(app: FastAPI) -> None:
    @app.get("/", response_class=HTMLResponse)
    def overview() -> HTMLResponse:
        from pilotage.web.overview import overview_rows, render

        return HTMLResponse(render(overview_rows(app.state.instance)))

    @app.get("/api/health")
    async def health() -> JSONResponse:
        writer: Writer = app.state.writer
        return JSONResponse({"status": "ok", "version": __version__, "loaded": writer.loaded})

    @app.get("/js/pilotage.js")
    async def tracker() -> Response:
        from pilotage.collect.tracker import tracker_etag, tracker_script

        return Response(
            tracker_script(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=3600", "ETag": tracker_etag()},
        )
