"""Sessionisation in SQL: 30 minutes of inactivity end a visit.

The rule is the one Plausible and Google Analytics use: events of one visitor, ordered by
time, belong to the same visit while the gap between two consecutive events is at most
the timeout (30 minutes by default). A visit's attributes (referrer, source, channel, UTMs,
device, country, hostname) are those of its first pageview, or of its first event when
it has none. Entry page = first pageview's path, exit page = last pageview's path;
pageviews = number of pageviews; duration = last event - first event (seconds);
bounce = at most one pageview and no interactive custom event.

Sessions are computed from the set of events alone, so the result does not depend on
the order or the batching in which events arrived.
"""

from __future__ import annotations

import duckdb

from pilotage.store.events.schema import (
    EVENT_COLUMNS,
    SESSION_NAMES,
    VISIT_COLUMNS,
    quote,
)

ORDER = "ts, (name <> 'pageview'), pathname, hostname"
VISIT_ATTRS = tuple(c for c in VISIT_COLUMNS if c.name != "entry_page")


def _defaults(columns: set[str]) -> str:
    """Columns of the visit attributes missing from the source, as SQL defaults."""
    parts = []
    for c in VISIT_ATTRS:
        if c.name not in columns:
            parts.append(f"{'0' if c.name == 'screen_width' else chr(39) * 2} AS {c.name}")
    return "".join(f", {p}" for p in parts)


def sessionise(
    con: duckdb.DuckDBPyConnection,
    source: str,
    events_out: str,
    sessions_out: str,
    timeout_minutes: int = 30,
) -> None:
    """Read ``source`` (site, visitor_id, ts, name, hostname, pathname, interactive, is_bot
    and any event columns) and write temp tables ``events_out`` (the event columns, with
    session_id, entry_page and the visit's attributes) and ``sessions_out``.
    Visit attribute columns missing from the source are taken as empty."""
    cols = {r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()}
    gap = f"INTERVAL {int(timeout_minutes)} MINUTE"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _numbered AS
        WITH src AS (SELECT *{_defaults(cols)} FROM {source}),
        flagged AS (
            SELECT *, CASE WHEN ts - lag(ts) OVER w <= {gap} THEN 0 ELSE 1 END AS _new
            FROM src WINDOW w AS (PARTITION BY site, visitor_id ORDER BY {ORDER})
        )
        SELECT *, sum(_new) OVER (PARTITION BY site, visitor_id ORDER BY {ORDER}
                                  ROWS UNBOUNDED PRECEDING) AS _seq
        FROM flagged
    """)
    first = f"(name <> 'pageview'), {ORDER}"
    attrs = ",\n".join(f"first({c.name} ORDER BY {first}) AS {c.name}" for c in VISIT_ATTRS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _visits AS
        SELECT site, visitor_id, _seq,
            hash(site, visitor_id, min(ts)) AS session_id,
            min(ts) AS start, max(ts) AS "end",
            (epoch_us(max(ts)) - epoch_us(min(ts))) / 1e6 AS duration,
            first(hostname ORDER BY {first}) AS hostname,
            coalesce(first(pathname ORDER BY {ORDER}) FILTER (name = 'pageview'),
                     first(pathname ORDER BY {ORDER})) AS entry_page,
            {attrs},
            coalesce(last(pathname ORDER BY {ORDER}) FILTER (name = 'pageview'),
                     last(pathname ORDER BY {ORDER})) AS exit_page,
            count(*) FILTER (name = 'pageview')::UINTEGER AS pageviews,
            count(*)::UINTEGER AS events,
            (count(*) FILTER (name = 'pageview') <= 1
             AND count(*) FILTER (name <> 'pageview' AND interactive) = 0) AS is_bounce,
            bool_or(is_bot) AS is_bot,
            first({"source_kind" if "source_kind" in cols else "''"} ORDER BY {ORDER})
                AS source_kind
        FROM _numbered GROUP BY site, visitor_id, _seq
    """)
    session_cols = ", ".join(quote(n) for n in SESSION_NAMES)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {sessions_out} AS "
        f"SELECT {session_cols} FROM _visits ORDER BY site, start::DATE, visitor_id"
    )
    visit_names = {"entry_page", *(c.name for c in VISIT_ATTRS)}
    select = []
    for c in EVENT_COLUMNS:
        if c.name == "session_id" or c.name in visit_names:
            select.append(f"v.{quote(c.name)}")
        elif c.name in cols or c.name in ("site", "visitor_id"):
            select.append(f"n.{quote(c.name)}")
        else:
            select.append(f"NULL::{c.duckdb.split(' NOT NULL')[0]} AS {quote(c.name)}")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {events_out} AS
        SELECT {", ".join(select)}
        FROM _numbered n JOIN _visits v USING (site, visitor_id, _seq)
        ORDER BY n.site, n.ts::DATE, n.visitor_id, n.ts
    """)
    con.execute("DROP TABLE _numbered; DROP TABLE _visits")
