"""Revenue conversion with a (dated) rates table."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from pilotage.analytics import Goal, Query, Rate, Rates, run_query
from pilotage.analytics.revenue import convert
from pilotage.errors import InvalidInput

from .data import ev, load

BUY = Goal("Buy", "event", event_name="Purchase", currency="EUR")
RATES = Rates(
    "EUR",
    (
        Rate("USD", Decimal("0.90")),
        Rate("USD", Decimal("0.80"), date(2024, 3, 10)),
        Rate("GBP", Decimal("1.17")),
    ),
)


def test_latest_dated_rate_wins() -> None:
    assert RATES.rate("USD", date(2024, 3, 9)) == Decimal("0.90")
    assert RATES.rate("USD", date(2024, 3, 12)) == Decimal("0.80")
    assert RATES.rate("EUR") == 1
    assert RATES.rate("JPY") is None


def test_convert_reports_missing_currency() -> None:
    total, missing = convert([("USD", None, Decimal(10)), ("JPY", None, Decimal(5))], RATES)
    assert (total, missing) == (Decimal("9.00"), frozenset({"JPY"}))


def test_bad_rates() -> None:
    with pytest.raises(InvalidInput) as err:
        Rates("euro")
    assert err.value.field == "rates"


def sale(day: int, amount: str, currency: str, visitor: int) -> dict[str, object]:
    return ev(
        datetime(2024, 3, day, 12),
        visitor,
        visitor,
        name="Purchase",
        revenue_amount=Decimal(amount),
        revenue_currency=currency,
    )


def test_revenue_by_day_rates() -> None:
    rows = [
        sale(9, "10.00", "USD", 1),
        sale(12, "10.00", "USD", 2),
        sale(12, "3.333", "GBP", 3),
        sale(12, "5", "EUR", 4),
        sale(12, "7", "JPY", 5),
        ev(datetime(2024, 3, 12), 6, 6),
    ]
    query = Query(
        "example.com",
        ("revenue", "average_order_value"),
        (date(2024, 3, 1), date(2024, 3, 15)),
        goals=(BUY,),
        rates=RATES,
    )
    result = run_query(load(rows), query)
    expected = (
        Decimal("10") * Decimal("0.9")
        + Decimal("10") * Decimal("0.8")
        + Decimal("3.333") * Decimal("1.17")
        + Decimal(5)
    )
    assert result.rows[0].metrics == (
        expected.quantize(Decimal("0.01")),
        (expected / 4).quantize(Decimal("0.01")),
    )
    assert result.warnings == ("revenue: no rate from JPY to EUR; left out",)
    assert result.to_dict()["results"] == [
        {
            "dimensions": [],
            "metrics": [
                {"value": float(expected.quantize(Decimal("0.01"))), "currency": "EUR"},
                {"value": float((expected / 4).quantize(Decimal("0.01"))), "currency": "EUR"},
            ],
        }
    ]


def test_without_rates_the_goal_currency_counts() -> None:
    rows = [sale(9, "10.00", "EUR", 1), sale(9, "2.50", "EUR", 2)]
    query = Query("example.com", ("revenue",), (date(2024, 3, 1), date(2024, 3, 15)), goals=(BUY,))
    assert run_query(load(rows), query).rows[0].metrics == (Decimal("12.50"),)
