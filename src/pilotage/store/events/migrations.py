"""Versioned schema migrations of the DuckDB event store.

Each migration is a list of statements; ``schema_version`` records the last one applied.
A migration never rewrites a past entry: a change is a new entry at the end.
"""

from __future__ import annotations

import duckdb

from pilotage.store.events.schema import EVENT_COLUMNS, SESSION_COLUMNS, duckdb_create

MIGRATIONS: list[list[str]] = [
    # 1: the events and sessions tables, and the writer's spool position.
    [
        duckdb_create("events", EVENT_COLUMNS),
        duckdb_create("sessions", SESSION_COLUMNS),
        "CREATE TABLE IF NOT EXISTS ingest_state ("
        " name VARCHAR PRIMARY KEY, segment BIGINT NOT NULL, position BIGINT NOT NULL)",
    ],
]


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the migrations not yet applied, each in its own transaction."""
    version = current_version(con)
    for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
        con.execute("BEGIN")
        for statement in statements:
            con.execute(statement)
        con.execute("INSERT INTO schema_version VALUES (?)", [number])
        con.execute("COMMIT")
    return len(MIGRATIONS)
