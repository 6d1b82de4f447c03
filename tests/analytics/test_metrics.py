"""One test per metric of docs/metrics.md, each against a plain-Python computation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pilotage.analytics import DuckDBBackend, Filter, Goal, Query, Rate, Rates, run_query

from .data import NOW, half_up, sessions_of, within

FIRST, LAST, TZ = date(2024, 3, 3), date(2024, 3, 12), "Europe/Paris"
PURCHASE = Goal("Purchase", "event", event_name="Purchase", currency="EUR")


def total(backend: DuckDBBackend, *metrics: str, **kw: Any) -> Any:
    query = Query("example.com", metrics, (FIRST, LAST), timezone=TZ, goals=(PURCHASE,), **kw)
    result = run_query(backend, query, now=NOW)
    return result.rows[0].metrics


def events_in(sample: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return within(sample, FIRST, LAST, TZ)


def visits_in(sample: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return within(sessions_of(sample), FIRST, LAST, TZ, key="start")


def test_visitors_of_visits(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    assert total(backend, "visitors") == (len({s["visitor_id"] for s in visits_in(sample)}),)


def test_visitors_of_events(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    expected = len({e["visitor_id"] for e in events_in(sample)})
    assert total(backend, "visitors", "pageviews")[0] == expected


def test_visits(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    assert total(backend, "visits") == (len(visits_in(sample)),)


def test_pageviews(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    expected = sum(e["name"] == "pageview" for e in events_in(sample))
    assert total(backend, "pageviews") == (expected,)


def test_events(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    assert total(backend, "events") == (len(events_in(sample)),)


def test_views_per_visit(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    visits = visits_in(sample)
    expected = half_up(sum(v["pageviews"] for v in visits) / len(visits), 2)
    assert total(backend, "views_per_visit") == (expected,)


def test_bounce_rate(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    visits = visits_in(sample)
    expected = half_up(100 * sum(v["is_bounce"] for v in visits) / len(visits))
    assert total(backend, "bounce_rate") == (expected,)


def test_bounce_rate_with_page_filter_counts_entries(
    backend: DuckDBBackend, sample: list[dict[str, Any]]
) -> None:
    seen = {e["session_id"] for e in events_in(sample) if e["pathname"] == "/pricing"}
    entered = [
        v for v in visits_in(sample) if v["session_id"] in seen and v["entry_page"] == "/pricing"
    ]
    expected = half_up(100 * sum(v["is_bounce"] for v in entered) / len(entered))
    page = Filter("is", "page", ("/pricing",))
    assert total(backend, "bounce_rate", filters=(page,)) == (expected,)


def test_visit_duration(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    visits = visits_in(sample)
    expected = half_up(sum(v["duration"] for v in visits) / len(visits))
    assert total(backend, "visit_duration") == (expected,)


def test_conversion_rate(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    events = events_in(sample)
    converted = {e["visitor_id"] for e in events if e["name"] == "Purchase"}
    expected = half_up(100 * len(converted) / len({e["visitor_id"] for e in events}), 2)
    goal = Filter("is", "goal", ("Purchase",))
    assert total(backend, "visitors", "conversion_rate", filters=(goal,)) == (
        len(converted),
        expected,
    )


RATES = Rates("EUR", (Rate("USD", Decimal("0.9")),))


def _revenue(sample: list[dict[str, Any]]) -> tuple[Decimal, int]:
    sales = [e for e in events_in(sample) if e["name"] == "Purchase"]
    amount = sum(
        e["revenue_amount"] * (Decimal("0.9") if e["revenue_currency"] == "USD" else 1)
        for e in sales
    )
    return Decimal(amount), len(sales)


def test_revenue(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    amount, _ = _revenue(sample)
    assert total(backend, "revenue", rates=RATES) == (amount.quantize(Decimal("0.01")),)


def test_average_order_value(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    amount, count = _revenue(sample)
    expected = (amount / count).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert total(backend, "average_order_value", rates=RATES) == (expected,)


def test_bot_events(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    robots = [e for e in within(sample, FIRST, LAST, TZ, bots=True) if e["is_bot"]]
    assert robots
    assert total(backend, "bot_events") == (len(robots),)


def test_include_bots_counts_them(backend: DuckDBBackend, sample: list[dict[str, Any]]) -> None:
    expected = len(within(sample, FIRST, LAST, TZ, bots=True))
    assert total(backend, "events", include_bots=True) == (expected,)
