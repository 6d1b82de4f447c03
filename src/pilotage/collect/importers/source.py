"""Opening event files for the importers: format detection, reading CSV, Parquet and NDJSON
(plain or .gz) into DuckDB with line-numbered rejects, and the SQL helpers both the file
and the GA4 importers build their SELECTs with.
"""

from __future__ import annotations

import gzip
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, cast

import duckdb
import orjson
import pyarrow as pa

from pilotage.collect.hit import raw_hit_schema
from pilotage.collect.importers.report import ImportReport
from pilotage.errors import InvalidInput, NotFound

Format = Literal["auto", "csv", "parquet", "ndjson"]
ProgressFn = Callable[[int, int], None]  # (bytes done, bytes total), called after each file
UTM_COLUMNS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
DEVICE_COLUMNS = ("browser", "browser_version", "os", "os_version", "device", "country")
EXTRA_COLUMNS = UTM_COLUMNS + DEVICE_COLUMNS
KEY_PREFIX = "key:"


def imported_hit_schema() -> pa.Schema:
    """``raw_hit_schema()`` plus the optional visit attributes importers know."""
    extra = [pa.field(name, pa.string()) for name in EXTRA_COLUMNS]
    return pa.schema(list(raw_hit_schema()) + extra)


@dataclass
class Source:
    """One input file opened in DuckDB as the view ``src`` with a 1-based ``_line`` column."""

    con: duckdb.DuckDBPyConnection
    columns: dict[str, str]  # column name -> DuckDB type
    path: Path


def detect_format(path: Path, fmt: Format = "auto") -> Literal["csv", "parquet", "ndjson"]:
    if fmt != "auto":
        return fmt
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    last = suffixes[-1] if suffixes else ""
    if last in (".csv", ".tsv", ".txt"):
        return "csv"
    if last in (".parquet", ".pq"):
        return "parquet"
    if last in (".ndjson", ".jsonl", ".json"):
        return "ndjson"
    raise InvalidInput(f"cannot tell the format of {path.name}: give --format", field="format")


@contextmanager
def open_source(path: Path, fmt: Format, report: ImportReport, tz: str = "UTC") -> Iterator[Source]:
    """Open ``path`` as ``src``; lines DuckDB or JSON cannot parse are rejected into ``report``."""
    if not path.is_file():
        raise NotFound(f"file {str(path)!r} does not exist", field="path")
    kind = detect_format(path, fmt)
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{tz}'")  # tz was validated by ZoneInfo: no quote inside
    with tempfile.TemporaryDirectory(prefix="pilotage-import-") as tmp:
        if kind == "csv":
            table = _read_csv(con, path, report)
        elif kind == "parquet":
            table = _read_parquet(con, path, report)
        else:
            table = _read_ndjson(con, path, Path(tmp), report)
        con.register("src", table)
        rel = con.sql("SELECT * FROM src")
        columns = {n: str(t) for n, t in zip(rel.columns, rel.types, strict=True)}
        if kind == "ndjson":  # read as JSON; the Arrow round trip labels it VARCHAR
            columns = {n: "BIGINT" if n == "_line" else "JSON" for n in columns}
        try:
            yield Source(con, columns, path)
        finally:
            con.close()


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, report: ImportReport) -> pa.Table:
    rel = con.sql(
        "SELECT * FROM read_csv(?, all_varchar = true, header = true, store_rejects = true)",
        params=[str(path)],
    )
    table = rel.to_arrow_table()
    bad = con.sql("SELECT DISTINCT line FROM reject_errors ORDER BY line").fetchall()
    bad_lines = [int(row[0]) for row in bad]
    for line in bad_lines:
        report.reject("bad csv row", line)
    report.read += table.num_rows + len(bad_lines)
    # Good rows are the data lines (from line 2) that DuckDB did not reject, in file order.
    skip = set(bad_lines)
    lines: list[int] = []
    n = 2
    while len(lines) < table.num_rows:
        if n not in skip:
            lines.append(n)
        n += 1
    return table.append_column("_line", pa.array(lines, pa.int64()))


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, report: ImportReport) -> pa.Table:
    table = con.sql("SELECT * FROM read_parquet(?)", params=[str(path)]).to_arrow_table()
    report.read += table.num_rows
    return table.append_column("_line", pa.array(range(1, table.num_rows + 1), pa.int64()))


def _read_ndjson(
    con: duckdb.DuckDBPyConnection, path: Path, tmp: Path, report: ImportReport
) -> pa.Table:
    """Keep the lines that are JSON objects (others are rejected with their line number), then
    let DuckDB read them with every key typed JSON, so mixed types never fail the read."""
    good = tmp / "good.ndjson"
    lines: list[int] = []
    keys: dict[str, None] = {}
    with _open_binary(path) as src, good.open("wb") as out:
        for number, raw in enumerate(src, start=1):
            if not raw.strip():
                continue
            report.read += 1
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError:
                obj = None
            if not isinstance(obj, dict):
                report.reject("bad json", number)
                continue
            keys.update(dict.fromkeys(obj))
            out.write(raw.rstrip(b"\r\n") + b"\n")
            lines.append(number)
    if not lines:
        return pa.table({"_line": pa.array([], pa.int64())})
    spec = "{" + ", ".join(f"{sql_literal(k)}: 'JSON'" for k in keys) + "}"
    table = con.sql(
        f"SELECT * FROM read_json(?, format = 'newline_delimited', columns = {spec})",  # noqa: S608 - keys quoted by sql_literal
        params=[str(good)],
    ).to_arrow_table()
    return table.append_column("_line", pa.array(lines, pa.int64()))


