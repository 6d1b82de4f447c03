"""Orders read from purchase events that name their customer, against a hand count."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from pilotage.analytics import Rate, Rates
from pilotage.customers import orders_from_store
from pilotage.errors import InvalidInput, NotFound
from tests.analytics.data import ev, load

NOW = datetime(2024, 3, 15, 12, 0)
RATES = Rates("EUR", (Rate("USD", Decimal("0.5")),))


def _buy(
    ts: datetime, visitor: int, customer: str, amount: str, currency: str = "EUR", **kw: object
) -> dict[str, object]:
    return ev(
        ts,
        visitor,
        visitor,
        name="Purchase",
        props={"customer_id": customer} if customer else {},
        revenue_amount=Decimal(amount),
        revenue_currency=currency,
        **kw,
    )


def test_orders_are_purchases_naming_a_customer() -> None:
    rows = [
        _buy(datetime(2024, 3, 1, 10), 1, "c1", "10"),
        _buy(datetime(2024, 3, 2, 23, 30), 2, "c1", "20", "USD"),  # another day's visitor id
        _buy(datetime(2024, 3, 3, 9), 3, "c2", "5"),
        _buy(datetime(2024, 3, 3, 9), 4, "", "99"),  # no customer named: not an order
        _buy(datetime(2024, 3, 3, 9), 5, "c3", "7", is_bot=True),  # a robot
        ev(datetime(2024, 3, 3, 9), 6, 6, name="Signup", props={"customer_id": "c4"}),
    ]
    orders = orders_from_store(
        load(rows), "example.com", rates=RATES, timezone="Europe/Paris", now=NOW
    )
    got = sorted(
        zip(orders.customer.tolist(), orders.day.tolist(), orders.amount.tolist(), strict=True)
    )
    # 23:30 UTC on 2 March is already 3 March in Paris; 20 USD at 0.5 is 10 EUR.
    assert [(c, str(d)[:10], a) for c, d, a in got] == [
        ("c1", "2024-03-01", 10.0),
        ("c1", "2024-03-03", 10.0),
        ("c2", "2024-03-03", 5.0),
    ]


def test_no_named_purchase_and_missing_rates_are_clear_errors() -> None:
    backend = load([_buy(datetime(2024, 3, 1, 10), 1, "c1", "10", "GBP")])
    with pytest.raises(InvalidInput) as err:
        orders_from_store(backend, "example.com", rates=RATES, now=NOW)
    assert err.value.field == "rates"
    with pytest.raises(NotFound) as missing:
        orders_from_store(backend, "example.com", rates=RATES, customer_property="account", now=NOW)
    assert missing.value.field == "customer_property"
