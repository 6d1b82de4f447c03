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

Two ways to the same visits: :func:`sessionise` numbers visits with DuckDB windows over
narrow columns (any table, any size); the store's ingest numbers a batch's visits in Arrow
(:func:`number_visits`) and, its rows being in visit order, picks first and last rows by
rowid. On batches of a few thousand events DuckDB's fixed cost per window, aggregate and
join dominates, so fewer of them is what makes the writer loop cheap.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

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
    Visit attribute columns missing from the source are taken as empty."""
    cols = {r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()}
    src = _table_with_rowid(con, source)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _keys AS {keys_sql(src, cols, timeout_minutes)}")
    build_visits(con, src, cols, "_keys")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {sessions_out} AS {visit_rows_sql()}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {events_out} AS {event_rows_sql(src, cols, '_keys')}"
    )
    for table in ("_keys", "_visits"):
        con.execute(f"DROP TABLE {table}")
    if src != source:
        con.execute(f"DROP TABLE {src}")


def _narrow(src: str, cols: set[str], *extra: str) -> str:
    source_kind = "source_kind" if "source_kind" in cols else "''"
    return (
        "rowid AS _r, site, visitor_id, ts, name, pathname, hostname, interactive, is_bot, "
        f"{source_kind} AS source_kind{''.join(', ' + e for e in extra)} FROM {src}"
    )


def keys_sql(src: str, cols: set[str], timeout_minutes: int) -> str:
    """The narrow columns of each row of ``src`` the rule needs, keyed by its rowid
    (``_r``), with ``_seq``: the number of its visit among its visitor's visits. The
    windows run over these narrow columns only, not over the wide rows."""
    gap = f"INTERVAL {int(timeout_minutes)} MINUTE"
    return f"""
        WITH base AS (SELECT {_narrow(src, cols)}),
        flagged AS (
            SELECT *, CASE WHEN ts - lag(ts) OVER w <= {gap} THEN 0 ELSE 1 END AS _new
            FROM base WINDOW w AS (PARTITION BY site, visitor_id ORDER BY {ORDER})
        )
        SELECT *, sum(_new) OVER (PARTITION BY site, visitor_id ORDER BY {ORDER}
                                  ROWS UNBOUNDED PRECEDING) AS _seq
        FROM flagged
    """


def number_visits(table: pa.Table, timeout_minutes: int) -> pa.Table:
    """``table`` sorted by site, visitor and ORDER, with ``_seq`` numbering its visits by
    the rule of :func:`keys_sql` (a gap of more than the timeout since the visitor's
    previous event starts a visit), computed in Arrow. Visits are numbered across the
    table rather than per visitor; only (site, visitor_id, _seq) is used as a key. On a
    batch of a few thousand events this costs about a millisecond, where DuckDB's two
    windows cost ten to thirty."""
    order = pa.table(
        {
            "site": table["site"],
            "visitor_id": table["visitor_id"],
            "ts": table["ts"],
            "other": pc.not_equal(table["name"], "pageview"),
            "pathname": table["pathname"],
            "hostname": table["hostname"],
        }
    )
    keys = [(name, "ascending") for name in order.column_names]
    table = table.take(pc.sort_indices(order, sort_keys=keys))
    if table.num_rows == 0:
        return table.append_column("_seq", pa.array([], pa.int64()))
    site, visitor = table["site"].combine_chunks(), table["visitor_id"].combine_chunks()
    micros = pa.timestamp("us", getattr(table.schema.field("ts").type, "tz", None))
    ts = pc.cast(pc.cast(table["ts"], micros), pa.int64()).combine_chunks()
    gap = int(timeout_minutes) * 60 * 1_000_000
    starts = pc.or_(
        pc.or_(pc.not_equal(site[1:], site[:-1]), pc.not_equal(visitor[1:], visitor[:-1])),
        pc.greater(pc.subtract(ts[1:], ts[:-1]), gap),
    )
    first = pa.concat_arrays([pa.array([True]), starts])
    return table.append_column("_seq", pc.cumulative_sum(pc.cast(first, pa.int64())))


def _picks(ordered: bool) -> dict[str, str]:
    """The aggregates choosing a visit's first row, exit page and source kind. When the
    rows of each visit are in rowid order by ORDER (``ordered``), the first row is the
    one with the smallest rowid and the last the one with the largest: plain min and
    max, where ordering by the struct keys builds a struct per row."""
    if ordered:
        pv = "FILTER (name = 'pageview')"
        return {
            "_first_row": f"coalesce(min(_r) {pv}, min(_r))",
            "exit_page": f"CASE WHEN count(*) {pv} > 0 THEN arg_max(pathname, _r) {pv} "
            "ELSE arg_max(pathname, _r) END",
            "source_kind": "arg_min(source_kind, _r)",
        }
    key = ("ts", "name <> 'pageview'", "pathname", "hostname")
    pageviews_first = _key("name <> 'pageview'", *key)
    pageviews_last = _key("name = 'pageview'", *key)
    return {
        "_first_row": f"arg_min(_r, {pageviews_first})",
        "exit_page": f"arg_max(pathname, {pageviews_last})",
        "source_kind": f"arg_min(source_kind, {_key(*key)})",
    }


def build_visits(
    con: duckdb.DuckDBPyConnection,
    src: str,
    cols: set[str],
    keys: str | None,
    extend: str | None = None,
) -> None:
    """Temp table ``_visits``: one row per visit of ``src``, with the attributes of its
    first row. ``keys`` is a table made by :func:`keys_sql`, or None when ``src`` has a
    ``_seq`` column of its own (see :func:`number_visits`).

    The aggregate runs over the narrow columns the rule needs; the wide rows are read
    twice only: once here for the attributes of each visit's first row, once by
    :func:`event_rows_sql` to write the events. With ``extend`` (a table made by
    :func:`touched_sql`), a visit starting at its visitor's first new event merges into
    the stored visit it extends (see :func:`_merged`) and ``_visits._extends`` says so."""
    narrow = keys or f"(SELECT {_narrow(src, cols, '_seq')})"
    aggregates = _aggregates_sql(narrow, ordered=keys is None)
    attrs = [f"f.{c.name}" if c.name in cols else _default(c.name) for c in VISIT_ATTRS]
    if extend is None:
        select = (
            'a.site, a.visitor_id, a._seq, a.session_id, a.start, a."end", a.duration, '
            f"f.hostname AS hostname, f.pathname AS entry_page, {', '.join(attrs)}, "
            "a.exit_page, a.pageviews, a.events, a.is_bounce, a.is_bot, a.source_kind"
        )
        joined = ""
    else:
        select = _merged(attrs)
        joined = (
            f"LEFT JOIN {extend} t ON t._extend AND t.site = a.site "
            "AND t.visitor_id = a.visitor_id AND t.lo = a.start"
        )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _visits AS
        WITH a AS ({aggregates})
        SELECT {select}
        FROM a JOIN {src} f ON f.rowid = a._first_row {joined}
    """)


