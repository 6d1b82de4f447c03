"""`pilotage customers rfm|cohorts|clv`: JSON output, column mapping, errors as InvalidInput."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pilotage.cli.customers import app
from pilotage.customers import __all__ as public
from pilotage.errors import InvalidInput

CSV = ("user,day,total\na,2024-01-05,10\nb,2024-01-09,5\na,2024-02-01,7.5\n"
       "c,2024-02-11,3\na,2024-03-01,1\nb,2024-03-02,4\nd,2024-01-20,2\nd,2024-02-20,6\n")  # fmt: skip
MAPPING = "customer_id=user,date=day,amount=total"


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(CSV)
    return path


def run(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.output)
    return data


def test_rfm_json(orders: Path) -> None:
    data = run("rfm", str(orders), "--columns", MAPPING, "--format", "json")
    rows = {r["customer_id"]: r for r in data["customers"]}  # type: ignore[attr-defined]
    assert rows["a"]["frequency"] == 3 and rows["a"]["monetary"] == 18.5
    assert rows["a"]["recency_days"] == 1 and data["as_of"] == "2024-03-02"
    assert sum(data["segments"].values()) == 4  # type: ignore[attr-defined]


def test_cohorts_json(orders: Path) -> None:
    data = run("cohorts", str(orders), "--columns", MAPPING, "--format", "json")
    assert data["counts"] == [[3, 2, 2], [1, 0]]


def test_clv_json_states_units(tmp_path: Path) -> None:
    from pilotage.customers import cdnow_sample

    sample = cdnow_sample()
    path = tmp_path / "cdnow.csv"
    lines = ["customer_id,date,amount"] + [
        f"{c},{d},{a}" for c, d, a in zip(sample.customer, sample.day, sample.amount, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    data = run("clv", str(path), "--end", "1997-09-30", "--format", "json", "--unit", "days")
    assert data["time_unit"] == "days" and data["horizon_months"] == 12
    assert data["discount_rate_per_month"] == 0.01
    assert len(data["customers"]) == 2357  # type: ignore[arg-type]
    table = CliRunner().invoke(app, ["clv", str(path), "--end", "1997-09-30"])
    assert table.exit_code == 0 and "1997" in table.output


def test_clv_on_too_few_repeat_buyers_is_a_clear_error(orders: Path) -> None:
    result = CliRunner().invoke(app, ["clv", str(orders), "--columns", MAPPING])
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidInput) and result.exception.field == "orders"


@pytest.mark.parametrize("command", ["rfm", "cohorts"])
def test_table_output(orders: Path, command: str) -> None:
    result = CliRunner().invoke(app, [command, str(orders), "--columns", MAPPING])
    assert result.exit_code == 0 and "2024" in result.output


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["rfm", "ORDERS"], "customer_id"),  # the header has no customer_id column
        (["rfm", "ORDERS", "--columns", MAPPING, "--format", "xml"], "format"),
        (["clv", "ORDERS", "--columns", MAPPING, "--unit", "months"], "unit"),
        (["rfm", "ORDERS", "--columns", MAPPING, "--as-of", "tomorrow"], "as-of"),
    ],
)
def test_errors_are_invalid_input(orders: Path, args: list[str], field: str) -> None:
    result = CliRunner().invoke(app, [str(orders) if a == "ORDERS" else a for a in args])
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.field == field


def test_public_api() -> None:
    import pilotage.customers as customers

    assert all(hasattr(customers, name) for name in public)
    assert {"rfm_table", "cohort_matrix", "fit_bgnbd", "fit_gammagamma", "customer_value",
            "read_orders_csv", "probability_alive", "expected_purchases"} <= set(public)  # fmt: skip
