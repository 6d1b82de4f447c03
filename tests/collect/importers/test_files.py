from __future__ import annotations

import csv
import gzip
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pilotage.collect.hit import raw_hit_schema
from pilotage.collect.importers.files import (
    EXTRA_COLUMNS,
    ColumnMapping,
    imported_hit_schema,
    read_event_files,
)
from pilotage.errors import InvalidInput, NotFound

DATA = Path(__file__).parents[2] / "data"
REES46 = DATA / "events_rees46_sample.csv"
REES46_MAP = ColumnMapping.parse(
    "ts=event_time,name=event_type,visitor=user_session,"
    "props=product_id+category_code+brand+price+user_id,"
    "revenue_amount=price,revenue_events=purchase,currency=USD"
)


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def rees46_rows() -> list[dict[str, str]]:
    with REES46.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_rees46_sample_imports_every_row_with_names_and_visitors() -> None:
    table, report = read_event_files([REES46], "shop.example", REES46_MAP)
    rows = rees46_rows()
    assert (report.read, report.imported, report.rejected_total) == (len(rows), len(rows), 0)
    assert Counter(table["name"].to_pylist()) == Counter(r["event_type"] for r in rows)
    assert table["ip"].to_pylist() == ["key:" + r["user_session"] for r in rows]
    assert set(table["user_agent"].to_pylist()) == {""}
    first = datetime.strptime(rows[0]["event_time"], "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=UTC)
    assert table["ts"][0].as_py() == first


def test_rees46_revenue_is_the_price_of_purchases_only() -> None:
    table, _ = read_event_files([REES46], "shop.example", REES46_MAP)
    expected = sum(Decimal(r["price"]) for r in rees46_rows() if r["event_type"] == "purchase")
    amounts = [a for a in table["revenue_amount"].to_pylist() if a is not None]
    assert sum(amounts) == expected
    assert len(amounts) == sum(1 for r in rees46_rows() if r["event_type"] == "purchase")
    assert {c for c in table["revenue_currency"].to_pylist() if c} == {"USD"}


def test_props_come_from_listed_columns_and_skip_empty_values() -> None:
    table, _ = read_event_files([REES46], "shop.example", REES46_MAP)
    row = rees46_rows()[0]
    expected = {k: row[k] for k in ("product_id", "category_code", "brand", "price", "user_id")}
    assert dict(table["props"][0].as_py()) == {k: v for k, v in expected.items() if v}


def test_gzip_csv_gives_the_same_table(tmp_path: Path) -> None:
    gz = tmp_path / "events.csv.gz"
    with REES46.open("rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    plain, _ = read_event_files([REES46], "s", REES46_MAP)
    packed, report = read_event_files([gz], "s", REES46_MAP)
    assert packed.equals(plain)
    assert report.imported == plain.num_rows


def test_output_schema_is_raw_hit_schema_plus_extras() -> None:
    table, _ = read_event_files([REES46], "s", REES46_MAP)
    assert table.schema.names == raw_hit_schema().names + list(EXTRA_COLUMNS)
    assert table.schema == imported_hit_schema()


def test_bad_lines_are_rejected_with_reason_and_line_number(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        "ts,name,url,ip,revenue_amount,revenue_currency\n"
        "2024-01-01T10:00:00Z,pageview,https://a.example/,1.2.3.4,,\n"
        "yesterday,pageview,https://a.example/,1.2.3.4,,\n"
        "2024-01-01T10:01:00Z,pageview,,1.2.3.4,,\n"
        "2024-01-01T10:02:00Z,pageview,https://a.example/,1.2.3.4,,,extra\n"
        "2024-01-01T10:03:00Z,buy,https://a.example/,1.2.3.4,12.x,EUR\n"
        "2024-01-01T10:04:00Z,buy,https://a.example/,1.2.3.4,12.5,euro\n"
        "2024-01-01T10:05:00Z,buy,https://a.example/,1.2.3.4,12.5,eur\n",
    )
    table, report = read_event_files([path], "s")
    assert report.read == 7 and report.imported == 2
    assert report.as_dict()["reasons"] == {
        "bad csv row": {"count": 1, "first_lines": [5]},
        "bad currency": {"count": 1, "first_lines": [7]},
        "bad revenue": {"count": 1, "first_lines": [6]},
        "bad timestamp": {"count": 1, "first_lines": [3]},
        "missing url": {"count": 1, "first_lines": [4]},
    }
    assert table["revenue_currency"].to_pylist() == ["", "EUR"]


def test_counts_beyond_the_first_lines_kept(tmp_path: Path) -> None:
    lines = ["ts,name,url,ip"] + [f"bad{i},x,/p,1.1.1.1" for i in range(8)]
    path = write(tmp_path, "e.csv", "\n".join(lines) + "\n")
    _, report = read_event_files([path], "s")
    assert report.rejected["bad timestamp"] == 8
    assert report.first_lines["bad timestamp"] == [2, 3, 4, 5, 6]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019-10-01 00:00:00 UTC", datetime(2019, 10, 1, tzinfo=UTC)),
        ("2019-10-01T02:00:00+02:00", datetime(2019, 10, 1, tzinfo=UTC)),
        ("2019-10-01T00:00:01.250Z", datetime(2019, 10, 1, 0, 0, 1, 250000, tzinfo=UTC)),
        ("2019-10-01 05:06", datetime(2019, 10, 1, 5, 6, tzinfo=UTC)),
        ("1569888000", EPOCH + timedelta(seconds=1569888000)),
        ("1569888000.5", EPOCH + timedelta(seconds=1569888000.5)),
        ("1569888000123", EPOCH + timedelta(milliseconds=1569888000123)),
        ("1569888000123456", EPOCH + timedelta(microseconds=1569888000123456)),
    ],
)
def test_timestamp_forms(tmp_path: Path, raw: str, expected: datetime) -> None:
    path = write(tmp_path, "t.csv", f'ts,url,ip\n"{raw}",/p,1.1.1.1\n')
    table, report = read_event_files([path], "s")
    assert report.imported == 1, report.as_dict()
    assert table["ts"][0].as_py() == expected