def _aggregates_sql(narrow: str, ordered: bool) -> str:
    """One row per visit of the narrow rows ``narrow``: counts, times, flags and the rowid
    of its first row (``_first_row``)."""
    pick = _picks(ordered)
    return f"""
        SELECT site, visitor_id, _seq,
            hash(site, visitor_id, min(ts)) AS session_id,
            min(ts) AS start, max(ts) AS "end",
            (epoch_us(max(ts)) - epoch_us(min(ts))) / 1e6 AS duration,
            {pick["_first_row"]} AS _first_row,
            {pick["exit_page"]} AS exit_page,
            count(*) FILTER (name = 'pageview')::UINTEGER AS pageviews,
            count(*)::UINTEGER AS events,
            (count(*) FILTER (name = 'pageview') <= 1
             AND count(*) FILTER (name <> 'pageview' AND interactive) = 0) AS is_bounce,
            bool_or(is_bot) AS is_bot,
            {pick["source_kind"]} AS source_kind
        FROM {narrow} GROUP BY site, visitor_id, _seq
    """


def _merged(attrs: list[str]) -> str:
    """The columns of ``_visits`` when a new visit ``a`` (first row ``f``) may extend a
    stored visit ``t``, following the rules of :func:`sessionise`: the stored visit keeps
    its id, start and attributes (its first pageview comes first); end, exit page, counts,
    bounce and bot flag combine."""
    ext = "(t.session_id IS NOT NULL)"
    kept = ", ".join(
        f"CASE WHEN {ext} THEN t.{quote(c.name)} ELSE {a.split(' AS ')[0]} END AS {quote(c.name)}"
        for c, a in zip(VISIT_ATTRS, attrs, strict=True)
    )
    start = f"CASE WHEN {ext} THEN t.start ELSE a.start END"
    return f"""
        a.site, a.visitor_id, a._seq, {ext} AS _extends,
        CASE WHEN {ext} THEN t.session_id ELSE a.session_id END AS session_id,
        {start} AS start, a."end",
        (epoch_us(a."end") - epoch_us({start})) / 1e6 AS duration,
        CASE WHEN {ext} THEN t.hostname ELSE f.hostname END AS hostname,
        CASE WHEN {ext} THEN t.entry_page ELSE f.pathname END AS entry_page,
        {kept},
        CASE WHEN {ext} AND a.pageviews = 0 AND t.pageviews > 0 THEN t.exit_page
             ELSE a.exit_page END AS exit_page,
        (a.pageviews + coalesce(t.pageviews, 0))::UINTEGER AS pageviews,
        (a.events + coalesce(t.events, 0))::UINTEGER AS events,
        CASE WHEN {ext} THEN (t.pageviews + a.pageviews <= 1 AND t.is_bounce AND a.is_bounce)
             ELSE a.is_bounce END AS is_bounce,
        (a.is_bot OR coalesce(t.is_bot, false)) AS is_bot,
        CASE WHEN {ext} THEN t.source_kind ELSE a.source_kind END AS source_kind
    """


