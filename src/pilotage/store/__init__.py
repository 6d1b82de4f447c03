"""Persistence only: the event store (DuckDB by default), the ingestion spool, app state."""
