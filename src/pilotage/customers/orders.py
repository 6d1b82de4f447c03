"""Orders in: a CSV of (customer id, date, amount) read and validated into arrays.

The CSV has a header row. Its default columns are ``customer_id``, ``date`` and
``amount``; ``columns`` maps these names to other header names (e.g.
``{"customer_id": "user", "amount": "total"}``). Other columns are ignored. Dates are
ISO 8601 (``2024-03-31``, ``20240331`` or a date-time, whose date part is kept);
amounts are decimal numbers with a dot, zero or more.

Every bad value raises ``InvalidInput`` naming the column and the line: an empty file,
a header without a needed column, an empty customer id, an unreadable date, a date after
``today``, a negative, NaN or infinite amount. Nothing is silently dropped.

Purchase events of the event store cannot be used as orders: the visitor id is a hash
with a daily salt (no cookie), so one customer's purchases on two days have two ids.

``cdnow_sample()`` loads the CDNOW sample shipped in ``pilotage/sample_data`` (Fader &
Hardie's CDNOW data, as distributed with the MIT-licensed ``lifetimes`` package).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from pilotage.errors import InvalidInput

FIELDS = ("customer_id", "date", "amount")


@dataclass(frozen=True)
class Orders:
    """One row per order: ``customer`` ids (str), ``day`` (datetime64[D]), ``amount``."""

    customer: npt.NDArray[np.str_]
    day: npt.NDArray[np.datetime64]
    amount: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.amount.size)


def orders_from_rows(
    rows: Iterable[tuple[str, date, float]], *, today: date | None = None
) -> Orders:
    """Orders from (customer id, date, amount) tuples, validated as the CSV rows are."""
    customers, days, amounts = [], [], []
    for line, (customer, day, amount) in enumerate(rows, start=1):
        customers.append(_customer(customer, line))
        days.append(_not_future(day, today or date.today(), line))
        amounts.append(_amount_value(float(amount), line))
    return _orders(customers, days, amounts)


def read_orders_csv(
    source: str | Path | io.TextIOBase,
    *,
    columns: Mapping[str, str] | None = None,
    today: date | None = None,
) -> Orders:
    """Orders from a CSV file (path or open text); see the module docstring for the format."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InvalidInput(f"orders file {str(path)!r} does not exist", field="orders")
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _read(handle, columns or {}, today or date.today())
    return _read(source, columns or {}, today or date.today())


def parse_columns(text: str) -> dict[str, str]:
    """A column mapping from ``"customer_id=user,amount=total"`` (the CLI option)."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, column = part.partition("=")
        if not sep or not column.strip():
            raise InvalidInput(f"column mapping {part!r} is not FIELD=COLUMN", field="columns")
        mapping[name.strip()] = column.strip()
    return mapping


def _read(handle: Iterable[str], columns: Mapping[str, str], today: date) -> Orders:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None or not any(h.strip() for h in header):
        raise InvalidInput("the orders file is empty (no header row)", field="orders")
    index = _column_index([h.strip() for h in header], columns)
    customers, days, amounts = [], [], []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        line = reader.line_num
        if len(row) < len(header):
            raise InvalidInput(
                f"line {line} has {len(row)} cells, not {len(header)}", field="orders"
            )
        customers.append(_customer(row[index["customer_id"]], line))
        days.append(_not_future(_date(row[index["date"]], line), today, line))
        amounts.append(_amount(row[index["amount"]], line))
    if not customers:
        raise InvalidInput("the orders file has a header but no orders", field="orders")
    return _orders(customers, days, amounts)


def _column_index(header: list[str], columns: Mapping[str, str]) -> dict[str, int]:
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise InvalidInput(
            f"unknown field {unknown[0]!r} in the column mapping; fields are {', '.join(FIELDS)}",
            field="columns",
        )
    index = {}
    for name in FIELDS:
        column = columns.get(name, name)
        if column not in header:
            raise InvalidInput(
                f"column {column!r} (for {name}) is not in the header {header!r}", field=name
            )
        index[name] = header.index(column)
    return index


def _customer(value: str, line: int) -> str:
    customer = str(value).strip()
    if not customer:
        raise InvalidInput(f"line {line}: empty customer id", field="customer_id")
    return customer


def _date(text: str, line: int) -> date:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise InvalidInput(f"line {line}: date {text!r} is not ISO 8601", field="date") from None


def _not_future(day: date, today: date, line: int) -> date:
    if day > today:
        raise InvalidInput(f"line {line}: date {day} is after today ({today})", field="date")
    return day


def _amount(text: str, line: int) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise InvalidInput(
            f"line {line}: amount {text!r} is not a number", field="amount"
        ) from None
    return _amount_value(value, line)


def _amount_value(value: float, line: int) -> float:
    if not math.isfinite(value):
        raise InvalidInput(f"line {line}: amount {value} is not finite", field="amount")
    if value < 0:
        raise InvalidInput(f"line {line}: amount {value} is negative", field="amount")
    return value


def _orders(customers: list[str], days: list[date], amounts: list[float]) -> Orders:
    if not customers:
        raise InvalidInput("no orders", field="orders")
    return Orders(
        np.array(customers, dtype=np.str_),
        np.array(days, dtype="datetime64[D]"),
        np.array(amounts, dtype=np.float64),
    )


def cdnow_sample() -> Orders:
    """The CDNOW sample: 6,919 orders of 2,357 customers, 1997-01-01 to 1998-06-30.

    Columns of the file: master id, sample id (1..2357, the id used here), date
    (YYYYMMDD), number of CDs, dollar value."""
    text = resources.files("pilotage").joinpath("sample_data/cdnow_sample.txt").read_text()
    cells = np.array(text.split(), dtype=np.str_).reshape(-1, 5)
    days = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in cells[:, 2]], dtype="datetime64[D]")
    customers = np.char.lstrip(cells[:, 1], "0")
    return Orders(customers, days, cells[:, 4].astype(np.float64))