def test_timestamps_without_zone_use_the_mapping_tz(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "ts,url,ip\n2024-07-01 12:00:00,/p,1.1.1.1\n")
    table, _ = read_event_files([path], "s", ColumnMapping(tz="Europe/Paris"))
    local = datetime(2024, 7, 1, 12, tzinfo=ZoneInfo("Europe/Paris"))
    assert table["ts"][0].as_py() == local.astimezone(UTC)


def test_mapped_column_missing_names_it(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "when,url,ip\n2024-01-01,/p,1.1.1.1\n")
    with pytest.raises(InvalidInput, match="'event_time'") as err:
        read_event_files([path], "s", ColumnMapping.parse("ts=event_time"))
    assert err.value.field == "ts"


def test_default_ts_column_is_required(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "when,url,ip\n2024-01-01,/p,1.1.1.1\n")
    with pytest.raises(InvalidInput, match="'ts'"):
        read_event_files([path], "s")


def test_file_without_visitor_identity_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "ts,url\n2024-01-01,/p\n")
    with pytest.raises(InvalidInput) as err:
        read_event_files([path], "s")
    assert err.value.field == "visitor"


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        read_event_files([tmp_path / "nope.csv"], "s")


@pytest.mark.parametrize(
    ("spec", "field"),
    [("ts", "map"), ("colour=c", "map"), ("tz=Mars/Base", "tz"), ("currency=EURO", "currency")],
)
def test_bad_mapping_specs(spec: str, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        ColumnMapping.parse(spec)
    assert err.value.field == field


def test_parse_mapping() -> None:
    m = ColumnMapping.parse(" ts=t , props=a+b, referrer=, tz=Europe/Paris, currency=eur ")
    assert (m.ts, m.props, m.referrer, m.tz, m.currency) == (
        "t",
        ("a", "b"),
        None,
        "Europe/Paris",
        "EUR",
    )
    assert m.url == ColumnMapping().url


def test_our_own_column_names_need_no_mapping(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "export.csv",
        "ts,name,url,referrer,ip,user_agent,props,revenue_amount,revenue_currency,"
        "screen_width,interactive,utm_source,country\n"
        "2024-01-01T00:00:00Z,signup,https://a.example/x,https://b.example/,1.2.3.4,UA,"
        '"{""plan"": ""pro"", ""seats"": 3}",9.90,eur,1280,false,news,FR\n',
    )
    table, report = read_event_files([path], "a.example")
    assert report.imported == 1, report.as_dict()
    row = table.to_pylist()[0]
    assert dict(row["props"]) == {"plan": "pro", "seats": "3"}
    assert (row["revenue_amount"], row["revenue_currency"]) == (Decimal("9.9"), "EUR")
    assert (row["screen_width"], row["interactive"], row["user_agent"]) == (1280, False, "UA")
    assert (row["utm_source"], row["country"], row["os"]) == ("news", "FR", "")


def test_hostname_and_pathname_make_the_url(tmp_path: Path) -> None:
    path = write(
        tmp_path, "e.csv", "ts,hostname,pathname,ip\n2024-01-01,a.example,docs/x,1.1.1.1\n"
    )
    table, _ = read_event_files([path], "s")
    assert table["url"].to_pylist() == ["https://a.example/docs/x"]


def test_ndjson_broken_line_in_the_middle(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.ndjson",
        '{"ts": "2024-01-01T00:00:00Z", "url": "/a", "ip": "1.1.1.1"}\n'
        '{"ts": 1704067260, "url": "/b", "ip": "1.1.1.1", "props": {"k": 1, "n": null}}\n'
        '{"ts": "2024-01-01T00:02:00Z", "url": "/c", \n'
        "\n"
        '{"ts": "2024-01-01T00:03:00Z", "url": "/d", "ip": "1.1.1.1", '
        '"props": "{\\"q\\": \\"v\\"}"}\n'
        "[1, 2]\n"
        '{"ts": "2024-01-01T00:04:00Z", "url": "/e", "ip": "1.1.1.1", "props": [1]}\n',
    )
    table, report = read_event_files([path], "s")
    assert table["url"].to_pylist() == ["/a", "/b", "/d"]
    assert report.first_lines == {"bad json": [3, 6], "bad props": [7]}
    assert report.read == 6
    assert [dict(p) for p in table["props"].to_pylist()] == [{}, {"k": "1"}, {"q": "v"}]


def test_gzip_ndjson(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write('{"ts": "2024-01-01T00:00:00Z", "url": "/a", "visitor": "u1"}\nnot json\n')
    table, report = read_event_files([path], "s", ColumnMapping(visitor="visitor"))
    assert table["ip"].to_pylist() == ["key:u1"]
    assert report.first_lines == {"bad json": [2]}


def test_parquet_with_typed_columns(tmp_path: Path) -> None:
    path = tmp_path / "e.parquet"
    when = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    pq.write_table(
        pa.table(
            {
                "ts": pa.array([when, None], pa.timestamp("ms", tz="UTC")),
                "url": ["/a", "/b"],
                "ip": ["1.1.1.1", "1.1.1.1"],
                "screen_width": pa.array([390, 70000], pa.int32()),
            }
        ),
        path,
    )
    table, report = read_event_files([path], "s")
    assert table["ts"].to_pylist() == [when]
    assert table["screen_width"].to_pylist() == [390]
    assert report.first_lines == {"bad timestamp": [2]}


def test_several_files_and_progress(tmp_path: Path) -> None:
    a = write(tmp_path, "a.csv", "ts,url,ip\n2024-01-01,/a,1.1.1.1\n")
    b = write(tmp_path, "b.csv", "ts,url,ip\nbad,/b,1.1.1.1\n2024-01-02,/c,1.1.1.1\n")
    calls: list[tuple[int, int]] = []
    table, report = read_event_files([a, b], "s", progress=lambda d, t: calls.append((d, t)))
    total = a.stat().st_size + b.stat().st_size
    assert table["url"].to_pylist() == ["/a", "/c"]
    assert (report.read, report.imported, report.rejected_total) == (3, 2, 1)
    assert calls == [(a.stat().st_size, total), (total, total)]
