"""The collector's live path: salts looked up once a day, ids as the formula gives."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson

from pilotage.collect.collector import Collector, TodaysSalts
from pilotage.collect.salts import DailySalts, visitor_id
from pilotage.collect.writer import decode

UA = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"
BODY = orjson.dumps({"n": "pageview", "u": "https://shop.example/a", "d": "shop.example"})


class CountingSalts:
    def __init__(self) -> None:
        self.calls: list[date] = []

    def for_day(self, day: date) -> bytes:
        self.calls.append(day)
        return day.isoformat().encode().ljust(16, b"-")


def test_todays_salts_ask_once_per_day_and_forget_at_midnight() -> None:
    inner = CountingSalts()
    todays = TodaysSalts(inner)
    day = date(2026, 3, 10)
    expected = day.isoformat().encode().ljust(16, b"-")
    for _ in range(3):
        assert todays.at(day).for_day(day) == expected
    assert inner.calls == [day]
    nxt = day + timedelta(days=1)
    todays.at(nxt).for_day(nxt)
    todays.at(nxt).for_day(day)
    assert inner.calls[-2:] == [nxt, day]


def test_live_records_use_todays_and_yesterdays_salts(tmp_path: Path) -> None:
    salts = DailySalts(tmp_path)
    collector = Collector(salts, lambda: ["shop.example"])
    (record,) = collector.records(BODY, "81.2.69.142", UA)
    (again,) = collector.records(BODY, "81.2.69.142", UA)
    today = datetime.now(UTC).date()
    salt = salts.for_day(today)
    assert salt is not None
    row = decode(record)
    assert row["visitor_id"] == visitor_id(salt, "shop.example", "81.2.69.142", UA)
    assert row["prev_visitor_id"] == 0  # no salt was made yesterday
    assert decode(again)["visitor_id"] == row["visitor_id"]
