"""Running monitors on time: once (``pilotage watch run``, for cron) or inside
``pilotage serve`` (a background task that wakes every ``TICK`` seconds).

Checks of one round share one fetcher, so per-host politeness (one request at a time
per competitor host, robots.txt ``Crawl-delay`` honoured) holds across monitors that
watch the same site.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime

from pilotage.config import Settings
from pilotage.crawl.fetch import Fetcher
from pilotage.crawl.guard import Resolver, UrlGuard
from pilotage.crawl.robots import RobotsCache
from pilotage.store.app import AppDB
from pilotage.watch.monitors import due_monitors
from pilotage.watch.runner import USER_AGENT_WATCH, Outcome, check_monitor, deliver

TICK = 30.0
log = logging.getLogger("pilotage.watch")


def user_agent() -> str:
    from pilotage import __version__

    return f"{USER_AGENT_WATCH}/{__version__} (+https://github.com/pilotage/pilotage)"


async def run_checks(
    db: AppDB,
    settings: Settings,
    *,
    monitor_ids: Sequence[int] | None = None,
    allow_private: bool | None = None,
    resolver: Resolver | None = None,
    now: datetime | None = None,
    locale: str | None = None,
) -> list[Outcome]:
    """Check the given monitors, or those due; then send the alerts of what changed, in
    ``locale`` (default: the settings' ``alert_locale``)."""
    if monitor_ids is None:
        with db.session() as s:
            monitor_ids = [m.id for m in due_monitors(s, now)]
    if not monitor_ids:
        return []
    private = settings.watch_allow_private if allow_private is None else allow_private
    guard = UrlGuard(allow_private=private, resolver=resolver)
    async with Fetcher(
        guard=guard, user_agent=user_agent(), per_host=1, concurrency=8, timeout=30.0
    ) as fetcher:
        robots = RobotsCache(fetcher.client, user_agent(), guard)
        outcomes = await asyncio.gather(
            *(check_monitor(db, i, fetcher, robots) for i in monitor_ids)
        )
        for outcome in outcomes:
            if outcome.alerted and outcome.change_id is not None:
                await deliver(
                    db, outcome.change_id, settings, fetcher,
                    locale=locale or settings.alert_locale,
                    base_url=settings.public_url,
                )  # fmt: skip
    return list(outcomes)


class WatchScheduler:
    """The background task of ``pilotage serve``: checks due monitors every ``tick``."""

    def __init__(self, db: AppDB, settings: Settings, tick: float = TICK) -> None:
        self.db = db
        self.settings = settings
        self.tick = tick
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="pilotage-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                outcomes = await run_checks(self.db, self.settings)
                for outcome in outcomes:
                    if outcome.state == "error":
                        log.info("monitor %s: %s", outcome.monitor_id, outcome.error)
            except Exception:  # a bad round must not stop the next ones
                log.exception("watch round failed")
            await asyncio.sleep(self.tick)
