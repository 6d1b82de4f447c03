"""The FastAPI application and its lifespan: stores, spool, group commit, writer loop.

``main.py``-style wiring only: each area's routes live in ``pilotage.web.routes``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from pilotage import __version__
from pilotage.accounts import LoginThrottle
from pilotage.collect.collector import Collector
from pilotage.collect.writer import Writer
from pilotage.config import Settings, load_settings
from pilotage.instance import Instance
from pilotage.store.spool import GroupCommitter, Spool
from pilotage.watch.schedule import WatchScheduler
from pilotage.web import errors, maintenance
from pilotage.web.collect_api import CachedSites, CollectorEndpoint
from pilotage.web.security import SecurityHeaders

STATIC = StaticFiles(packages=[("pilotage.web", "static")])


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
    app.state.login_throttle = LoginThrottle()
    app.state.api_throttle = LoginThrottle(
        max_failures=settings.api_requests_per_hour, window=timedelta(hours=1)
    )
    writer.start()
    housekeeping = asyncio.get_running_loop().create_task(maintenance.loop(instance))
    watch = WatchScheduler(instance.app, settings)
    app.state.watch = watch
    watch.start()
    try:
        yield
    finally:
        await watch.stop()
        housekeeping.cancel()
        committer.close()
        writer.stop()
        spool.close()
        instance.close()


def create_app(settings: Settings | None = None) -> CollectorEndpoint:
    settings = settings or load_settings()
    app = FastAPI(
        title="Pilotage",
        version=__version__,
        lifespan=lambda a: running(a, settings),
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    errors.install(app)
    routes(app)
    app.add_middleware(SecurityHeaders, hsts=settings.public_url.startswith("https://"))
    return CollectorEndpoint(app, app.state)


def routes(app: FastAPI) -> None:
    from pilotage.web import links
    from pilotage.web.routes import (
        account,
        analysis,
        dashboard,
        engines_api,
        login,
        seo,
        sites,
        stats_api,
        users,
        watch,
        watch_api,
        watch_bench,
        watch_feeds,
    )

    for module in (
        login,
        sites,
        dashboard,
        analysis,
        links,
        account,
        users,
        stats_api,
        engines_api,
        seo,
        watch_bench,  # before watch, which reads /watch/benchmark as a monitor id
        watch_feeds,
        watch,
    ):
        app.include_router(module.router)
    app.include_router(seo.api)
    app.include_router(watch_api.router)
    app.mount("/static", STATIC, name="static")

    @app.get("/api/health", tags=["Server"])
    async def health() -> JSONResponse:
        """Liveness, version and how many events the writer loop has loaded."""
        writer: Writer = app.state.writer
        return JSONResponse({"status": "ok", "version": __version__, "loaded": writer.loaded})

    @app.get("/js/pilotage.js", include_in_schema=False)
    async def tracker() -> Response:
        from pilotage.collect.tracker import tracker_etag, tracker_script

        return Response(
            tracker_script(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=3600", "ETag": tracker_etag()},
        )

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return HTMLResponse(API_DOCS)


API_DOCS = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pilotage API</title>
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml"></head>
<body><main id="swagger-ui"></main>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/swagger-ui/init.js"></script></body></html>
"""
