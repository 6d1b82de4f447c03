"""Periods: a named or custom date range resolved to a UTC ``[start, end)`` range.

Ranges are whole days in the site's IANA time zone, following Plausible's query
parser (``parse_time_range``): ``day`` is today; ``Nd`` (7d, 28d, 30d, 91d) is the N
days ending today, today included; ``month`` and ``year`` are the whole current
calendar month / year; ``6mo`` and ``12mo`` are the whole current month and the 5 / 11
months before it; ``all`` runs from the site's first day with data to today; a custom
range ``(first, last)`` includes both dates. Plausible's code gives ``30d`` 31 days
(today minus 30 to today); we give it 30, so that ``Nd`` always means N days.

The day boundaries are local midnights converted to UTC, so a day is 23 or 25 hours
long across a daylight-saving change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pilotage.errors import InvalidInput

Period: TypeAlias = str | tuple[date, date]
NAMED_PERIODS = ("day", "7d", "28d", "30d", "91d", "month", "6mo", "12mo", "year", "all")
MINUTES = re.compile(r"(\d{1,4})min")  # "5min": the last five minutes (realtime)
Granularity = Literal["hour", "day", "week", "month"]


@dataclass(frozen=True)
class TimeRange:
    """Local dates ``first..last`` (inclusive) and the UTC instants ``[start, end)``."""

    first: date
    last: date
    start: datetime  # naive UTC, as stored in the event store
    end: datetime
    timezone: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise InvalidInput(f"unknown time zone {name!r}", field="timezone") from err


def local_midnight_utc(day: date, tz: str) -> datetime:
    local = datetime.combine(day, time(0), tzinfo=zone(tz))
    return local.astimezone(UTC).replace(tzinfo=None)


FIRST_YEAR, LAST_YEAR = 1900, 2200  # far beyond any web traffic, far from date limits


def time_range(first: date, last: date, tz: str) -> TimeRange:
    if last < first:
        raise InvalidInput(f"period ends ({last}) before it starts ({first})", field="period")
    if first.year < FIRST_YEAR or last.year > LAST_YEAR:
        raise InvalidInput(
            f"period {first}..{last} is outside the years {FIRST_YEAR} to {LAST_YEAR}",
            field="period",
        )
    start = local_midnight_utc(first, tz)
    end = local_midnight_utc(last + timedelta(days=1), tz)
    return TimeRange(first, last, start, end, tz)


# Offset changes (DST) are months apart in the tz database; sampling every 12 hours
# cannot step over two of them.
_SAMPLE = 12 * 3600


def utc_offsets(rng: TimeRange) -> tuple[tuple[datetime, int], ...]:
    """The site's UTC offset in seconds over ``rng``: ``(since, offset)`` pairs, the first
    since ``rng.start``, each next one since the UTC second the offset changes (DST).

    Local time is then ``ts + offset``, a cheap addition per row, where converting each
    row with the time-zone database costs 10x the whole query's scan (DuckDB, 1.6M rows:
    270 ms against 14 ms). Changes fall on whole seconds in the tz database.
    """
    tz = zone(rng.timezone)

    def offset(second: int) -> int:
        instant = (rng.start + timedelta(seconds=second)).replace(tzinfo=UTC)
        return int(instant.astimezone(tz).utcoffset().total_seconds())  # type: ignore[union-attr]

    total = int((rng.end - rng.start).total_seconds())
    current, second = offset(0), 0
    out = [(rng.start, current)]
    while second < total:
        nxt = min(second + _SAMPLE, total)
        if offset(nxt) == current:
            second = nxt
            continue
        low, high = second, nxt  # offset(low) == current != offset(high)
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (mid, high) if offset(mid) == current else (low, mid)
        current, second = offset(high), high
        out.append((rng.start + timedelta(seconds=high), current))
    return tuple(out)


def today(now: datetime | None, tz: str) -> date:
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(tz)).date()


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return _shift_months(day, 1) - timedelta(days=1)


def dates_of(period: Period, now_day: date, first_day: date | None = None) -> tuple[date, date]:
    """The local first and last dates of ``period`` seen from ``now_day``."""
    if isinstance(period, tuple):
        return period
    if period == "day":
        return now_day, now_day
    match = re.fullmatch(r"(\d{1,4})d", period)
    if match and int(match.group(1)) > 0:
        return now_day - timedelta(days=int(match.group(1)) - 1), now_day
    if period == "month":
        return now_day.replace(day=1), _month_end(now_day)
    if period in ("6mo", "12mo"):
        back = 5 if period == "6mo" else 11
        return _shift_months(now_day, -back), _month_end(now_day)
    if period == "year":
        return date(now_day.year, 1, 1), date(now_day.year, 12, 31)
    if period == "all":
        return min(first_day or now_day, now_day), now_day
    raise InvalidInput(
        f"unknown period {period!r}; use one of {', '.join(NAMED_PERIODS)} or two dates",
        field="period",
    )


def resolve(
    period: Period, tz: str, now: datetime | None = None, first_day: date | None = None
) -> TimeRange:
    if isinstance(period, str) and (match := MINUTES.fullmatch(period)):
        return last_minutes(int(match.group(1)), tz, now)
    first, last = dates_of(period, today(now, tz), first_day)
    return time_range(first, last, tz)


def last_minutes(minutes: int, tz: str, now: datetime | None = None) -> TimeRange:
    """The last ``minutes`` up to ``now`` (realtime counts); its dates are today's."""
    if not 1 <= minutes <= 1440:
        raise InvalidInput(f"{minutes}min: use 1 to 1440 minutes", field="period")
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    local = today(now, tz)
    return TimeRange(local, local, moment - timedelta(minutes=minutes), moment, tz)


