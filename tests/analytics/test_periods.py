"""Periods resolve to local whole days, including across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pilotage.analytics import periods
from pilotage.errors import InvalidInput

NOW = datetime(2024, 3, 15, 12, 0)


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("day", date(2024, 3, 15), date(2024, 3, 15)),
        ("7d", date(2024, 3, 9), date(2024, 3, 15)),
        ("28d", date(2024, 2, 17), date(2024, 3, 15)),
        ("30d", date(2024, 2, 15), date(2024, 3, 15)),
        ("month", date(2024, 3, 1), date(2024, 3, 31)),
        ("6mo", date(2023, 10, 1), date(2024, 3, 31)),
        ("12mo", date(2023, 4, 1), date(2024, 3, 31)),
        ("year", date(2024, 1, 1), date(2024, 12, 31)),
        ((date(2024, 1, 5), date(2024, 1, 6)), date(2024, 1, 5), date(2024, 1, 6)),
    ],
)
def test_named_periods(period: periods.Period, first: date, last: date) -> None:
    rng = periods.resolve(period, "UTC", NOW)
    assert (rng.first, rng.last) == (first, last)


def test_all_starts_at_first_day() -> None:
    rng = periods.resolve("all", "UTC", NOW, first_day=date(2023, 6, 1))
    assert (rng.first, rng.last) == (date(2023, 6, 1), date(2024, 3, 15))


def test_today_is_the_site_day() -> None:
    # 23:30 UTC on 15 March is already 16 March in Paris.
    rng = periods.resolve("day", "Europe/Paris", datetime(2024, 3, 15, 23, 30))
    assert rng.first == date(2024, 3, 16)


def test_spring_forward_day_has_23_hours() -> None:
    rng = periods.resolve((date(2024, 3, 31), date(2024, 3, 31)), "Europe/Paris")
    assert rng.start == datetime(2024, 3, 30, 23, 0)
    assert rng.end == datetime(2024, 3, 31, 22, 0)
    assert len(periods.bucket_labels(rng, "hour")) == 23


def test_fall_back_day_has_25_hours_in_24_labels() -> None:
    rng = periods.resolve((date(2024, 10, 27), date(2024, 10, 27)), "Europe/Paris")
    assert (rng.end - rng.start).total_seconds() == 25 * 3600
    # 02:00 happens twice and is one bucket, as in Plausible.
    assert len(periods.bucket_labels(rng, "hour")) == 24


@pytest.mark.parametrize(
    "tz", ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
)
def test_utc_offsets_follow_the_zone(tz: str) -> None:
    # Lord Howe moves by 30 minutes; Kolkata has no DST. Reference: zoneinfo itself,
    # every 15 minutes of a year, and one second either side of each change.
    rng = periods.resolve("year", tz, NOW)
    changes = periods.utc_offsets(rng)
    zone = ZoneInfo(tz)

    def offset(t: datetime) -> int:
        return int(t.replace(tzinfo=UTC).astimezone(zone).utcoffset().total_seconds())  # type: ignore[union-attr]

    t = rng.start
    while t < rng.end:
        expected = next(o for since, o in reversed(changes) if since <= t)
        assert offset(t) == expected, t
        t += timedelta(minutes=15)
    for since, o in changes[1:]:
        assert offset(since) == o != offset(since - timedelta(seconds=1))
    assert len(changes) == (1 if tz in ("Asia/Kolkata", "UTC") else 3)


def test_previous_period_of_month_so_far() -> None:
    rng = periods.resolve("month", "UTC", NOW)
    cmp = periods.comparison_range(rng, "previous_period", date(2024, 3, 15))
    assert (cmp.first, cmp.last) == (date(2024, 2, 15), date(2024, 2, 29))


def test_year_over_year() -> None:
    rng = periods.resolve((date(2024, 2, 1), date(2024, 2, 29)), "UTC")
    cmp = periods.comparison_range(rng, "year_over_year", date(2024, 3, 15))
    assert (cmp.first, cmp.last) == (date(2023, 2, 1), date(2023, 2, 28))


@pytest.mark.parametrize(
    ("days", "expected"), [(1, "hour"), (30, "day"), (40, "day"), (41, "month")]
)
def test_default_granularity(days: int, expected: str) -> None:
    rng = periods.time_range(
        date(2024, 1, 1), date(2024, 1, days) if days <= 31 else date(2024, 2, days - 31), "UTC"
    )
    assert periods.default_granularity(rng) == expected


def test_week_labels_are_mondays() -> None:
    rng = periods.time_range(date(2024, 3, 1), date(2024, 3, 15), "UTC")
    labels = periods.bucket_labels(rng, "week")
    assert labels == ("2024-02-26", "2024-03-04", "2024-03-11")


@pytest.mark.parametrize(("period", "field"), [("fortnight", "period"), ("0d", "period")])
def test_bad_period(period: str, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        periods.resolve(period, "UTC", NOW)
    assert err.value.field == field


def test_bad_time_zone() -> None:
    with pytest.raises(InvalidInput) as err:
        periods.resolve("7d", "Mars/Olympus", NOW)
    assert err.value.field == "timezone"


def test_reversed_custom_range() -> None:
    with pytest.raises(InvalidInput) as err:
        periods.resolve((date(2024, 2, 2), date(2024, 2, 1)), "UTC")
    assert err.value.field == "period"


def test_minutes_period_is_the_last_minutes_up_to_now() -> None:
    from datetime import datetime as _dt

    from pilotage.analytics.periods import resolve as _resolve

    now = _dt(2024, 3, 10, 23, 58, 30)
    rng = _resolve("5min", "Europe/Paris", now)
    assert (rng.start, rng.end) == (_dt(2024, 3, 10, 23, 53, 30), now)
    assert rng.first == rng.last == _dt(2024, 3, 11).date()  # already the 11th in Paris


@pytest.mark.parametrize(
    "period", [(date(1, 1, 1), date(1, 1, 2)), (date(2026, 1, 1), date(9999, 12, 31))]
)
def test_periods_far_from_any_traffic_are_refused(period: tuple[date, date]) -> None:
    from pilotage.analytics.periods import resolve as _resolve
    from pilotage.errors import InvalidInput as _Invalid

    with pytest.raises(_Invalid) as err:
        _resolve(period, "Europe/Paris")
    assert err.value.field == "period"