def _open_binary(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


# --- SQL expression helpers -------------------------------------------------------------


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def text(src: Source, column: str) -> str:
    """The column as trimmed text: JSON strings unquoted, numbers as written."""
    col, kind = ident(column), src.columns[column]
    raw = f"(CAST({col} AS JSON) ->> '$')" if kind == "JSON" else f"CAST({col} AS VARCHAR)"
    return f"NULLIF(trim({raw}), '')"


def as_json(src: Source, column: str) -> str:
    """The column as a JSON value; a JSON string holding JSON is parsed once more."""
    col, kind = ident(column), src.columns[column]
    if kind == "JSON":
        j = f"CAST({col} AS JSON)"
        return f"(CASE WHEN json_type({j}) = 'VARCHAR' THEN TRY_CAST({j} ->> '$' AS JSON) ELSE {j} END)"  # noqa: E501
    if kind == "VARCHAR":
        return f"TRY_CAST(NULLIF(trim({col}), '') AS JSON)"
    return f"to_json({col})"


def timestamp_expr(t: str) -> str:
    """Text -> TIMESTAMPTZ. Digits are epoch seconds, ms, µs or ns told apart by magnitude
    (< 1e11 s, < 1e14 ms, < 1e17 µs, < 1e20 ns, i.e. dates 1973-5138); other text is ISO 8601,
    read in the session time zone when it has no zone of its own."""
    n = f"TRY_CAST({t} AS DECIMAL(38, 6))"
    us = (
        f"CASE WHEN abs({n}) < 1e11 THEN {n} * 1000000 WHEN abs({n}) < 1e14 THEN {n} * 1000 "
        f"WHEN abs({n}) < 1e17 THEN {n} WHEN abs({n}) < 1e20 THEN {n} / 1000 END"
    )
    return (
        f"(CASE WHEN regexp_full_match({t}, '-?[0-9]+(\\.[0-9]*)?') "
        f"THEN timezone('UTC', make_timestamp(CAST(round({us}) AS BIGINT))) "
        f"ELSE TRY_CAST({t} AS TIMESTAMPTZ) END)"
    )


def props_from_json(j: str) -> str:
    m = f"TRY_CAST({j} AS MAP(VARCHAR, VARCHAR))"
    return f"map_from_entries(list_filter(map_entries({m}), lambda e: e.value IS NOT NULL))"


def props_from_columns(src: Source, columns: tuple[str, ...]) -> str:
    entries = ", ".join(f"{{'key': {sql_literal(c)}, 'value': {text(src, c)}}}" for c in columns)
    return f"map_from_entries(list_filter([{entries}], lambda e: e.value IS NOT NULL))"


EMPTY_PROPS = "MAP {}::MAP(VARCHAR, VARCHAR)"


# --- staged query: parse, check, report ---------------------------------------------------


def run_staged(
    src: Source,
    select: dict[str, str],
    checks: list[tuple[str, str]],
    report: ImportReport,
    params: dict[str, object],
    skip: str = "false",
) -> pa.Table:
    """Evaluate ``select`` (output name -> SQL over ``src``) for every row, give each row the
    reason of the first failed check (condition, reason) or skip it, fill ``report``, and return
    the good rows in file order as ``imported_hit_schema()``."""
    body = ",\n  ".join(f"{expr} AS {ident(name)}" for name, expr in select.items())
    cases = " ".join(f"WHEN {cond} THEN {sql_literal(reason)}" for cond, reason in checks)
    src.con.execute(
        "CREATE TEMP TABLE staged AS "  # noqa: S608 - identifiers quoted, values bound
        f"WITH p AS MATERIALIZED (SELECT _line, {body} FROM src) "
        f"SELECT *, CASE WHEN {skip} THEN '' {cases} END AS _reason FROM p",
        params,
    )
    counts = src.con.sql(
        "SELECT _reason, count(*), list(_line ORDER BY _line)[1:5] FROM staged "
        "WHERE _reason IS NOT NULL GROUP BY _reason ORDER BY _reason"
    ).fetchall()
    for reason, count, first in counts:
        if reason == "":
            report.skipped += int(count)
            continue
        for i, line in enumerate(first):
            report.reject(reason, int(line), count=1 if i < len(first) - 1 else count - i)
    schema = imported_hit_schema()
    names = ", ".join(ident(n) for n in schema.names)
    table = src.con.sql(
        f"SELECT {names} FROM staged WHERE _reason IS NULL"  # noqa: S608 - insertion order kept
    ).to_arrow_table()
    report.imported += table.num_rows
    return table.cast(schema)


# --- event files ----------------------------------------------------------------------------
