"""The server's housekeeping: retention applied daily, expired salts deleted."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pilotage.collect.hit import Hit, hits_to_table
from pilotage.collect.importers.report import ImportReport
from pilotage.config import Settings
from pilotage.instance import Instance
from pilotage.web.maintenance import run_once

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def hit(day: datetime) -> Hit:
    return Hit("shop.example", day, "pageview", "https://shop.example/", ip="81.2.69.142")


def test_retention_and_salts(settings: Settings) -> None:
    inst = Instance(settings)
    old, recent = datetime(2024, 9, 1, tzinfo=UTC), datetime(2026, 1, 5, tzinfo=UTC)
    inst.load_hits(hits_to_table([hit(old), hit(recent)]), ImportReport("test"))
    stale = inst.salts.folder / "2026-11-01.salt"
    stale.write_bytes(b"x" * 16)

    first = run_once(inst, None, NOW)
    assert first == NOW
    assert not stale.exists()
    # 25 months before 22 Nov 2026 is 22 Oct 2024: the September 2024 event goes.
    rows = inst.events.fetch("SELECT ts::DATE AS d FROM events").to_pylist()
    assert [r["d"] for r in rows] == [date(2026, 1, 5)]
    assert inst.events.scalar("SELECT count(*) FROM sessions") == 1
    assert run_once(inst, first, NOW.replace(hour=18)) == first  # at most one purge a day
    inst.close()