def visit_rows_sql(where: str = "TRUE") -> str:
    """The sessions rows of ``_visits`` meeting ``where``, in the store's order."""
    session_cols = ", ".join(quote(n) for n in SESSION_NAMES)
    return (
        f"SELECT {session_cols} FROM _visits WHERE {where} ORDER BY site, start::DATE, visitor_id"
    )


def event_rows_sql(src: str, cols: set[str], keys: str | None) -> str:
    """The events rows of ``src`` with their visit's id and attributes from ``_visits``,
    in the store's order; ``keys`` as for :func:`build_visits`."""
    visit_names = {"entry_page", *(c.name for c in VISIT_ATTRS)}
    select = []
    for c in EVENT_COLUMNS:
        if c.name == "session_id" or c.name in visit_names:
            select.append(f"v.{quote(c.name)}")
        elif c.name in cols:
            select.append(f"s.{quote(c.name)}")
        else:
            select.append(f"NULL::{c.duckdb.split(' NOT NULL')[0]} AS {quote(c.name)}")
    rows, k = (f"{src} s JOIN {keys} k ON s.rowid = k._r", "k") if keys else (f"{src} s", "s")
    return f"""
        SELECT {", ".join(select)}
        FROM {rows}
            JOIN _visits v ON v.site = {k}.site AND v.visitor_id = {k}.visitor_id
                AND v._seq = {k}._seq
        ORDER BY s.site, s.ts::DATE, s.visitor_id, s.ts
    """


def _default(name: str) -> str:
    return f"{'0' if name == 'screen_width' else chr(39) * 2} AS {name}"


def touched_sql(timeout_minutes: int, first: datetime, last: datetime) -> str:
    """SQL creating ``_touched``: the stored visits the events of ``_incoming`` can join
    (same visitor, ending at most one timeout before its first new event or starting at
    most one timeout after its last), with ``lo``, the visitor's first new event, and
    ``_extend``: whether the new events only extend that visit. They do when it is the
    visitor's only touched visit, all new events come strictly after its end (so they
    sort after every stored event of it) and the visit keeps its first pageview (it has
    one, or the new events bring none): its start, id and attributes then stay.

    ``first`` and ``last`` (the batch's first and last event times) bound the visits
    with constants too, so the scan of ``sessions`` skips the row groups of older visits
    by their min/max statistics instead of joining every stored visit."""
    gap = f"INTERVAL {int(timeout_minutes)} MINUTE"
    bounds = f's."end" >= {literal(first)} - {gap} AND s.start <= {literal(last)} + {gap}'
    # The visitor's count of touched visits comes from a grouped count, not a window: a
    # window over the wide session rows cost most of the statement.
    return f"""
        CREATE OR REPLACE TEMP TABLE _touched AS
        WITH a AS (
            SELECT site, visitor_id, min(ts) AS lo, max(ts) AS hi,
                   count(*) FILTER (name = 'pageview') AS pv
            FROM _incoming GROUP BY site, visitor_id
        ),
        t AS MATERIALIZED (
            SELECT s.*, a.lo, a.pv
            FROM sessions s JOIN a ON s.site = a.site AND s.visitor_id = a.visitor_id
            WHERE s."end" >= a.lo - {gap} AND s.start <= a.hi + {gap} AND {bounds}
        ),
        n AS (SELECT site, visitor_id, count(*) AS n FROM t GROUP BY site, visitor_id)
        SELECT t.* EXCLUDE (pv),
            (n.n = 1 AND t.lo > t."end" AND (t.pageviews > 0 OR t.pv = 0)) AS _extend
        FROM t JOIN n ON t.site = n.site AND t.visitor_id = n.visitor_id
    """


def literal(ts: datetime) -> str:
    return f"TIMESTAMP '{ts.isoformat(sep=' ')}'"
