"""The writer's batch decoding gives the rows of decoding one record at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pilotage.collect.pipeline import STAGED_SCHEMA, staged_table
from pilotage.collect.writer import BatchDecoder, decode, encode


def row(i: int, **kw: object) -> dict[str, object]:
    base: dict[str, object] = {name: "" for name in STAGED_SCHEMA.names}
    base.update(
        site="shop.example",
        ts=datetime(2026, 3, 10, 23, 59, 59, 999_999 - i, tzinfo=UTC).replace(tzinfo=None),
        name="pageview",
        visitor_id=2**64 - 1 - i,  # the largest ids must survive JSON and DuckDB
        prev_visitor_id=i,
        screen_width=65535 if i % 2 else 0,
        props={},
        revenue_amount=None,
        interactive=True,
        is_bot=False,
    )
    base.update(kw)
    return base


def test_batch_decoding_matches_one_record_at_a_time() -> None:
    rows = [
        row(0),
        row(1, props={"plan": "pro", "é": 'ü "quoted" \\\\ \n'}, pathname="/p/ß"),
        row(2, revenue_amount=Decimal("1234567890123.4567"), revenue_currency="EUR"),
        row(3, revenue_amount=Decimal("-0.0001"), interactive=False, is_bot=True),
        row(4, name="Signup", country="FR", referrer="https://www.google.com/"),
    ]
    records = [encode(r) for r in rows]
    expected = staged_table([decode(r) for r in records])
    got = BatchDecoder()(records)
    assert got.schema == expected.schema
    assert got.to_pylist() == expected.to_pylist()


def test_an_empty_batch_is_an_empty_table() -> None:
    assert BatchDecoder()([]).num_rows == 0
