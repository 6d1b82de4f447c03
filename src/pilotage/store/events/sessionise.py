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


def _key(*parts: str) -> str:
    """A struct of ``parts``: DuckDB compares structs field by field, in order."""
    return "{" + ", ".join(f"'k{i}': {p}" for i, p in enumerate(parts)) + "}"


def _table_with_rowid(con: duckdb.DuckDBPyConnection, source: str) -> str:
    """``source`` itself when it is a table (rows have a rowid), else a temp copy of it."""
    try:
        con.execute(f"SELECT rowid FROM {source} LIMIT 0")
        return source
    except duckdb.Error:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _src AS SELECT * FROM {source}")
        return "_src"


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
    Visit attribute columns missing from the source are taken as empty.

    The windows and the aggregate run over the narrow columns the rule needs, keyed by
    the source's rowid; the wide rows are read twice only: once for the attributes of each
    visit's first row, once to write the events."""
    cols = {r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()}
    src = _table_with_rowid(con, source)
    gap = f"INTERVAL {int(timeout_minutes)} MINUTE"
    source_kind = "source_kind" if "source_kind" in cols else "''"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _keys AS
        WITH base AS (
            SELECT rowid AS _r, site, visitor_id, ts, name, pathname, hostname, interactive,
                   is_bot, {source_kind} AS source_kind
            FROM {src}
        ),
        flagged AS (
            SELECT *, CASE WHEN ts - lag(ts) OVER w <= {gap} THEN 0 ELSE 1 END AS _new
            FROM base WINDOW w AS (PARTITION BY site, visitor_id ORDER BY {ORDER})
        )
        SELECT *, sum(_new) OVER (PARTITION BY site, visitor_id ORDER BY {ORDER}
                                  ROWS UNBOUNDED PRECEDING) AS _seq
        FROM flagged
    """)
    key = "ts, name <> 'pageview', pathname, hostname"
    by_order = _key("ts", "name <> 'pageview'", "pathname", "hostname")
    pageviews_first = _key("name <> 'pageview'", *key.split(", "))
    pageviews_last = _key("name = 'pageview'", *key.split(", "))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _aggregates AS
        SELECT site, visitor_id, _seq,
            hash(site, visitor_id, min(ts)) AS session_id,
            min(ts) AS start, max(ts) AS "end",
            (epoch_us(max(ts)) - epoch_us(min(ts))) / 1e6 AS duration,
            arg_min(_r, {pageviews_first}) AS _first_row,
            arg_max(pathname, {pageviews_last}) AS exit_page,
            count(*) FILTER (name = 'pageview')::UINTEGER AS pageviews,
            count(*)::UINTEGER AS events,
            (count(*) FILTER (name = 'pageview') <= 1
             AND count(*) FILTER (name <> 'pageview' AND interactive) = 0) AS is_bounce,
            bool_or(is_bot) AS is_bot,
            arg_min(source_kind, {by_order}) AS source_kind
        FROM _keys GROUP BY site, visitor_id, _seq
    """)
    attrs = ", ".join(f"f.{c.name}" if c.name in cols else _default(c.name) for c in VISIT_ATTRS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _visits AS
        SELECT a.site, a.visitor_id, a._seq, a.session_id, a.start, a."end", a.duration,
            f.hostname AS hostname, f.pathname AS entry_page, {attrs},
            a.exit_page, a.pageviews, a.events, a.is_bounce, a.is_bot, a.source_kind
        FROM _aggregates a JOIN {src} f ON f.rowid = a._first_row
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
        elif c.name in cols:
            select.append(f"s.{quote(c.name)}")
        else:
            select.append(f"NULL::{c.duckdb.split(' NOT NULL')[0]} AS {quote(c.name)}")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {events_out} AS
        SELECT {", ".join(select)}
        FROM {src} s JOIN _keys k ON s.rowid = k._r
            JOIN _visits v ON v.site = k.site AND v.visitor_id = k.visitor_id AND v._seq = k._seq
        ORDER BY s.site, s.ts::DATE, s.visitor_id, s.ts
    """)
    for table in ("_keys", "_aggregates", "_visits"):
        con.execute(f"DROP TABLE {table}")
    if src != source:
        con.execute(f"DROP TABLE {src}")


def _default(name: str) -> str:
    return f"{'0' if name == 'screen_width' else chr(39) * 2} AS {name}"


def touched_sql(timeout_minutes: int) -> str:
    """SQL creating ``_touched``: the stored visits the events of ``_incoming`` can join
    (same visitor, ending at most one timeout before its first new event or starting at
    most one timeout after its last), with ``lo``, the visitor's first new event, and
    ``_extend``: whether the new events only extend that visit. They do when it is the
    visitor's only touched visit, all new events come strictly after its end (so they
    sort after every stored event of it) and the visit keeps its first pageview (it has
    one, or the new events bring none): its start, id and attributes then stay."""
    gap = f"INTERVAL {int(timeout_minutes)} MINUTE"
    return f"""
        CREATE OR REPLACE TEMP TABLE _touched AS
        SELECT s.*, a.lo,
            (count(*) OVER (PARTITION BY s.site, s.visitor_id) = 1
             AND a.lo > s."end" AND (s.pageviews > 0 OR a.pv = 0)) AS _extend
        FROM sessions s JOIN (
            SELECT site, visitor_id, min(ts) AS lo, max(ts) AS hi,
                   count(*) FILTER (name = 'pageview') AS pv
            FROM _incoming GROUP BY site, visitor_id
        ) a ON s.site = a.site AND s.visitor_id = a.visitor_id
        WHERE s."end" >= a.lo - {gap} AND s.start <= a.hi + {gap}
    """


def extend_visits(
    con: duckdb.DuckDBPyConnection, touched: str, events_out: str, sessions_out: str
) -> None:
    """Merge each new visit starting at a visitor's first new event into the stored visit
    it extends (``touched`` rows with ``_extend``), following the rules of
    :func:`sessionise`: the stored visit keeps its id, start and attributes (its first
    pageview comes first); end, exit page, counts, bounce and bot flag combine. The new
    visit's events take the stored visit's id and attributes; its row is dropped from
    ``sessions_out`` and the stored row updated instead."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _extended AS
        SELECT t.*, v.session_id AS _new_id, v."end" AS _new_end, v.exit_page AS _new_exit,
            v.pageviews AS _new_pv, v.events AS _new_events, v.is_bounce AS _new_bounce,
            v.is_bot AS _new_bot
        FROM {touched} t JOIN {sessions_out} v
            ON v.site = t.site AND v.visitor_id = t.visitor_id AND v.start = t.lo
        WHERE t._extend
    """)
    same = "{t}.site = x.site AND {t}.visitor_id = x.visitor_id AND {t}.session_id = x.{id}"
    con.execute(f"""
        UPDATE sessions SET "end" = x._new_end,
            duration = (epoch_us(x._new_end) - epoch_us(x.start)) / 1e6,
            exit_page = CASE WHEN x._new_pv = 0 AND x.pageviews > 0 THEN x.exit_page
                             ELSE x._new_exit END,
            pageviews = x.pageviews + x._new_pv,
            events = x.events + x._new_events,
            is_bounce = (x.pageviews + x._new_pv <= 1 AND x.is_bounce AND x._new_bounce),
            is_bot = (x.is_bot OR x._new_bot)
        FROM _extended x WHERE {same.format(t="sessions", id="session_id")}
    """)
    attrs = ", ".join(f"{quote(c.name)} = x.{quote(c.name)}" for c in VISIT_COLUMNS)
    con.execute(f"""
        UPDATE {events_out} SET session_id = x.session_id, {attrs}
        FROM _extended x WHERE {same.format(t=events_out, id="_new_id")}
    """)
    con.execute(
        f"DELETE FROM {sessions_out} USING _extended x "
        f"WHERE {same.format(t=sessions_out, id='_new_id')}"
    )
    con.execute("DROP TABLE _extended")
