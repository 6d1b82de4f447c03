"""The event store: events and sessions tables, DuckDB by default."""

from pilotage.store.events.duckdb_store import STAGED_NAMES, EventStore, open_store

__all__ = ["STAGED_NAMES", "EventStore", "open_store"]
