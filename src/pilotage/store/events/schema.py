"""The event store's tables, declared once for every backend.

``events`` holds one row per hit (pageview or custom event). Each row also carries the
attributes of the visit it belongs to (source, channel, UTMs, device, country, entry
page), as Plausible's ``events_v2`` does, so dashboard queries never join or
re-sessionise. ``sessions`` holds one row per visit. Both are ordered by
(site, day, visitor) when written.

Visit attributes are those of the visit's first pageview (or first event when the
visit has no pageview).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    duckdb: str
    clickhouse: str
    help: str


def _s(name: str, help: str) -> Column:
    return Column(name, "VARCHAR NOT NULL DEFAULT ''", "LowCardinality(String)", help)


def _t(name: str, help: str) -> Column:
    return Column(name, "VARCHAR NOT NULL DEFAULT ''", "String", help)


# Attributes of a visit, stored on the sessions row and copied onto each of its events.
VISIT_COLUMNS: tuple[Column, ...] = (
    _t("entry_page", "pathname of the visit's first pageview"),
    _t("referrer", "referrer URL of the visit (host and path, no query string)"),
    _s("referrer_source", "referrer source name, e.g. Google, Facebook, Newsletter"),
    _s("channel", "acquisition channel: Direct, Organic Search, Paid Search, ..."),
    _s("utm_source", "utm_source of the visit's landing URL"),
    _s("utm_medium", "utm_medium"),
    _t("utm_campaign", "utm_campaign"),
    _t("utm_content", "utm_content"),
    _t("utm_term", "utm_term"),
    _s("click_id_param", "ad click identifier present on the landing URL: gclid, fbclid, ..."),
    _s("browser", "browser family"),
    _s("browser_version", "browser major.minor version"),
    _s("os", "operating system family"),
    _s("os_version", "operating system version"),
    _s("device", "device type: Desktop, Mobile, Tablet, Bot, Other"),
    _s("country", "ISO 3166-1 alpha-2 country code, '' when unknown"),
    Column(
        "screen_width",
        "USMALLINT NOT NULL DEFAULT 0",
        "UInt16",
        "viewport width in CSS pixels given by the tracker, 0 when unknown",
    ),
)

EVENT_COLUMNS: tuple[Column, ...] = (
    _s("site", "site domain"),
    Column("ts", "TIMESTAMP NOT NULL", "DateTime64(3, 'UTC')", "UTC time of the hit"),
    _s("name", "event name; 'pageview' for page views"),
    Column("visitor_id", "UBIGINT NOT NULL", "UInt64", "keyed hash of (daily salt, site, IP, UA)"),
    Column("session_id", "UBIGINT NOT NULL", "UInt64", "visit identifier"),
    _s("hostname", "hostname of the page URL"),
    _t("pathname", "path of the page URL, no query string"),
    *VISIT_COLUMNS,
    Column("props", "MAP(VARCHAR, VARCHAR)", "Map(String, String)", "custom properties"),
    Column(
        "revenue_amount",
        "DECIMAL(18, 4)",
        "Nullable(Decimal(18, 4))",
        "revenue of this event in its own currency, NULL when none",
    ),
    _s("revenue_currency", "ISO 4217 currency of revenue_amount"),
    Column(
        "interactive",
        "BOOLEAN NOT NULL DEFAULT TRUE",
        "Bool",
        "false for events that must not turn a bounce into a non-bounce",
    ),
    Column("is_bot", "BOOLEAN NOT NULL DEFAULT FALSE", "Bool", "hit made by a robot"),
    _s("source_kind", "how the event came in: collector, logs, events, ga4, demo"),
)

SESSION_COLUMNS: tuple[Column, ...] = (
    _s("site", "site domain"),
    Column("session_id", "UBIGINT NOT NULL", "UInt64", "visit identifier"),
    Column("visitor_id", "UBIGINT NOT NULL", "UInt64", "visitor of the visit"),
    Column("start", "TIMESTAMP NOT NULL", "DateTime64(3, 'UTC')", "time of the first event"),
    Column("end", "TIMESTAMP NOT NULL", "DateTime64(3, 'UTC')", "time of the last event"),
    Column("duration", "DOUBLE NOT NULL", "Float64", "seconds from first to last event"),
    _s("hostname", "hostname of the entry page"),
    *VISIT_COLUMNS,
    _t("exit_page", "pathname of the visit's last pageview"),
    Column("pageviews", "UINTEGER NOT NULL", "UInt32", "pageviews in the visit"),
    Column("events", "UINTEGER NOT NULL", "UInt32", "events of any kind in the visit"),
    Column(
        "is_bounce",
        "BOOLEAN NOT NULL",
        "Bool",
        "at most one pageview and no interactive custom event",
    ),
    Column("is_bot", "BOOLEAN NOT NULL DEFAULT FALSE", "Bool", "visit made by a robot"),
    _s("source_kind", "how the visit's first event came in"),
)

EVENT_NAMES = tuple(c.name for c in EVENT_COLUMNS)
SESSION_NAMES = tuple(c.name for c in SESSION_COLUMNS)
VISIT_NAMES = tuple(c.name for c in VISIT_COLUMNS)


def quote(name: str) -> str:
    return f'"{name}"'


def duckdb_create(table: str, columns: tuple[Column, ...]) -> str:
    body = ",\n  ".join(f"{quote(c.name)} {c.duckdb}" for c in columns)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {body}\n)"


def clickhouse_create(table: str, columns: tuple[Column, ...], order_by: str) -> str:
    body = ",\n  ".join(f"`{c.name}` {c.clickhouse}" for c in columns)
    return (
        f"CREATE TABLE IF NOT EXISTS {table} (\n  {body}\n) ENGINE = MergeTree ORDER BY {order_by}"
    )
