"""From raw hits to staged events: the enrichment shared by the collector and importers.

Every derived field is computed by a cached function of one distinct input value (user
agent, page URL + referrer, IP, visitor key), so a million log lines cost as many calls
as they have distinct values. IPs and user agents go into the visitor hash, the device
and the country, and no further.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.compute as pc

from pilotage.collect.enrich import geo, referrer, useragent
from pilotage.collect.salts import Salts, visitor_id
from pilotage.store.events import STAGED_NAMES

T = TypeVar("T")
SEP = "\x1f"
AGENT_FIELDS = ("browser", "browser_version", "os", "os_version", "device")
ACQUISITION_FIELDS = (
    "referrer",
    "referrer_source",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "click_id_param",
)
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
# Fields an importer may give directly (GA4 exports carry device and country, no UA).
GIVEN_FIELDS = (*AGENT_FIELDS, "country")


_TYPES = {
    "ts": pa.timestamp("us"),
    "visitor_id": pa.uint64(),
    "prev_visitor_id": pa.uint64(),
    "screen_width": pa.uint16(),
    "props": pa.map_(pa.string(), pa.string()),
    "revenue_amount": pa.decimal128(18, 4),
    "interactive": pa.bool_(),
    "is_bot": pa.bool_(),
}
STAGED_SCHEMA = pa.schema(
    [(n, _TYPES.get(n, pa.string())) for n in (*STAGED_NAMES, "prev_visitor_id")]
)


def staged_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=STAGED_SCHEMA)


class MissingSalt(Exception):
    """A hit dated on a day whose salt no longer exists (older than yesterday)."""


@lru_cache(maxsize=65536)
def agent_fields(ua: str) -> tuple[str, str, str, str, str, bool]:
    a = useragent.parse(ua)
    return (a.browser, a.browser_version, a.os, a.os_version, a.device, a.is_bot)


@lru_cache(maxsize=65536)
def url_parts(url: str) -> tuple[str, str]:
    """(hostname, pathname) of a page URL; path '/' when empty."""
    try:
        parts = urlsplit(url)
        return (parts.hostname or "", parts.path or "/")
    except ValueError:
        return ("", "/")


@lru_cache(maxsize=65536)
def acquisition_fields(url: str, ref: str, site: str) -> tuple[str, ...]:
    acq = referrer.classify(url, ref, site)
    return tuple(getattr(acq, f) for f in ACQUISITION_FIELDS)


def visitor_ids(salts: Salts, site: str, day: date, ip: str, ua: str) -> tuple[int, int]:
    """(today's id, yesterday's id or 0) of one person on ``day``."""
    salt = salts.for_day(day)
    if salt is None:
        raise MissingSalt(day.isoformat())
    prev_salt = salts.for_day(day - timedelta(days=1))
    prev = visitor_id(prev_salt, site, ip, ua) if prev_salt else 0
    return visitor_id(salt, site, ip, ua), prev


def enrich_one(hit: dict[str, Any], salts: Salts) -> dict[str, Any]:
    """Staged event (STAGED_NAMES + prev_visitor_id) of one raw hit given as a dict with the
    raw-hit fields; ``ts`` a UTC-aware datetime."""
    get = hit.get
    site, ua, ip, url = hit["site"], get("user_agent", ""), get("ip", ""), hit["url"]
    ts = hit["ts"]
    vid, prev = visitor_ids(salts, site, ts.date(), ip, ua)
    browser, bver, os_, osver, device, is_bot = agent_fields(ua)
    hostname, pathname = url_parts(url)
    if get("hash_mode"):  # single-page apps routing on the fragment: #/route is a page
        fragment = url.partition("#")[2]
        pathname = f"{pathname}#{fragment}" if fragment else pathname
    ref, source, channel, u_source, u_medium, u_campaign, u_content, u_term, click = (
        acquisition_fields(url, get("referrer", ""), site)
    )
    # One dict literal in ACQUISITION_FIELDS / AGENT_FIELDS order: the collector builds
    # one per event, and merging zipped dicts cost as much as the rest of the function.
    return {
        "site": site,
        "ts": ts.replace(tzinfo=None),
        "name": hit["name"],
        "visitor_id": vid,
        "prev_visitor_id": prev,
        "hostname": hostname,
        "pathname": pathname,
        "referrer": ref,
        "referrer_source": source,
        "channel": channel,
        "utm_source": u_source,
        "utm_medium": u_medium,
        "utm_campaign": u_campaign,
        "utm_content": u_content,
        "utm_term": u_term,
        "click_id_param": click,
        "browser": browser,
        "browser_version": bver,
        "os": os_,
        "os_version": osver,
        "device": device,
        "country": geo.country(ip),
        "screen_width": get("screen_width", 0),
        "props": get("props") or {},
        "revenue_amount": get("revenue_amount"),
        "revenue_currency": get("revenue_currency", ""),
        "interactive": get("interactive", True),
        "is_bot": is_bot,
        "source_kind": get("source_kind", "collector"),
    }


def _per_distinct(
    column: pa.ChunkedArray | pa.Array, fn: Callable[[str], T]
) -> tuple[list[T], pa.Array]:
    """Apply ``fn`` once per distinct value; returns the results and each row's index."""
    uniq = pc.unique(column)
    results = [fn(v) for v in uniq.to_pylist()]
    return results, pc.index_in(column, value_set=uniq)


