"""Import a Google Analytics 4 BigQuery export (``events_YYYYMMDD`` as NDJSON or Parquet).

Field meanings follow Google's "[GA4] BigQuery Export schema" (support.google.com/analytics
/answer/7029846): ``event_timestamp`` is UTC microseconds, ``event_params`` a repeated
(key, value{string_value, int_value, float_value, double_value}) record, ``ecommerce.
purchase_revenue`` the revenue in the event's ``currency`` parameter and ``event_value_in_usd``
/ ``ecommerce.purchase_revenue_in_usd`` the same converted to USD. BigQuery's JSON export writes
INT64 values as strings; both forms are read.

Mapping: ``page_view`` -> ``pageview`` (url = ``page_location``, referrer = ``page_referrer``);
``session_start``, ``first_visit`` and ``user_engagement`` are bookkeeping events GA4 adds on its
own and are skipped; every other event keeps its name. The visitor is ``user_pseudo_id``
(``ip`` = ``"key:" + id``, no user agent). Browser, OS, device category and country come from
the export's ``device`` and ``geo`` records into the extra columns of ``imported_hit_schema()``.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from pathlib import Path

import pyarrow as pa

from pilotage.collect.importers.files import read_all
from pilotage.collect.importers.report import ImportReport
from pilotage.collect.importers.source import (
    EMPTY_PROPS,
    KEY_PREFIX,
    UTM_COLUMNS,
    Format,
    ProgressFn,
    Source,
    as_json,
    detect_format,
    imported_hit_schema,
    open_source,
    run_staged,
    text,
)
from pilotage.errors import InvalidInput

SKIPPED_EVENTS = ("session_start", "first_visit", "user_engagement")

# Parameters GA4 sets for its own session, engagement and attribution bookkeeping, or that
# already have a column (url, referrer, revenue): not copied into props.
INTERNAL_PARAMS = (
    "page_location", "page_referrer", "page_title", "ga_session_id", "ga_session_number",
    "engagement_time_msec", "engaged_session_event", "session_engaged", "entrances",
    "ignore_referrer", "debug_mode", "batch_page_id", "batch_ordering_id", "campaign", "source",
    "medium", "term", "content", "gclid", "dclid", "srsltid", "currency", "value",
    "container_id",
)  # fmt: skip

REQUIRED = ("event_timestamp", "event_name")
OPTIONAL = (
    "event_params", "user_pseudo_id", "device", "geo", "ecommerce", "event_value_in_usd",
)  # fmt: skip

# GA4 country names (CLDR-style) that differ from the tz database's iso3166.tab, after
# normalising (lower case, no dots, straight apostrophes).
COUNTRY_ALIASES = {
    "united kingdom": "GB", "south korea": "KR", "north korea": "KP", "czechia": "CZ",
    "türkiye": "TR", "turkiye": "TR", "congo - kinshasa": "CD", "congo - brazzaville": "CG",
    "macao": "MO", "eswatini": "SZ", "timor-leste": "TL", "cabo verde": "CV",
    "central african republic": "CF", "samoa": "WS", "american samoa": "AS",
    "us virgin islands": "VI", "british virgin islands": "VG", "sint maarten": "SX",
    "st martin": "MF", "st barthélemy": "BL", "são tomé & príncipe": "ST",
    "turks & caicos islands": "TC", "st vincent & grenadines": "VC", "kosovo": "XK",
    "caribbean netherlands": "BQ", "falkland islands (islas malvinas)": "FK",
    "french southern territories": "TF", "us outlying islands": "UM",
}  # fmt: skip


def _normalise_country(name: str) -> str:
    return name.lower().replace(".", "").replace("\u2019", "'").strip()


@cache
def country_codes() -> dict[str, str]:
    """Normalised English country name -> ISO 3166-1 alpha-2, from the tz database's
    ``iso3166.tab`` (shipped with every tzdata) plus ``COUNTRY_ALIASES``."""
    codes: dict[str, str] = {}
    for root in zoneinfo.TZPATH:
        tab = Path(root) / "iso3166.tab"
        if tab.is_file():
            for line in tab.read_text(encoding="utf-8").splitlines():
                if line and not line.startswith("#"):
                    code, _, name = line.partition("\t")
                    codes[_normalise_country(name)] = code
            break
    codes.update(COUNTRY_ALIASES)
    return codes


def _param(params: str, key: str) -> str:
    """Value of one event parameter as text, whichever of the four value fields holds it."""
    return (
        f"list_transform(list_filter({params}, lambda p: p ->> '$.key' = '{key}'), "
        f"lambda p: {_param_value('p')})[1]"
    )


def _param_value(p: str) -> str:
    fields = ("string_value", "int_value", "double_value", "float_value")
    return "coalesce(" + ", ".join(f"{p} ->> '$.value.{f}'" for f in fields) + ")"


def _props(params: str) -> str:
    internal = ", ".join(f"'{k}'" for k in INTERNAL_PARAMS)
    entries = (
        f"list_transform(json_extract({params}, '$[*]'), "
        f"lambda p: {{'key': p ->> '$.key', 'value': {_param_value('p')}}})"
    )
    kept = f"list_filter({entries}, lambda e: e.key NOT IN ({internal}) AND e.value IS NOT NULL)"
    # A key repeated in one event would make map_from_entries fail: keep its first value.
    first = f"list_filter({kept}, lambda e, i: list_position(list_transform({kept}, lambda x: x.key), e.key) = i)"  # noqa: E501
    return f"coalesce(map_from_entries({first}), {EMPTY_PROPS})"


def _clean(expr: str) -> str:
    """GA4 placeholders such as '(not set)' or '<Other>' mean unknown."""
    return f"coalesce(CASE WHEN regexp_full_match({expr}, '\\(.*\\)|<.*>') THEN NULL ELSE {expr} END, '')"  # noqa: E501


def _columns(src: Source) -> dict[str, str]:
    """Column -> expression giving it as JSON (nested) or text (scalar), NULL when absent."""
    for name in REQUIRED:
        if name not in src.columns:
            have = ", ".join(c for c in src.columns if c != "_line") or "none"
            raise InvalidInput(
                f"{src.path.name} is not a GA4 export: no column {name!r} (columns: {have})",
                field=name,
            )
    out: dict[str, str] = {}
    for name in REQUIRED + OPTIONAL:
        present = name in src.columns
        nested = name in ("event_params", "device", "geo", "ecommerce")
        out[name] = (as_json(src, name) if nested else text(src, name)) if present else "NULL"
    return out


def _revenue(c: dict[str, str], params: str) -> tuple[str, str]:
    """(amount, currency) of a purchase: ``purchase_revenue`` in the ``currency`` parameter,
    else the USD value GA4 computed; NULL and '' for every other event."""
    local = f"TRY_CAST({c['ecommerce']} ->> '$.purchase_revenue' AS DECIMAL(18, 4))"
    cur = f"upper({_param(params, 'currency')})"
    usd = (
        f"coalesce(TRY_CAST({c['ecommerce']} ->> '$.purchase_revenue_in_usd' AS DECIMAL(18, 4)),"
        f" TRY_CAST({c['event_value_in_usd']} AS DECIMAL(18, 4)))"
    )
    purchase = f"{c['event_name']} = 'purchase'"
    has_local = f"{local} IS NOT NULL AND regexp_full_match({cur}, '[A-Z]{{3}}')"
    amount = f"CASE WHEN NOT {purchase} THEN NULL WHEN {has_local} THEN {local} ELSE {usd} END"
    currency = (
        f"CASE WHEN NOT {purchase} THEN '' WHEN {has_local} THEN {cur} "
        f"WHEN {usd} IS NOT NULL THEN 'USD' ELSE '' END"
    )
    return amount, currency


def _device(c: dict[str, str]) -> dict[str, str]:
    d = c["device"]
    os, os_version = f"({d} ->> '$.operating_system')", f"({d} ->> '$.operating_system_version')"
    # GA4 writes "Windows 10" or "iOS 17.0"; the events table keeps the version alone.
    version = f"CASE WHEN starts_with({os_version}, {os} || ' ') THEN substr({os_version}, length({os}) + 2) ELSE {os_version} END"  # noqa: E501
    category = f"lower({d} ->> '$.category')"
    return {
        "browser": _clean(f"coalesce({d} ->> '$.web_info.browser', {d} ->> '$.browser')"),
        "browser_version": _clean(
            f"coalesce({d} ->> '$.web_info.browser_version', {d} ->> '$.browser_version')"
        ),
        "os": _clean(os),
        "os_version": _clean(version),
        "device": (
            f"CASE WHEN {category} IS NULL THEN '' WHEN {category} IN ('desktop', 'mobile', "
            f"'tablet') THEN upper({category}[1]) || {category}[2:] ELSE 'Other' END"
        ),
        "country": (
            "coalesce((SELECT code FROM ga4_countries WHERE ga4_countries.name = "  # noqa: S608
            f"lower(replace(replace({c['geo']} ->> '$.country', '.', ''), '\u2019', ''''))), '')"
        ),
    }


def _ga4_select(src: Source) -> dict[str, str]:
    c = _columns(src)
    params = f"json_extract({c['event_params']}, '$[*]')"
    amount, currency = _revenue(c, params)
    name = f"CASE {c['event_name']} WHEN 'page_view' THEN 'pageview' ELSE {c['event_name']} END"
    select = {
        "site": "$site",
        "ts": f"timezone('UTC', make_timestamp(TRY_CAST({c['event_timestamp']} AS BIGINT)))",
        "name": name,
        "url": f"coalesce({_param(params, 'page_location')}, '')",
        "referrer": f"coalesce({_param(params, 'page_referrer')}, '')",
        "ip": f"('{KEY_PREFIX}' || {c['user_pseudo_id']})",
        "user_agent": "''",
        "props": _props(c["event_params"]) if c["event_params"] != "NULL" else EMPTY_PROPS,
        "revenue_amount": amount,
        "revenue_currency": currency,
        "interactive": "true",
        "screen_width": "CAST(0 AS USMALLINT)",
        "source_kind": "'ga4'",
    }
    # UTMs stay in page_location's query string, where the pipeline reads them for every
    # source; GA4's collected_traffic_source also holds values it derived itself.
    select.update({utm: "''" for utm in UTM_COLUMNS})
    select.update(_device(c))
    return select


_GA4_CHECKS = [
    ("ts IS NULL", "bad timestamp"),
    ("name IS NULL", "missing event_name"),
    ("ip IS NULL", "missing user_pseudo_id"),
    ("name = 'pageview' AND url = ''", "missing page_location"),
]


def _read_one(path: Path, site: str) -> tuple[pa.Table, ImportReport]:
    report = ImportReport(source=str(path))
    fmt: Format = detect_format(path)
    if fmt == "csv":
        raise InvalidInput(
            f"{path.name}: GA4 exports are read as NDJSON or Parquet", field="format"
        )
    with open_source(path, fmt, report) as src:
        if src.columns.keys() == {"_line"}:
            return imported_hit_schema().empty_table(), report
        names = pa.table({"name": list(country_codes()), "code": list(country_codes().values())})
        src.con.register("ga4_countries", names)
        select = _ga4_select(src)
        skipped = ", ".join(f"'{n}'" for n in SKIPPED_EVENTS)
        select["_skip"] = f"coalesce({text(src, 'event_name')} IN ({skipped}), false)"
        table = run_staged(src, select, _GA4_CHECKS, report, {"site": site}, skip="_skip")
    return table, report


def read_ga4_export(
    paths: list[Path], site: str, progress: ProgressFn | None = None
) -> tuple[pa.Table, ImportReport]:
    """Read GA4 export files into one raw-hit table (``imported_hit_schema()``) and a report;
    ``skipped`` counts the GA4 bookkeeping events listed in ``SKIPPED_EVENTS``."""
    return read_all(paths, lambda path: _read_one(path, site), progress)
