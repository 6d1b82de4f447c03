"""Housekeeping the server does by itself: delete expired salts, apply the retention.

Salts must be gone 48 hours after their day began (docs/privacy.md) and events older
than the retention period deleted; while `pilotage serve` runs it holds the store, so it
does both itself rather than relying on a cron job that could not open the store.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from pilotage.instance import Instance

log = logging.getLogger(__name__)
SALT_CHECK_SECONDS = 600
PURGE_EVERY_SECONDS = 24 * 3600


def run_once(instance: Instance, last_purge: datetime | None, now: datetime) -> datetime | None:
    """Rotate salts; purge when a day has passed since ``last_purge``. Returns the time of
    the last purge."""
    instance.salts.rotate()
    if last_purge is None or (now - last_purge).total_seconds() >= PURGE_EVERY_SECONDS:
        events, visits = instance.purge(now=now)
        if events or visits:
            log.info("retention: deleted %d events and %d visits", events, visits)
        return now
    return last_purge


async def loop(instance: Instance) -> None:
    last_purge: datetime | None = None
    while True:
        try:
            last_purge = await asyncio.to_thread(run_once, instance, last_purge, datetime.now(UTC))
        except Exception:  # housekeeping must not stop the server; it retries later
            log.exception("maintenance failed")
        await asyncio.sleep(SALT_CHECK_SECONDS)
