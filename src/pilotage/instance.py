"""One Pilotage installation: its settings, app state, event store and salts.

The CLI and the web app both work through an :class:`Instance`, so they share one way of
opening the stores and loading data.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from functools import cached_property

import pyarrow as pa

from pilotage.collect.importers.report import ImportReport
from pilotage.collect.salts import DailySalts, EphemeralSalts
from pilotage.config import Settings, load_settings
from pilotage.errors import InvalidInput
from pilotage.sites import get_site
from pilotage.store.app import AppDB
from pilotage.store.events import EventStore


class Instance:
    def __init__(self, settings: Settings | None = None, *, read_only: bool = False) -> None:
        self.settings = settings or load_settings()
        self.read_only = read_only

    @cached_property
    def app(self) -> AppDB:
        db = AppDB(self.settings.app_url)
        db.upgrade()
        return db

    @cached_property
    def events(self) -> EventStore:
        return EventStore(self.settings.events_path, read_only=self.read_only)

    @cached_property
    def salts(self) -> DailySalts:
        return DailySalts(self.settings.data_dir / "salts")

    @cached_property
    def secret_key(self) -> bytes:
        """This installation's signing key (shared-link cookies), made on first use and
        readable by its owner only."""
        path = self.settings.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
        return path.read_bytes()

    def known_sites(self) -> list[str]:
        from pilotage.sites import list_sites

        with self.app.session() as s:
            return [site.domain for site in list_sites(s)]

    def check_site(self, domain: str) -> str:
        with self.app.session() as s:
            return get_site(s, domain).domain

    def load_hits(self, raw: pa.Table, report: ImportReport) -> int:
        """Enrich and store a whole import in one transaction (all or nothing).

        Imported days get salts of their own that live only for this import."""
        if raw.num_rows == 0:
            return 0
        # Imported here: enrichment loads user-agent and bot rules, which commands that
        # only read do not need (CLI start-up time).
        from pilotage.collect.pipeline import enrich_table
        from pilotage.collect.sessions import continue_across_midnight

        staged = enrich_table(raw, EphemeralSalts())
        timeout = timedelta(minutes=self.settings.session_timeout_minutes)
        staged = continue_across_midnight(staged, timeout)
        bots = staged["is_bot"].to_pylist().count(True)
        n = self.events.ingest(staged, timeout_minutes=self.settings.session_timeout_minutes)
        report.imported = n
        report.bots = max(report.bots, bots)
        return n

    def retention_cutoff(self, months: int | None = None, now: datetime | None = None) -> datetime:
        """Events before this UTC time are past the retention period."""
        months = months or self.settings.retention_months
        if months < 1:
            raise InvalidInput("retention must be at least one month", field="months")
        return _months_before(now or datetime.now(UTC), months)

    def purge(self, months: int | None = None, now: datetime | None = None) -> tuple[int, int]:
        cutoff = self.retention_cutoff(months, now)
        self.salts.rotate()
        return self.events.purge(cutoff)

    def close(self) -> None:
        if "events" in self.__dict__:
            self.events.close()
        if "app" in self.__dict__:
            self.app.dispose()


def _months_before(now: datetime, months: int) -> datetime:
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    day = min(now.day, 28)
    return now.replace(year=year, month=month + 1, day=day).astimezone(UTC)
