"""Return on costs: ROI, ROAS and CPA by their formulas, and bad cost files."""

from __future__ import annotations

from datetime import date

import pytest

from pilotage.attribution import Attribution, read_costs_csv, returns
from pilotage.errors import InvalidInput

CREDIT = Attribution("linear", ("Email", "Search", "Social"), (4.0, 2.0, 0.0), (300.0, 50.0, 0.0))
COSTS = (
    "date,channel,cost,currency\n"
    "2024-03-01,Email,60,EUR\n2024-03-02,Email,40,eur\n"
    "2024-03-01,Search,100,EUR\n2024-03-01,Social,0,EUR\n2024-04-01,Search,999,EUR\n"
)


def test_roi_roas_cpa_per_channel() -> None:
    costs = read_costs_csv(COSTS, last=date(2024, 3, 31))
    assert costs.currency == "EUR" and costs.totals == {"Email": 100, "Search": 100, "Social": 0}
    rows = {r.key: r for r in returns(CREDIT, costs)}
    email = rows["Email"]
    assert (email.roi, email.roas, email.cpa) == pytest.approx(((300 - 100) / 100, 3.0, 25.0))
    assert rows["Search"].roi == pytest.approx(-0.5)
    # Explicit results: no cost -> no ROI/ROAS; no conversion -> no CPA.
    assert (rows["Social"].roi, rows["Social"].roas, rows["Social"].cpa) == (None, None, None)


def test_campaign_costs() -> None:
    text = "date,campaign,cost,currency\n2024-03-01,spring,10,EUR\n"
    credit = Attribution("last_touch", ("spring",), (2.0,), (30.0,))
    (row,) = returns(credit, read_costs_csv(text, by="campaign"))
    assert (row.cpa, row.roas) == (5.0, 3.0)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("date,channel,cost,currency\n2024-03-01,Email,-1,EUR\n", "cost"),
        ("date,channel,cost,currency\n2024-03-01,Email,x,EUR\n", "cost"),
        ("date,channel,cost,currency\n2024-13-01,Email,1,EUR\n", "date"),
        ("date,channel,cost,currency\n2024-03-01,,1,EUR\n", "channel"),
        ("date,cost,currency\n2024-03-01,1,EUR\n", "channel"),
        ("date,channel,cost,currency\n2024-03-01,A,1,EUR\n2024-03-01,A,1,USD\n", "currency"),
    ],
)
def test_bad_cost_files(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        read_costs_csv(text)
    assert err.value.field == field


def test_unknown_channel_is_refused() -> None:
    costs = read_costs_csv("date,channel,cost,currency\n2024-03-01,Emial,5,EUR\n")
    with pytest.raises(InvalidInput, match="'Emial'") as err:
        returns(CREDIT, costs)
    assert err.value.field == "channel"
