"""A GoAccess-style report of access logs, computed in DuckDB without a store.

The request counts follow GoAccess 1.7 (``man goaccess``, checked panel by panel
against ``goaccess --log-format=COMBINED -o report.json``, see docs/logs.md):

- total_requests = non-blank, non-comment lines; valid / failed as in :mod:`logs`;
- bandwidth = sum of the response sizes of valid requests (``-`` counts 0);
- a unique visitor is one (IP, date, user agent) triple, the date as written in the log,
  the user agent percent-decoded with ``+`` read as a space; requests answered 4xx do not
  make visitors (GoAccess's default, without ``--4xx-to-unique-count``);
- requests are keyed like GoAccess's panels: (method, protocol, decoded target with its
  query string). A 404 goes to ``not_found``; else a target ending in a GoAccess static
  extension (:data:`STATIC_EXTENSIONS`, case-insensitive, query string included) goes
  to ``static_requests``; the rest is ``requests``, GoAccess's "Requested files" panel.

On top of that, Pilotage's own figures, bots excluded: ``pageviews`` (as defined in
:mod:`logs`), ``visits`` (30 minutes of inactivity end a visit of one (IP, user agent),
:func:`pilotage.collect.sessions.sessionise`), ``bounce_rate`` (percentage of visits
with one pageview) and ``visit_duration`` (mean over all visits of last minus first
pageview time, in seconds) as Plausible defines them
(https://plausible.io/docs/metrics-definitions).
"""

# SQL here is assembled from this module's own table names and from values quoted by
# lit(); no identifier comes from the user.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from pilotage.collect.importers.logs import (
    ProgressCallback,
    flag_bots,
    lit,
    pageview_sql,
    parse_logs,
)
from pilotage.collect.importers.report import FIRST_LINES_KEPT

# GoAccess 1.7's default static files (/etc/goaccess/goaccess.conf, "static-file").
STATIC_EXTENSIONS: tuple[str, ...] = (
    ".css", ".js", ".jpg", ".png", ".gif", ".ico", ".jpeg", ".pdf", ".csv", ".mpeg",
    ".mpg", ".swf", ".woff", ".woff2", ".xls", ".xlsx", ".doc", ".docx", ".ppt", ".pptx",
    ".txt", ".zip", ".ogg", ".mp3", ".mp4", ".exe", ".iso", ".gz", ".rar", ".svg", ".bmp",
    ".tar", ".tgz", ".tiff", ".tif", ".ttf", ".flv", ".dmg", ".xz", ".zst",
)  # fmt: skip
REQ = "_pilotage_report_requests"


