"""The SQL stage: one sqlglot tree, valid text for both engines."""

from __future__ import annotations

from datetime import datetime

import sqlglot

from pilotage.analytics import Filter, Query, build, optimise
from pilotage.analytics.conditions import local_time
from pilotage.analytics.sql import PilotageClickHouse, generate, statement


def tree() -> tuple[str, str]:
    # The 7 days to 31 March 2024 cross the spring-forward change of Paris.
    query = Query(
        "example.com",
        ("visitors", "bounce_rate"),
        "7d",
        dimensions=("time:hour",),
        timezone="Europe/Paris",
        filters=(Filter("matches", "page", ("^/b",)),),
    )
    plan = optimise(build(query, now=datetime(2024, 3, 31)))
    st = statement(plan, plan.parts[0], plan.range)
    return generate(st.tree, "duckdb"), generate(st.tree, "clickhouse")


def test_duckdb_text_shifts_by_offset() -> None:
    duck, _ = tree()
    # CET (+1 h) until 01:00 UTC on 31 March, CEST (+2 h) after: no per-row conversion.
    case = (
        """CASE WHEN "start" < '2024-03-31 01:00:00' THEN "start" + INTERVAL 3600 SECOND """
        """ELSE "start" + INTERVAL 7200 SECOND END"""
    )
    assert case in duck and "AT TIME ZONE" not in duck and "REGEXP_MATCHES" in duck


def test_clickhouse_text() -> None:
    _, ch = tree()
    assert "INTERVAL 7200 SECOND" in ch and "AT TIME ZONE" not in ch
    assert "match(pathname, '^/b')" in ch
    sqlglot.parse_one(ch, read=PilotageClickHouse)  # well-formed


def test_conversion_without_range_uses_totimezone() -> None:
    ch = generate(local_time("events", "Europe/Paris"), "clickhouse")
    assert ch == "toTimeZone(ts, 'Europe/Paris')"


def test_site_literal_is_escaped() -> None:
    plan = optimise(build(Query("it's.com"), now=datetime(2024, 3, 15)))
    text = generate(statement(plan, plan.parts[0], plan.range).tree, "duckdb")
    assert "'it''s.com'" in text
