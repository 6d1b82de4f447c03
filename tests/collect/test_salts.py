"""Daily salts: made for today, kept one day more, then deleted; ids are keyed hashes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from pilotage.collect.salts import DailySalts, EphemeralSalts, visitor_id


def clock(day: date) -> type[datetime]:
    class Fixed(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Fixed:  # type: ignore[override]
            return cls(day.year, day.month, day.day, 12, tzinfo=UTC)

    return Fixed


def test_salt_lives_for_its_day_and_the_next_then_is_deleted(tmp_path: Path) -> None:
    d1, d2, d3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
    first = DailySalts(tmp_path, now=clock(d1)).for_day(d1)
    assert first is not None and len(first) == 16
    day2 = DailySalts(tmp_path, now=clock(d2))
    assert day2.for_day(d1) == first  # yesterday's salt, for visits crossing midnight
    assert day2.for_day(d2) not in (None, first)
    day3 = DailySalts(tmp_path, now=clock(d3))
    assert day3.rotate() == [d1]
    assert day3.for_day(d1) is None
    assert sorted(p.stem for p in tmp_path.glob("*.salt")) == ["2026-03-02"]


def test_a_past_day_without_salt_is_not_made_up(tmp_path: Path) -> None:
    salts = DailySalts(tmp_path, now=clock(date(2026, 3, 5)))
    assert salts.for_day(date(2026, 3, 4)) is None
    assert salts.for_day(date(2026, 2, 1)) is None


def test_visitor_id_depends_on_salt_site_ip_and_agent() -> None:
    base = visitor_id(b"s" * 16, "a.example", "1.2.3.4", "UA")
    assert base == visitor_id(b"s" * 16, "a.example", "1.2.3.4", "UA")
    others = {
        visitor_id(b"t" * 16, "a.example", "1.2.3.4", "UA"),
        visitor_id(b"s" * 16, "b.example", "1.2.3.4", "UA"),
        visitor_id(b"s" * 16, "a.example", "1.2.3.5", "UA"),
        visitor_id(b"s" * 16, "a.example", "1.2.3.4", "UA2"),
    }
    assert base not in others and len(others) == 4


def test_ephemeral_salts_differ_per_day_and_per_import() -> None:
    a, b = EphemeralSalts(), EphemeralSalts()
    day = date(2015, 5, 17)
    assert a.for_day(day) == a.for_day(day) != a.for_day(date(2015, 5, 18))
    assert a.for_day(day) != b.for_day(day)
