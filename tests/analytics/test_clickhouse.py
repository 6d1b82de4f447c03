"""The same queries on ClickHouse (chdb) and DuckDB give the same results.

The DuckDB store is written to Parquet by DuckDB, and ClickHouse reads it through
stateless ``file(path, Parquet, structure)`` calls with the column types of
``schema.py`` (so no chdb Session, and no Nullable inference: feasibility pitfalls
8-9). The backend below swaps the ``events`` / ``sessions`` table names for those calls.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import chdb
import pyarrow as pa
import pytest
from sqlglot import exp, parse_one

from pilotage.analytics import (
    DuckDBBackend,
    Funnel,
    Goal,
    Query,
    Rate,
    Rates,
    parse_cli,
    run_funnel,
    run_query,
)
from pilotage.analytics.sql import PilotageClickHouse
from pilotage.store.events import schema

from .data import NOW

GOALS = (
    Goal("Blog", "page", page_pattern="/blog/**"),
    Goal("Buy", "event", event_name="Purchase", currency="EUR"),
    Goal("Pro", "event", event_name="Purchase", props={"plan": "pro"}, currency="EUR"),
)
RATES = Rates("EUR", (Rate("USD", Decimal("0.9")),))


class ChDBBackend:
    dialect = "clickhouse"

    def __init__(self, folder: Path) -> None:
        self.tables = {
            name: exp.Anonymous(
                this="file",
                expressions=[
                    exp.Literal.string(str(folder / f"{name}.parquet")),
                    exp.var("Parquet"),
                    exp.Literal.string(", ".join(f"`{c.name}` {c.clickhouse}" for c in cols)),
                ],
            )
            for name, cols in (
                ("events", schema.EVENT_COLUMNS),
                ("sessions", schema.SESSION_COLUMNS),
            )
        }

    def _swap(self, node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table) and node.name in self.tables and not node.args.get("db"):
            return exp.Table(this=self.tables[node.name].copy(), alias=node.args.get("alias"))
        return node

    def fetch(self, sql: str, params: Any = None) -> pa.Table:
        tree = parse_one(sql, read=PilotageClickHouse).transform(self._swap)
        result: pa.Table = chdb.query(tree.sql(dialect=PilotageClickHouse), "ArrowTable")
        return result


@pytest.fixture(scope="module")
def clickhouse(backend: DuckDBBackend, tmp_path_factory: pytest.TempPathFactory) -> ChDBBackend:
    folder = tmp_path_factory.mktemp("chdb")
    for table in ("events", "sessions"):
        backend.con.execute(f"COPY {table} TO '{folder / table}.parquet' (FORMAT parquet)")
    return ChDBBackend(folder)


P = (date(2024, 3, 1), date(2024, 3, 15))
QUERIES = {
    "headline": Query(
        "example.com",
        (
            "visitors",
            "visits",
            "pageviews",
            "bounce_rate",
            "visit_duration",
            "views_per_visit",
            "events",
        ),
        "7d",
        timezone="Europe/Paris",
        comparison="previous_period",
    ),
    "series": Query(
        "example.com",
        ("visitors", "pageviews"),
        P,
        dimensions=("time:day",),
        timezone="America/New_York",
        time_labels=True,
    ),
    "hours": Query(
        "example.com", ("pageviews",), "day", dimensions=("time",), timezone="Asia/Kolkata"
    ),
    "weeks": Query(
        "example.com", ("visits",), "month", dimensions=("time:week",), timezone="Europe/Paris"
    ),
    "top_pages": parse_cli(
        "example.com",
        metrics="visitors,pageviews,bounce_rate",
        by="page",
        filters="country==FR|DE;i(page~=BLOG)",
        period="30d",
        limit=5,
    ),
    "sources": parse_cli(
        "example.com",
        metrics="visitors,bounce_rate,visit_duration",
        by="source",
        period="30d",
        compare="prev",
    ),
    "goals": Query(
        "example.com",
        ("visitors", "events", "conversion_rate"),
        P,
        dimensions=("goal",),
        goals=GOALS,
    ),
    "goal_filter": parse_cli(
        "example.com",
        metrics="visitors,conversion_rate,revenue",
        by="device",
        filters="goal==Buy",
        period="30d",
        goals=GOALS,
        rates=RATES,
    ),
    "props": parse_cli(
        "example.com",
        metrics="visitors,events",
        by="prop:plan",
        filters="not(page=~^/(docs|signup));exit_page!=/",
        period="30d",
    ),
    "bots": parse_cli("example.com", metrics="visitors,bot_events", by="country", period="30d"),
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_same_result(name: str, backend: DuckDBBackend, clickhouse: ChDBBackend) -> None:
    duck = run_query(backend, QUERIES[name], now=NOW)
    click = run_query(clickhouse, QUERIES[name], now=NOW)
    assert duck.rows, "a cross-check on no rows would prove nothing"
    assert click.rows == duck.rows
    assert click.totals == duck.totals


def test_same_funnel(backend: DuckDBBackend, clickhouse: ChDBBackend) -> None:
    funnel = Funnel("Read then buy", GOALS[:2], window=timedelta(hours=2))
    duck = run_funnel(backend, "example.com", P, funnel, timezone="Europe/Paris")
    click = run_funnel(clickhouse, "example.com", P, funnel, timezone="Europe/Paris")
    assert duck.steps[1].visitors > 0
    assert click == duck
