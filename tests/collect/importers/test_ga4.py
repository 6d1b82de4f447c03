from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pilotage.collect.importers.files import imported_hit_schema
from pilotage.collect.importers.ga4 import SKIPPED_EVENTS, read_ga4_export
from pilotage.errors import InvalidInput

SAMPLE = Path(__file__).parents[2] / "data" / "ga4_export_sample.ndjson"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def sample_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


def param(row: dict[str, Any], key: str) -> str | None:
    for p in row["event_params"]:
        if p["key"] == key:
            v = p["value"]
            return str(v["string_value"] or v["int_value"] or v["double_value"] or "")
    return None


def kept_rows() -> list[dict[str, Any]]:
    return [r for r in sample_rows() if r["event_name"] not in SKIPPED_EVENTS]


def test_sample_counts_and_skips_bookkeeping_events() -> None:
    table, report = read_ga4_export([SAMPLE], "gtm-gear.com")
    rows = sample_rows()
    skipped = sum(1 for r in rows if r["event_name"] in SKIPPED_EVENTS)
    assert skipped == 1  # the sample's session_start
    assert (report.read, report.skipped, report.imported) == (len(rows), skipped, len(rows) - 1)
    assert table.schema == imported_hit_schema()


def test_sample_fields_follow_the_export() -> None:
    table, _ = read_ga4_export([SAMPLE], "gtm-gear.com")
    rows = kept_rows()
    names = [("pageview" if r["event_name"] == "page_view" else r["event_name"]) for r in rows]
    assert table["name"].to_pylist() == names
    assert table["url"].to_pylist() == [param(r, "page_location") for r in rows]
    assert table["referrer"].to_pylist() == [param(r, "page_referrer") for r in rows]
    assert table["ip"].to_pylist() == ["key:" + r["user_pseudo_id"] for r in rows]
    stamps = [EPOCH + timedelta(microseconds=int(r["event_timestamp"])) for r in rows]
    assert table["ts"].to_pylist() == stamps
    assert set(table["source_kind"].to_pylist()) == {"ga4"}


def test_device_and_country_columns() -> None:
    table, _ = read_ga4_export([SAMPLE], "gtm-gear.com")
    rows = kept_rows()
    assert table["browser"].to_pylist() == [r["device"]["web_info"]["browser"] for r in rows]
    # ISO 3166-1 alpha-2 codes of the sample's countries.
    iso = {"Sweden": "SE", "India": "IN", "Germany": "DE"}
    assert table["country"].to_pylist() == [iso[r["geo"]["country"]] for r in rows]
    first = table.slice(0, 1).to_pylist()[0]
    assert (first["device"], first["os"], first["os_version"]) == ("Mobile", "iOS", "17.0")


def test_purchase_revenue_in_its_own_currency() -> None:
    table, _ = read_ga4_export([SAMPLE], "s")
    purchase = next(r for r in sample_rows() if r["event_name"] == "purchase")
    got = [r for r in table.to_pylist() if r["name"] == "purchase"]
    assert len(got) == 1
    assert got[0]["revenue_amount"] == Decimal(purchase["ecommerce"]["purchase_revenue"])
    assert got[0]["revenue_currency"] == param(purchase, "currency")
    assert dict(got[0]["props"])["transaction_id"] == purchase["ecommerce"]["transaction_id"]
    others = [r["revenue_amount"] for r in table.to_pylist() if r["name"] != "purchase"]
    assert set(others) == {None}


def test_purchase_without_currency_falls_back_to_usd_value(tmp_path: Path) -> None:
    purchase = next(r for r in sample_rows() if r["event_name"] == "purchase")
    purchase["event_params"] = [p for p in purchase["event_params"] if p["key"] != "currency"]
    path = tmp_path / "events_20231215.json"
    path.write_text(json.dumps(purchase) + "\n", encoding="utf-8")
    table, _ = read_ga4_export([path], "s")
    row = table.to_pylist()[0]
    usd = Decimal(purchase["ecommerce"]["purchase_revenue_in_usd"]).quantize(Decimal("0.0001"))
    assert (row["revenue_amount"], row["revenue_currency"]) == (usd, "USD")


def test_parquet_export_reads_like_ndjson(tmp_path: Path) -> None:
    path = tmp_path / "events_20231215.parquet"
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * REPLACE (CAST(event_timestamp AS BIGINT) AS event_timestamp) "
        "FROM read_json(?, format = 'newline_delimited')) TO ? (FORMAT parquet)",
        [str(SAMPLE), str(path)],
    )
    con.close()
    from_json, _ = read_ga4_export([SAMPLE], "s")
    from_parquet, report = read_ga4_export([path], "s")
    assert report.skipped == 1
    assert from_parquet.equals(from_json)


def test_bad_rows_are_rejected_with_line_numbers(tmp_path: Path) -> None:
    rows = kept_rows()
    no_id = dict(rows[0], user_pseudo_id=None)
    bad_ts = dict(rows[1], event_timestamp="soon")
    no_url = dict(rows[2], event_params=[])
    lines = [json.dumps(rows[3]), json.dumps(no_id), "{broken", json.dumps(bad_ts)]
    lines += [json.dumps(no_url), json.dumps(rows[4])]
    path = tmp_path / "events_x.ndjson.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    table, report = read_ga4_export([path], "s")
    assert report.imported == 2 and table.num_rows == 2
    assert report.first_lines == {
        "missing user_pseudo_id": [2],
        "bad json": [3],
        "bad timestamp": [4],
        "missing page_location": [5],
    }


def test_file_without_ga4_columns_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson"
    path.write_text('{"event_timestamp": "1"}\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="event_name") as err:
        read_ga4_export([path], "s")
    assert err.value.field == "event_name"