def _prepare(con: duckdb.DuckDBPyConnection, parsed: str, bots: str) -> None:
    """REQ: valid requests with their visitor key, panel and bot flag."""
    ua_key = (
        "CASE WHEN trim(user_agent) IN ('', '-') THEN '-' "
        "WHEN contains(user_agent, '%') OR contains(user_agent, '+') THEN "
        "trim(replace(coalesce(try(url_decode(user_agent)), user_agent), '+', ' ')) "
        "ELSE trim(user_agent) END"
    )
    # "ends with .ext" for alphanumeric extensions, as one regex and a hash lookup
    exts = ", ".join(lit(e[1:]) for e in STATIC_EXTENSIONS)
    static = f"lower(regexp_extract(request, '\\.([A-Za-z0-9]+)$', 1)) IN ({exts})"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {REQ} AS
        WITH agents AS (SELECT user_agent, is_bot, {ua_key} AS ua_key FROM {bots})
        SELECT p.*, coalesce(b.is_bot, false) AS is_bot,
            CASE WHEN status BETWEEN 400 AND 499 THEN NULL
                 ELSE hash(ip, day, b.ua_key) END AS visitor,
            CASE WHEN status = 404 THEN 'not_found'
                 WHEN {static} THEN 'static_requests'
                 ELSE 'requests' END AS panel,
            {pageview_sql()} AS pageview
        FROM {parsed} p LEFT JOIN agents b USING (user_agent)
        WHERE ok
    """)


def _general(con: duckdb.DuckDBPyConnection, parsed: str) -> dict[str, Any]:
    row = con.execute(f"""
        SELECT count(*), count(*) FILTER (ok), count(*) FILTER (NOT ok),
            coalesce(sum(bytes) FILTER (ok), 0)::UBIGINT,
            (SELECT count(DISTINCT visitor) FROM {REQ}),
            min(day) FILTER (ok), max(day) FILTER (ok)
        FROM {parsed}
    """).fetchone()
    assert row is not None
    keys = ("total_requests", "valid_requests", "failed_requests", "bandwidth")
    out: dict[str, Any] = dict(zip(keys, row[:4], strict=True))
    out["unique_visitors"] = row[4]
    out["start_date"], out["end_date"] = (_iso(row[5]), _iso(row[6]))
    return out


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _days(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute(f"""
        SELECT day, count(*), count(DISTINCT visitor), sum(bytes)::UBIGINT
        FROM {REQ} GROUP BY day ORDER BY day
    """).fetchall()
    return [{"day": _iso(d), "hits": h, "visitors": v, "bytes": b} for d, h, v, b in rows]


def _statuses(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute(f"""
        SELECT status, count(*), count(DISTINCT visitor), sum(bytes)::UBIGINT
        FROM {REQ} GROUP BY status ORDER BY count(*) DESC, status
    """).fetchall()
    return [{"status": s, "hits": h, "visitors": v, "bytes": b} for s, h, v, b in rows]


def _panel(con: duckdb.DuckDBPyConnection, panel: str, top: int) -> dict[str, Any]:
    """A request panel: its totals and its ``top`` keys by hits (ties by key)."""
    method = "CASE WHEN method = '' OR protocol = '' THEN '---' ELSE method END"
    protocol = (
        "CASE WHEN method = '' OR protocol = '' THEN '---' "
        "ELSE regexp_replace(protocol, '^HTTP/([23])\\.0$', 'HTTP/\\1') END"
    )
    rows = con.execute(
        f"""
        SELECT request, {method} AS m, {protocol} AS pr, count(*) AS hits,
            count(DISTINCT visitor), sum(bytes)::UBIGINT
        FROM {REQ} WHERE panel = ? GROUP BY ALL
        ORDER BY hits DESC, request, m, pr LIMIT ?
    """,
        [panel, top],
    ).fetchall()
    total = con.execute(
        f"SELECT count(*), count(DISTINCT (request, method, protocol)) FROM {REQ} WHERE panel = ?",
        [panel],
    ).fetchone() or (0, 0)
    items = [
        {"request": r, "method": m, "protocol": p, "hits": h, "visitors": v, "bytes": b}
        for r, m, p, h, v, b in rows
    ]
    return {"hits": total[0], "unique": total[1], "items": items}


def _visits(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Pilotage's pageviews, visits, bounce rate and visit duration, bots excluded."""
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW _pilotage_report_pv AS
        SELECT 'logs' AS site, hash(ip, user_agent) AS visitor_id, ts, 'pageview' AS name,
            vhost AS hostname, path AS pathname, true AS interactive, is_bot
        FROM {REQ} WHERE pageview AND NOT is_bot
    """)
    from pilotage.store.events.sessionise import sessionise

    sessionise(con, "_pilotage_report_pv", "_pilotage_report_events", "_pilotage_report_visits")
    row = con.execute("""
        SELECT count(*), coalesce(sum(pageviews), 0)::BIGINT,
            coalesce(100.0 * avg(is_bounce::INTEGER), 0), coalesce(avg(duration), 0)
        FROM _pilotage_report_visits
    """).fetchone()
    assert row is not None
    (bots,) = con.execute(f"SELECT count(*) FROM {REQ} WHERE pageview AND is_bot").fetchone() or (
        0,
    )
    return {
        "visits": row[0],
        "pageviews": row[1],
        "bounce_rate": round(row[2], 1),
        "visit_duration": round(row[3], 1),
        "bot_pageviews": bots,
    }


def _rejected(con: duckdb.DuckDBPyConnection, parsed: str) -> dict[str, Any]:
    rows = con.execute(f"""
        SELECT reason, count(*),
            list(line_no ORDER BY file_no, line_no)[1:{FIRST_LINES_KEPT}]
        FROM {parsed} WHERE NOT ok GROUP BY reason ORDER BY count(*) DESC, reason
    """).fetchall()
    return {r: {"count": n, "first_lines": list(first)} for r, n, first in rows}


def report(
    paths: Sequence[Path],
    fmt: str = "combined",
    top: int = 20,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """The report of the access logs ``paths`` as a JSON-ready dict (see module doc)."""
    con = duckdb.connect()
    try:
        parsed = parse_logs(con, paths, fmt, progress)
        _prepare(con, parsed, flag_bots(con, parsed))
        out: dict[str, Any] = {"files": [str(p) for p in paths], "log_format": fmt}
        out.update(_general(con, parsed))
        out.update(_visits(con))
        out["days"] = _days(con)
        out["status_codes"] = _statuses(con)
        for panel in ("requests", "static_requests", "not_found"):
            out[panel] = _panel(con, panel, top)
        out["rejected"] = _rejected(con, parsed)
        return out
    finally:
        con.close()