def is_minutes(period: Period) -> bool:
    return isinstance(period, str) and MINUTES.fullmatch(period) is not None


def comparison_range(
    current: TimeRange, mode: Literal["previous_period", "year_over_year"], now_day: date
) -> TimeRange:
    """The range a period is compared with.

    As in Plausible, a period reaching into the future is first cut at today, so that
    "this month so far" is compared with as many days of the range before it.
    ``previous_period`` is the same number of days just before; ``year_over_year``
    the same dates one year earlier (29 February maps to 28 February).
    """
    last = min(current.last, max(now_day, current.first))
    if mode == "previous_period":
        length = timedelta(days=(last - current.first).days + 1)
        return time_range(
            current.first - length, current.first - timedelta(days=1), current.timezone
        )
    return time_range(_year_back(current.first), _year_back(last), current.timezone)


def _year_back(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def default_granularity(current: TimeRange) -> Granularity:
    """Plausible's choice for a bare ``time`` dimension: hours for a day, days up to
    40 days, months beyond."""
    if current.days <= 1:
        return "hour"
    return "day" if current.days <= 40 else "month"


def bucket_labels(current: TimeRange, granularity: Granularity) -> tuple[str, ...]:
    """Every bucket label of the range, as the SQL stage formats them."""
    if granularity == "hour":
        # Walk UTC hours so that a 23- or 25-hour day has its real local hours.
        tz = zone(current.timezone)
        hours = int((current.end - current.start).total_seconds() // 3600)
        labels = (
            (current.start + timedelta(hours=h)).replace(tzinfo=UTC).astimezone(tz)
            for h in range(hours)
        )
        return tuple(dict.fromkeys(t.strftime("%Y-%m-%d %H:00:00") for t in labels))
    days = [current.first + timedelta(days=d) for d in range(current.days)]
    if granularity == "day":
        return tuple(d.isoformat() for d in days)
    if granularity == "week":
        starts = sorted({d - timedelta(days=d.weekday()) for d in days})
        return tuple(d.isoformat() for d in starts)
    return tuple(sorted({d.replace(day=1).isoformat() for d in days}))
