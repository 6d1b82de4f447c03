"""Campaign costs and the return on them, per channel or campaign, for one model.

Formulas (as in Google Ads' and Google Analytics' metric definitions):
``ROI = (value − cost) / cost``, ``ROAS = value / cost``, ``CPA = cost / conversions``
(CAC when the goal is a first purchase), with value and conversions those credited by
the chosen attribution model. Explicit results instead of NaN: ROI and ROAS are None
when the cost is 0, CPA is None when no conversion was credited.

The costs CSV has a header with ``date`` (YYYY-MM-DD), ``channel`` and/or ``campaign``,
``cost`` (>= 0) and ``currency`` (one ISO 4217 code for the whole file).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pilotage.attribution.credit import Attribution
from pilotage.errors import InvalidInput

CostBy = Literal["channel", "campaign"]


@dataclass(frozen=True)
class Costs:
    by: CostBy
    currency: str
    totals: dict[str, float]


@dataclass(frozen=True)
class Return:
    key: str
    cost: float
    conversions: float
    value: float
    roi: float | None
    roas: float | None
    cpa: float | None


def _cost(text: str, line: int) -> float:
    try:
        cost = float(text)
    except ValueError:
        raise InvalidInput(f"line {line}: cost {text!r} is not a number", field="cost") from None
    if not math.isfinite(cost) or cost < 0:
        raise InvalidInput(f"line {line}: cost {text!r} must be >= 0", field="cost")
    return cost


def _day(text: str, line: int) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"line {line}: date {text!r} is not YYYY-MM-DD", field="date") from None


def read_costs_csv(
    text: str, *, by: CostBy = "channel", first: date | None = None, last: date | None = None
) -> Costs:
    """Sum the costs of the file per ``by`` value, for dates in ``first..last``."""
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    for needed in ("date", by, "cost", "currency"):
        if needed not in fields:
            raise InvalidInput(f"the costs file has no {needed!r} column", field=needed)
    totals: dict[str, float] = {}
    currencies: set[str] = set()
    for line, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        day, key = _day(row["date"], line), row[by]
        if not key:
            raise InvalidInput(f"line {line}: empty {by}", field=by)
        cost = _cost(row["cost"], line)
        if (first and day < first) or (last and day > last):
            continue
        currencies.add(row["currency"].upper())
        totals[key] = totals.get(key, 0.0) + cost
    if len(currencies) > 1:
        raise InvalidInput(f"costs in several currencies: {sorted(currencies)}", field="currency")
    return Costs(by, currencies.pop() if currencies else "", totals)


def returns(result: Attribution, costs: Costs) -> tuple[Return, ...]:
    """ROI, ROAS and CPA of every channel of ``result`` (cost 0 when none is given).

    A cost for a channel (or campaign) that the journeys never saw is refused, as it
    is most often a misspelt name."""
    unknown = sorted(set(costs.totals) - set(result.channels))
    if unknown:
        raise InvalidInput(
            f"{costs.by} {unknown[0]!r} of the costs file is not in the journeys "
            f"(known: {', '.join(result.channels) or 'none'})",
            field=costs.by,
        )
    out = []
    for i, key in enumerate(result.channels):
        cost = costs.totals.get(key, 0.0)
        conv, value = result.conversions[i], result.value[i]
        out.append(
            Return(
                key,
                cost,
                conv,
                value,
                roi=(value - cost) / cost if cost > 0 else None,
                roas=value / cost if cost > 0 else None,
                cpa=cost / conv if conv > 0 else None,
            )
        )
    return tuple(out)
