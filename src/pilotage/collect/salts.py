"""Daily salts and the cookieless visitor id.

visitor_id = BLAKE2b-64(key = salt of the day, site | IP | user agent), as Plausible's
SipHash(salt, user_agent <> ip <> domain). The salt is random, made for each UTC day,
kept while it can still be needed (today's and yesterday's, so visits crossing midnight
continue) and deleted once the day is over for 48 hours. With the salt gone nobody, the
operator included, can tell whether two ids of different days are the same person, and
no IP address or user agent is ever written to disk.

Imports of past days use :class:`EphemeralSalts`: random salts that live in memory for
the length of one import only.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

SALT_BYTES = 16


class Salts(Protocol):
    def for_day(self, day: date) -> bytes | None: ...


def visitor_id(salt: bytes, site: str, ip: str, user_agent: str) -> int:
    data = f"{site}\x00{ip}\x00{user_agent}".encode()
    return int.from_bytes(hashlib.blake2b(data, key=salt, digest_size=8).digest(), "big")


class DailySalts:
    """Salts on disk under ``folder``, one file per UTC day; only today's and yesterday's
    exist. ``now`` is injectable for tests."""

    def __init__(self, folder: Path, now: type[datetime] | None = None) -> None:
        self.folder = folder
        self._now = now or datetime
        self._cache: dict[date, bytes | None] = {}
        folder.mkdir(parents=True, exist_ok=True)

    def today(self) -> date:
        return self._now.now(UTC).date()

    def for_day(self, day: date) -> bytes | None:
        """The salt of ``day`` when it is today or yesterday, else None."""
        today = self.today()
        if day not in (today, today - timedelta(days=1)):
            return None
        if day in self._cache:
            return self._cache[day]
        salt = self._load_or_make(day, create=(day == today))
        if salt is not None or day != today:
            # Yesterday's salt cannot appear later (only today's is ever made), so its
            # absence is cached too; the cache is keyed by day, hence rotates by itself.
            self._cache[day] = salt
        return salt

    def rotate(self) -> list[date]:
        """Delete salts older than yesterday; returns the days deleted."""
        keep = {self.today(), self.today() - timedelta(days=1)}
        gone = []
        for path in self.folder.glob("*.salt"):
            day = date.fromisoformat(path.stem)
            if day not in keep:
                path.unlink(missing_ok=True)
                self._cache.pop(day, None)
                gone.append(day)
        return sorted(gone)

    def _load_or_make(self, day: date, create: bool) -> bytes | None:
        path = self.folder / f"{day.isoformat()}.salt"
        if path.exists():
            return path.read_bytes()
        if not create:
            return None
        salt = secrets.token_bytes(SALT_BYTES)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(salt)
            f.flush()
            os.fsync(f.fileno())
        try:
            # Two processes racing: the first link wins, the other reads its salt.
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return path.read_bytes()


class EphemeralSalts:
    """Random salts held in memory for one import, for every day it covers."""

    def __init__(self) -> None:
        self._salts: dict[date, bytes] = {}

    def for_day(self, day: date) -> bytes:
        salt = self._salts.get(day)
        if salt is None:
            salt = self._salts[day] = secrets.token_bytes(SALT_BYTES)
        return salt
