"""Import events from CSV, Parquet or NDJSON files (plain or .gz) into the raw-hit table.

A ``ColumnMapping`` says which column of the file holds each field of a hit; its defaults are
the column names of our own events table, so an export of Pilotage re-imports with no mapping.
The heavy lifting is vectorised in DuckDB: every row gets either a ``reason`` (the first check
it fails) or its parsed values, and the report is one GROUP BY over the reasons. A bad row never
aborts the import; a mapping that names a missing column does (``InvalidInput``).

The result has the columns of ``raw_hit_schema()`` followed by ``EXTRA_COLUMNS`` (UTMs and
device/geo attributes, named like the events table; '' when the file does not give them).
A file without IP addresses identifies visitors by a key column: the raw ``ip`` column then
holds ``"key:" + value`` and ``user_agent`` is '' (the pipeline hashes ip + user agent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from pilotage.collect.importers.report import ImportReport
from pilotage.collect.importers.source import (
    EMPTY_PROPS,
    EXTRA_COLUMNS,
    KEY_PREFIX,
    Format,
    ProgressFn,
    Source,
    as_json,
    imported_hit_schema,
    open_source,
    props_from_columns,
    props_from_json,
    run_staged,
    sql_literal,
    text,
    timestamp_expr,
)
from pilotage.errors import InvalidInput

# Fields whose value is a column name; the others of ColumnMapping are options.
_COLUMN_FIELDS = (
    "ts", "name", "url", "hostname", "pathname", "referrer", "ip", "user_agent", "visitor",
    "props_json", "revenue_amount", "revenue_currency", "screen_width", "interactive",
    *EXTRA_COLUMNS,
)  # fmt: skip
_LIST_FIELDS = ("props", "revenue_events")


@dataclass(frozen=True)
class ColumnMapping:
    """Which file column holds each hit field, plus a few options.

    A field left at its default name is used when the file has that column; a field given
    another name must exist. ``None`` (or ``field=`` in ``parse``) ignores the field.
    ``props`` lists columns copied into the props map; ``props_json`` is one column holding a
    JSON object. ``tz`` applies to timestamps without a zone; ``currency`` is used when a
    revenue amount has no currency; ``revenue_events`` keeps revenue on these names only.
    """

    ts: str = "ts"
    name: str | None = "name"
    url: str | None = "url"
    hostname: str | None = "hostname"
    pathname: str | None = "pathname"
    referrer: str | None = "referrer"
    ip: str | None = "ip"
    user_agent: str | None = "user_agent"
    visitor: str | None = None
    props: tuple[str, ...] = ()
    props_json: str | None = "props"
    revenue_amount: str | None = "revenue_amount"
    revenue_currency: str | None = "revenue_currency"
    screen_width: str | None = "screen_width"
    interactive: str | None = "interactive"
    utm_source: str | None = "utm_source"
    utm_medium: str | None = "utm_medium"
    utm_campaign: str | None = "utm_campaign"
    utm_content: str | None = "utm_content"
    utm_term: str | None = "utm_term"
    browser: str | None = "browser"
    browser_version: str | None = "browser_version"
    os: str | None = "os"
    os_version: str | None = "os_version"
    device: str | None = "device"
    country: str | None = "country"
    tz: str = "UTC"
    currency: str = ""
    revenue_events: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"unknown time zone {self.tz!r}", field="tz") from None
        if self.currency and not (len(self.currency) == 3 and self.currency.isalpha()):
            raise InvalidInput(
                f"currency {self.currency!r} is not an ISO 4217 code", field="currency"
            )

    @classmethod
    def parse(cls, spec: str) -> ColumnMapping:
        """Parse ``"ts=event_time,name=event_type,props=brand+price,tz=Europe/Paris"``."""
        known = {f.name for f in fields(cls)}
        values: dict[str, object] = {}
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            key, sep, value = (s.strip() for s in item.partition("="))
            if not sep or key not in known:
                raise InvalidInput(f"bad mapping item {item!r}: expected FIELD=COLUMN", field="map")
            if key in _LIST_FIELDS:
                values[key] = tuple(v.strip() for v in value.split("+") if v.strip())
            elif key == "currency":
                values[key] = value.upper()
            elif key in ("ts", "tz"):
                values[key] = value or getattr(cls(), key)
            else:
                values[key] = value or None
        return replace(cls(), **values)  # type: ignore[arg-type]


def _resolve(mapping: ColumnMapping, src: Source) -> dict[str, str | None]:
    """Mapping field -> column present in the file, or None; a named column that is missing
    raises InvalidInput naming it."""
    default = ColumnMapping()
    found: dict[str, str | None] = {}
    for name in _COLUMN_FIELDS:
        column = getattr(mapping, name)
        if column is not None and column in src.columns:
            found[name] = column
        elif column is None or (name != "ts" and column == getattr(default, name)):
            found[name] = None
        else:
            raise _missing(src, name, column)
    for column in mapping.props:
        if column not in src.columns:
            raise _missing(src, "props", column)
    return found


def _missing(src: Source, name: str, column: str) -> InvalidInput:
    have = ", ".join(c for c in src.columns if c != "_line") or "none"
    return InvalidInput(
        f"column {column!r} mapped to {name} is not in {src.path.name} (columns: {have})",
        field=name,
    )


def _event_select(mapping: ColumnMapping, src: Source) -> dict[str, str]:
    col = _resolve(mapping, src)

    def txt(name: str, default: str = "NULL") -> str:
        column = col[name]
        return text(src, column) if column else default

    if not (col["visitor"] or col["ip"]):
        raise InvalidInput(
            f"{src.path.name} has no visitor identity: map ip=COLUMN or visitor=COLUMN",
            field="visitor",
        )
    url = txt("url")
    if url == "NULL" and col["hostname"] and col["pathname"]:
        host, path = txt("hostname"), txt("pathname")
        url = f"('https://' || {host} || CASE WHEN starts_with({path}, '/') THEN '' ELSE '/' END || {path})"  # noqa: E501
    props = props_from_columns(src, mapping.props) if mapping.props else EMPTY_PROPS
    if col["props_json"]:
        props = f"map_concat({props}, coalesce({props_from_json(as_json(src, col['props_json']))}, {EMPTY_PROPS}))"  # noqa: E501
    ip = f"({sql_literal(KEY_PREFIX)} || {txt('visitor')})" if col["visitor"] else txt("ip")
    select = {
        "site": "$site",
        "_ts_raw": txt("ts"),
        "ts": timestamp_expr(txt("ts")),
        "name": txt("name", "'pageview'"),
        "url": f"coalesce({url}, '')",
        "referrer": f"coalesce({txt('referrer')}, '')",
        "ip": ip,
        "user_agent": "''" if col["visitor"] else f"coalesce({txt('user_agent')}, '')",
        "_props_text": txt("props_json"),
        "_props_raw": as_json(src, col["props_json"]) if col["props_json"] else "NULL",
        "props": props,
        "_amount_raw": txt("revenue_amount"),
        "revenue_amount": f"TRY_CAST({txt('revenue_amount')} AS DECIMAL(18, 4))",
        "revenue_currency": f"upper(coalesce({txt('revenue_currency')}, $currency))",
        "_sw_raw": txt("screen_width"),
        "screen_width": f"coalesce(TRY_CAST({txt('screen_width')} AS USMALLINT), 0)",
        "_interactive_raw": f"lower({txt('interactive')})",
        "interactive": f"coalesce(lower({txt('interactive')}) NOT IN ('false', '0', 'no', 'f', 'n'), true)",  # noqa: E501
        "source_kind": "'events'",
    }
    select.update({name: f"coalesce({txt(name)}, '')" for name in EXTRA_COLUMNS})
    return select


_EVENT_CHECKS = [
    ("ts IS NULL", "bad timestamp"),
    ("name IS NULL", "missing name"),
    ("name = 'pageview' AND url = ''", "missing url"),
    ("ip IS NULL", "missing visitor"),
    ("_amount_raw IS NOT NULL AND revenue_amount IS NULL", "bad revenue"),
    ("revenue_amount IS NOT NULL AND revenue_currency = ''", "missing currency"),
    (
        "revenue_amount IS NOT NULL AND NOT regexp_full_match(revenue_currency, '[A-Z]{3}')",
        "bad currency",
    ),
    ("_sw_raw IS NOT NULL AND TRY_CAST(_sw_raw AS USMALLINT) IS NULL", "bad screen_width"),
    ("_props_text IS NOT NULL AND coalesce(json_type(_props_raw), '') <> 'OBJECT'", "bad props"),
    (
        "_interactive_raw NOT IN ('true', '1', 'yes', 't', 'y', 'false', '0', 'no', 'f', 'n')",
        "bad interactive",
    ),
]


def _read_one(
    path: Path, site: str, mapping: ColumnMapping, fmt: Format
) -> tuple[pa.Table, ImportReport]:
    report = ImportReport(source=str(path))
    with open_source(path, fmt, report, mapping.tz) as src:
        if src.columns.keys() == {"_line"}:
            return imported_hit_schema().empty_table(), report
        select = _event_select(mapping, src)
        if mapping.revenue_events:
            # Revenue outside these events (e.g. the price on a product view) is not revenue.
            keep = f"list_contains(CAST($revenue_events AS VARCHAR[]), {select['name']})"
            for key in ("_amount_raw", "revenue_amount"):
                select[key] = f"CASE WHEN {keep} THEN {select[key]} END"
        select["revenue_currency"] = (
            f"CASE WHEN ({select['revenue_amount']}) IS NULL THEN '' "
            f"ELSE {select['revenue_currency']} END"
        )
        params: dict[str, object] = {
            "site": site,
            "currency": mapping.currency,
            "revenue_events": list(mapping.revenue_events),
        }
        if not mapping.revenue_events:
            params.pop("revenue_events")
        table = run_staged(src, select, _EVENT_CHECKS, report, params)
    return table, report


def read_event_files(
    paths: list[Path],
    site: str,
    mapping: ColumnMapping | None = None,
    fmt: Format = "auto",
    progress: ProgressFn | None = None,
) -> tuple[pa.Table, ImportReport]:
    """Read event files into one raw-hit table (``imported_hit_schema()``) and one report.

    Line numbers in the report are per file (1-based, the CSV header is line 1; Parquet rows
    are numbered from 1); with several files the report's source lists them all."""
    mapping = mapping or ColumnMapping()
    return read_all(paths, lambda path: _read_one(path, site, mapping, fmt), progress)


def read_all(
    paths: list[Path],
    read_one: Callable[[Path], tuple[pa.Table, ImportReport]],
    progress: ProgressFn | None,
) -> tuple[pa.Table, ImportReport]:
    """Read each file with ``read_one``; concatenate the tables and merge the reports."""
    report = ImportReport(source=", ".join(str(p) for p in paths))
    total = sum(p.stat().st_size for p in paths if p.is_file())
    tables, done = [imported_hit_schema().empty_table()], 0
    for path in paths:
        table, one = read_one(path)
        tables.append(table)
        report.merge(one)
        done += path.stat().st_size
        if progress is not None:
            progress(done, total)
    return pa.concat_tables(tables), report