def _spread(
    results: Sequence[Sequence[Any]], index: pa.Array, names: Sequence[str], types: Sequence[Any]
) -> dict[str, pa.Array]:
    out = {}
    for i, (name, type_) in enumerate(zip(names, types, strict=True)):
        values = pa.array([r[i] for r in results], type=type_)
        out[name] = values.take(index)
    return out


def _join(table: pa.Table, names: Sequence[str]) -> pa.ChunkedArray:
    parts = [pc.cast(table[n], pa.string()) for n in names]
    return pc.binary_join_element_wise(*parts, SEP)


def enrich_table(raw: pa.Table, salts: Salts) -> pa.Table:
    """Staged events (STAGED_NAMES + prev_visitor_id) of a raw-hit table, vectorised."""
    raw = raw.combine_chunks()
    n = raw.num_rows
    cols: dict[str, Any] = {
        "site": raw["site"],
        "ts": pc.cast(raw["ts"], pa.timestamp("us")),
        "name": raw["name"],
    }
    day = pc.cast(raw["ts"], pa.date32())
    keyed = raw.append_column("day", day)
    results, idx = _per_distinct(
        _join(keyed, ["site", "day", "ip", "user_agent"]),
        _IdsOfKey(salts),
    )
    cols.update(_spread(results, idx, ["visitor_id", "prev_visitor_id"], [pa.uint64()] * 2))
    url_res, idx = _per_distinct(raw["url"], url_parts)
    cols.update(_spread(url_res, idx, ["hostname", "pathname"], [pa.string()] * 2))
    utm_given = [n for n in UTM_FIELDS if n in raw.column_names]
    acq_res, idx = _per_distinct(
        _join(raw, ["url", "referrer", "site", *utm_given]),
        lambda k: _acquisition_of_key(k, utm_given),
    )
    cols.update(_spread(acq_res, idx, ACQUISITION_FIELDS, [pa.string()] * 9))
    ua_res, idx = _per_distinct(raw["user_agent"], agent_fields)
    names = (*AGENT_FIELDS, "is_bot")
    cols.update(_spread(ua_res, idx, names, [pa.string()] * 5 + [pa.bool_()]))
    geo_res, idx = _per_distinct(raw["ip"], lambda ip: (geo.country(ip),))
    cols.update(_spread(geo_res, idx, ["country"], [pa.string()]))
    for name in GIVEN_FIELDS:
        if name in raw.column_names:
            given = raw[name]
            cols[name] = pc.if_else(pc.greater(pc.utf8_length(given), 0), given, cols[name])
    for name in ("screen_width", "props", "revenue_amount", "revenue_currency"):
        cols[name] = raw[name]
    cols["interactive"] = pc.fill_null(raw["interactive"], True)
    cols["source_kind"] = raw["source_kind"]
    if n == 0:
        return STAGED_SCHEMA.empty_table()
    return pa.table({k: cols[k] for k in STAGED_SCHEMA.names}).cast(STAGED_SCHEMA)


def with_utm(url: str, utm: dict[str, str]) -> str:
    """``url`` with the given UTM values set in its query string (importers that carry
    UTMs in columns of their own)."""
    utm = {k: v for k, v in utm.items() if v}
    if not utm:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in utm]
    return urlunsplit(parts._replace(query=urlencode([*query, *utm.items()])))


def _acquisition_of_key(key: str, utm_given: list[str]) -> tuple[str, ...]:
    url, ref, site, *utm = key.split(SEP)
    return acquisition_fields(with_utm(url, dict(zip(utm_given, utm, strict=True))), ref, site)


class _IdsOfKey:
    """Visitor ids of "site, day, ip, ua" keys, with each day's salts looked up once."""

    def __init__(self, salts: Salts) -> None:
        self.salts = salts
        self.days: dict[str, tuple[bytes, bytes | None]] = {}

    def __call__(self, key: str) -> tuple[int, int]:
        site, day, ip, ua = key.split(SEP, 3)
        pair = self.days.get(day)
        if pair is None:
            d = date.fromisoformat(day)
            salt = self.salts.for_day(d)
            if salt is None:
                raise MissingSalt(day)
            pair = self.days[day] = (salt, self.salts.for_day(d - timedelta(days=1)))
        salt, prev_salt = pair
        prev = visitor_id(prev_salt, site, ip, ua) if prev_salt else 0
        return visitor_id(salt, site, ip, ua), prev
