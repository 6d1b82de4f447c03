"""`pilotage customers rfm|cohorts|clv ORDERS.csv`: customer value from an orders CSV.

The CSV has a header and the columns ``customer_id``, ``date`` (ISO 8601) and ``amount``;
``--columns customer_id=user,amount=total`` maps them to other names.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pilotage.cli.common import print_csv, print_json, print_table
from pilotage.errors import InvalidInput

if TYPE_CHECKING:
    from pilotage.customers import Orders

app = typer.Typer(help="Customers: RFM segments, cohorts, lifetime value.", no_args_is_help=True)
OrdersArg = Annotated[
    Path, typer.Argument(help="CSV with a header: customer_id, date (ISO 8601), amount.")
]
Format = Annotated[str, typer.Option("--format", help="table, json or csv.")]
Columns = Annotated[
    str, typer.Option(help="Column mapping, e.g. 'customer_id=user,date=day,amount=total'.")
]
Limit = Annotated[int, typer.Option(help="Rows shown in a table (json and csv show all).")]


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json", "csv"):
        raise InvalidInput(f"unknown format '{fmt}'; use table, json or csv", field="format")


def _date(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--{field} {text!r} is not a YYYY-MM-DD date", field=field) from None


def _orders(path: Path, columns: str) -> Orders:
    from pilotage.customers import parse_columns, read_orders_csv

    return read_orders_csv(path, columns=parse_columns(columns))


def _show(fmt: str, title: str, rows: list[dict[str, Any]], limit: int) -> None:
    header = list(rows[0]) if rows else []
    cells = [[_cell(v) for v in row.values()] for row in rows]
    if fmt == "csv":
        print_csv(header, [list(row.values()) for row in rows])
    else:
        print_table(title, header, cells[:limit])


def _cell(value: Any) -> Any:
    return f"{value:,.2f}" if isinstance(value, float) else value


@app.command("rfm")
def rfm(
    orders: OrdersArg,
    as_of: Annotated[str, typer.Option(help="Recency as of this day (default: last order).")] = "",
    columns: Columns = "",
    fmt: Format = "table",
    limit: Limit = 50,
) -> None:
    """RFM values, quintile scores and segment of every customer (recency in days)."""
    from pilotage.customers import rfm_table

    _check_format(fmt)
    table = rfm_table(_orders(orders, columns), as_of=_date(as_of, "as-of"))
    if fmt == "json":
        segments = dict(table.segment_counts())
        print_json({"as_of": str(table.as_of), "segments": segments, "customers": table.rows()})
        return
    _show(fmt, f"RFM as of {table.as_of} (recency in days)", table.rows(), limit)


@app.command("cohorts")
def cohorts(orders: OrdersArg, columns: Columns = "", fmt: Format = "table") -> None:
    """Customers of each first-purchase month still buying k months later (count and %)."""
    from pilotage.customers import cohort_matrix

    _check_format(fmt)
    matrix = cohort_matrix(_orders(orders, columns))
    if fmt == "json":
        print_json(matrix.to_dict() | {"cells": matrix.cells()})
        return
    width = max(len(row) for row in matrix.counts)
    header = ["cohort", "size", *(f"m{k}" for k in range(width))]
    rows = [
        [cohort, size, *(f"{n} ({p:g}%)" for n, p in zip(row, pct, strict=True))]
        for cohort, size, row, pct in zip(
            matrix.cohorts, matrix.sizes, matrix.counts, matrix.percent(), strict=True
        )
    ]
    if fmt == "csv":
        print_csv(header, rows)
    else:
        print_table("Retention by first-purchase month", header, rows)


@app.command("clv")
def clv(
    orders: OrdersArg,
    end: Annotated[str, typer.Option(help="Calibration end day (default: last order).")] = "",
    unit: Annotated[str, typer.Option(help="Model time unit: weeks or days.")] = "weeks",
    horizon: Annotated[int, typer.Option(help="CLV horizon in months.")] = 12,
    discount: Annotated[float, typer.Option(help="Discount rate per month.")] = 0.01,
    columns: Columns = "",
    fmt: Format = "table",
    limit: Limit = 50,
) -> None:
    """BG/NBD + Gamma-Gamma: probability alive, expected purchases and CLV per customer."""
    from pilotage.customers import customer_value
    from pilotage.customers.summary import check_unit

    _check_format(fmt)
    value = customer_value(
        _orders(orders, columns),
        end=_date(end, "end"),
        unit=check_unit(unit),
        horizon_months=horizon,
        discount_rate=discount,
    )
    rows = sorted(value.rows(), key=lambda row: -float(row["clv"]))
    if fmt == "json":
        print_json(_clv_json(value) | {"customers": rows})
        return
    bg, gg = value.bgnbd, value.gammagamma
    title = (
        f"CLV over {horizon} months at {discount:g}/month · calibration to {value.summary.end}, "
        f"times in {bg.unit} · BG/NBD r={bg.r:.3f} α={bg.alpha:.3f} a={bg.a:.3f} b={bg.b:.3f}"
        f" · Gamma-Gamma p={gg.p:.3f} q={gg.q:.3f} v={gg.v:.3f}"
    )
    _show(fmt, title, rows, limit)


def _clv_json(value: Any) -> dict[str, Any]:
    bg, gg = value.bgnbd, value.gammagamma
    return {
        "calibration_end": str(value.summary.end),
        "time_unit": bg.unit,
        "horizon_months": value.horizon_months,
        "discount_rate_per_month": value.discount_rate,
        "bgnbd": {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b, "alpha_unit": bg.unit},
        "gammagamma": {"p": gg.p, "q": gg.q, "v": gg.v},
    }
