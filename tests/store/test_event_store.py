"""The DuckDB event store: migrations, all-or-nothing batches, purge."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from pilotage.collect.hit import Hit, hits_to_table
from pilotage.collect.pipeline import enrich_table
from pilotage.collect.salts import EphemeralSalts
from pilotage.store.events import EventStore
from pilotage.store.events.migrations import MIGRATIONS, current_version


def staged(*days: int) -> pa.Table:
    hits = [
        Hit(
            "shop.example",
            datetime(2025, 1, d, 12, tzinfo=UTC),
            "pageview",
            f"https://shop.example/{d}",
        )
        for d in days
    ]
    table = enrich_table(hits_to_table(hits), EphemeralSalts())
    return table.drop_columns(["prev_visitor_id"])


def count(store: EventStore, table: str = "events") -> int:
    return int(store.scalar(f"SELECT count(*) FROM {table}"))


def test_migrations_are_recorded_and_idempotent(tmp_path: Path) -> None:
    EventStore(tmp_path / "e.duckdb").close()
    with EventStore(tmp_path / "e.duckdb") as store:
        assert current_version(store.con) == len(MIGRATIONS)
        assert count(store, "schema_version") == len(MIGRATIONS)


def test_a_failing_batch_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    with EventStore(tmp_path / "e.duckdb") as store:
        store.ingest(staged(1, 2))
        broken = staged(3, 4)
        sites = pa.array(["shop.example", None], pa.string())
        broken = broken.set_column(broken.schema.get_field_index("site"), "site", sites)
        with pytest.raises(Exception, match="NOT NULL"):
            store.ingest(broken, spool=("collector", 1, 999))
        assert count(store) == 2 and count(store, "sessions") == 2
        assert store.spool_position("collector") is None


def test_purge_deletes_only_what_is_older(tmp_path: Path) -> None:
    with EventStore(tmp_path / "e.duckdb") as store:
        store.ingest(staged(1, 10, 20))
        events, visits = store.purge(datetime(2025, 1, 15, tzinfo=UTC))
        assert (events, visits) == (2, 2)
        assert store.scalar("SELECT pathname FROM events") == "/20"
        assert count(store, "sessions") == 1


def test_a_reader_of_a_new_store_sees_empty_tables(tmp_path: Path) -> None:
    with EventStore(tmp_path / "new.duckdb", read_only=True) as store:
        assert count(store) == 0
