"""Revenue conversion: a user-provided table of exchange rates to the site currency.

Amounts are stored in the currency the event gave (``revenue_amount``,
``revenue_currency``). The SQL stage sums them per currency (and per local day when
rates are dated); this module converts each sum with ``amount × rate`` and adds them
up in exact decimal arithmetic. The total is rounded once, at the end, to the cent
(``ROUND_HALF_UP``); Plausible likewise converts each currency to the goal's currency
before summing (docs "Ecommerce revenue tracking").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pilotage.errors import InvalidInput

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rate:
    """One unit of ``currency`` is worth ``rate`` units of the site currency, from ``since``
    (or always, when ``since`` is None)."""

    currency: str
    rate: Decimal
    since: date | None = None


@dataclass(frozen=True)
class Rates:
    currency: str
    rates: tuple[Rate, ...] = ()

    def __post_init__(self) -> None:
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise InvalidInput(f"currency {self.currency!r} is not an ISO 4217 code", field="rates")
        for rate in self.rates:
            if rate.rate <= 0:
                raise InvalidInput(f"rate for {rate.currency} must be positive", field="rates")

    @property
    def dated(self) -> bool:
        return any(r.since is not None for r in self.rates)

    def rate(self, currency: str, day: date | None = None) -> Decimal | None:
        """The rate for ``currency`` on ``day``: the latest dated rate on or before it,
        else the undated one; 1 for the site currency; None when unknown."""
        if currency.upper() == self.currency.upper():
            return Decimal(1)
        best: Rate | None = None
        for r in self.rates:
            if r.currency.upper() != currency.upper():
                continue
            if r.since is not None and (day is None or r.since > day):
                continue
            if best is None or (best.since or date.min) <= (r.since or date.min):
                best = r
        return best.rate if best else None


def convert(
    sums: Iterable[tuple[str, date | None, Decimal]], rates: Rates
) -> tuple[Decimal, frozenset[str]]:
    """Total of ``(currency, day, amount)`` sums in the site currency, and the currencies
    left out for want of a rate."""
    total = Decimal(0)
    missing: set[str] = set()
    for currency, day, amount in sums:
        rate = rates.rate(currency, day)
        if rate is None:
            missing.add(currency or "(none)")
            continue
        total += Decimal(amount) * rate
    return total, frozenset(missing)


def to_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
