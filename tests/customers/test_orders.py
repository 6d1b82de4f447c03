"""Orders CSV: columns, mapping, and every bad value named with its field and line."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from pilotage.customers import (
    Orders,
    cdnow_sample,
    orders_from_rows,
    parse_columns,
    read_orders_csv,
)
from pilotage.errors import InvalidInput

TODAY = date(2024, 6, 1)


def read(text: str, columns: dict[str, str] | None = None) -> Orders:
    return read_orders_csv(io.StringIO(text), columns=columns, today=TODAY)


def test_reads_the_three_columns_and_ignores_others() -> None:
    orders = read("note,customer_id,date,amount\nx,a,2024-01-05,10.5\ny,b,20240109,0\n")
    assert orders.customer.tolist() == ["a", "b"]
    assert orders.day.tolist() == [date(2024, 1, 5), date(2024, 1, 9)]
    assert orders.amount.tolist() == [10.5, 0.0]


def test_column_mapping(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("user,day,total\nu1,2024-02-01T10:30:00,3\n")
    orders = read_orders_csv(
        path, columns=parse_columns("customer_id=user, date=day,amount=total"), today=TODAY
    )
    assert (orders.customer[0], orders.day[0], orders.amount[0]) == (
        "u1",
        np.datetime64("2024-02-01"),
        3.0,
    )


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("", "orders", "empty"),
        ("customer_id,date,amount\n", "orders", "no orders"),
        ("customer,date,amount\na,2024-01-01,1\n", "customer_id", "'customer_id'"),
        ("customer_id,date,amount\na,2024-01-01,-1\n", "amount", "line 2"),
        ("customer_id,date,amount\na,2024-01-01,1\na,2024-01-02,nan\n", "amount", "line 3"),
        ("customer_id,date,amount\na,2024-01-01,inf\n", "amount", "not finite"),
        ("customer_id,date,amount\na,2024-01-01,ten\n", "amount", "'ten'"),
        ("customer_id,date,amount\na,2030-01-01,1\n", "date", "after today"),
        ("customer_id,date,amount\na,01/02/2024,1\n", "date", "'01/02/2024'"),
        ("customer_id,date,amount\n ,2024-01-01,1\n", "customer_id", "line 2"),
        ("customer_id,date,amount\na,2024-01-01\n", "orders", "line 2"),
    ],
)
def test_bad_input_names_field_and_line(text: str, field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as error:
        read(text)
    assert error.value.field == field
    assert words in error.value.message


@pytest.mark.parametrize("mapping", ["colour=red", "customer_id"])
def test_bad_column_mapping(mapping: str) -> None:
    with pytest.raises(InvalidInput) as error:
        read("customer_id,date,amount\na,2024-01-01,1\n", columns=parse_columns(mapping))
    assert error.value.field == "columns"


def test_missing_file_and_rows() -> None:
    with pytest.raises(InvalidInput):
        read_orders_csv("/nonexistent/orders.csv")
    with pytest.raises(InvalidInput, match="negative"):
        orders_from_rows([("a", date(2024, 1, 1), -2.0)], today=TODAY)
    with pytest.raises(InvalidInput, match="no orders"):
        orders_from_rows([], today=TODAY)


def test_cdnow_sample_has_the_published_size() -> None:
    # CDNOW sample (Fader & Hardie): 6,919 transactions of 2,357 customers, 1997-01..1998-06.
    orders = cdnow_sample()
    assert len(orders) == 6919
    assert np.unique(orders.customer).size == 2357
    assert (str(orders.day.min()), str(orders.day.max())) == ("1997-01-01", "1998-06-30")
