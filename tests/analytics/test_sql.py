"""The SQL stage: one sqlglot tree, valid text for both engines."""

from __future__ import annotations

from datetime import datetime

import sqlglot

from pilotage.analytics import Filter, Query, build, optimise
from pilotage.analytics.sql import PilotageClickHouse, generate, statement


def tree() -> tuple[str, str]:
    query = Query(
        "example.com",
        ("visitors", "bounce_rate"),
        "7d",
        dimensions=("time:hour",),
        timezone="Europe/Paris",
        filters=(Filter("matches", "page", ("^/b",)),),
    )
    plan = optimise(build(query, now=datetime(2024, 3, 15)))
    st = statement(plan, plan.parts[0], plan.range)
    return generate(st.tree, "duckdb"), generate(st.tree, "clickhouse")


def test_duckdb_text() -> None:
    duck, _ = tree()
    assert "AT TIME ZONE 'Europe/Paris'" in duck and "REGEXP_MATCHES" in duck


def test_clickhouse_text_uses_totimezone() -> None:
    _, ch = tree()
    assert "'Europe/Paris')" in ch and "toTimeZone(" in ch and "AT TIME ZONE" not in ch
    assert "match(pathname, '^/b')" in ch
    sqlglot.parse_one(ch, read=PilotageClickHouse)  # well-formed


def test_site_literal_is_escaped() -> None:
    plan = optimise(build(Query("it's.com"), now=datetime(2024, 3, 15)))
    text = generate(statement(plan, plan.parts[0], plan.range).tree, "duckdb")
    assert "'it''s.com'" in text
