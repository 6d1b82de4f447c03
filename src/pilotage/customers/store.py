"""Orders from the event store: purchase events that name their customer.

Visitor ids change every day by design (privacy), so the store cannot tell that two
purchases are one customer's unless the site says so: its purchase events carry a
custom property naming the customer (``customer_id`` by default; the site's own
account or order-system id, ideally hashed). Each such event with a revenue amount is
one order: its customer, its local day in the site's time zone, and its amount
converted to the site currency with the site's rates (``pilotage.analytics.Rates``).
Robots' events are left out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlglot import exp

from pilotage.analytics import Rates, periods
from pilotage.analytics.fetch import Backend, fetch_rows
from pilotage.analytics.periods import Period
from pilotage.customers.orders import Orders, orders_from_rows
from pilotage.errors import InvalidInput, NotFound

DEFAULT_PROPERTY = "customer_id"


def _statement(site: str, event: str, key: str, rng: periods.TimeRange) -> exp.Select:
    customer = exp.Bracket(this=exp.column("props"), expressions=[exp.Literal.string(key)])
    return (
        exp.select(exp.alias_(customer, "customer"), "ts", "revenue_amount", "revenue_currency")
        .from_("events")
        .where(
            exp.and_(
                exp.column("site").eq(exp.Literal.string(site)),
                exp.column("name").eq(exp.Literal.string(event)),
                exp.not_(exp.column("is_bot")),
                exp.column("ts") >= exp.Literal.string(rng.start.isoformat(sep=" ")),
                exp.column("ts") < exp.Literal.string(rng.end.isoformat(sep=" ")),
                exp.Coalesce(this=customer.copy(), expressions=[exp.Literal.string("")]).neq(
                    exp.Literal.string("")
                ),
                exp.column("revenue_amount").is_(exp.null()).not_(),
            )
        )
        .order_by("ts")
    )


def orders_from_store(
    backend: Backend,
    site: str,
    *,
    rates: Rates,
    customer_property: str = DEFAULT_PROPERTY,
    event: str = "Purchase",
    period: Period = "all",
    timezone: str = "UTC",
    now: datetime | None = None,
) -> Orders:
    """The site's orders (see the module docstring); NotFound when none names a customer."""
    if not customer_property.strip():
        raise InvalidInput("name the property that holds the customer", field="customer_property")
    first = None
    if period == "all":
        from pilotage.analytics.query import Query
        from pilotage.analytics.run import first_day

        first = first_day(backend, Query(site=site, timezone=timezone))
    rng = periods.resolve(period, timezone, now, first)
    text = _statement(site, event, customer_property, rng).sql(dialect=backend.dialect)
    zone = ZoneInfo(timezone)
    rows = []
    for customer, ts, amount, currency in fetch_rows(backend, text):
        day = ts.replace(tzinfo=UTC).astimezone(zone).date()
        rows.append((str(customer), day, _converted(Decimal(str(amount)), currency, day, rates)))
    if not rows:
        raise NotFound(
            f"no {event!r} event with a revenue and a {customer_property!r} property on {site}",
            field="customer_property",
        )
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    return orders_from_rows(rows, today=max(today, max(r[1] for r in rows)))


def _converted(amount: Decimal, currency: str | None, day: date, rates: Rates) -> float:
    code = (currency or rates.currency).upper()
    if code == rates.currency:
        return float(amount)
    rate = rates.rate(code, day)
    if rate is None:
        raise InvalidInput(
            f"no rate for {code} to {rates.currency} (set one with `pilotage rates set`)",
            field="rates",
        )
    return float(amount * rate)
