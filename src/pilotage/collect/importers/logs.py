"""Web server access logs read by DuckDB: one or many files, plain, gzip or bzip2.

DuckDB reads each file as one VARCHAR column (``delim='\\n'`` with quoting off, so a line
is never split), and one RE2 pattern from :mod:`logformat` cuts every line into fields
in a single vectorised ``regexp_extract``. Lines that do not parse are kept with
``ok = false`` and a reason, so they are counted and reported with their line numbers.

Line validity follows GoAccess 1.7 so that the log report gives the same totals: blank
lines and ``#`` comment lines are ignored; a line is rejected when it does not match the
format, when the client address is not an IP address, when its date does not parse or
when its status code is outside 100-599. The request line is split the GoAccess way:
a known method prefix, then the target up to the first `` HTTP/`` protocol; the target
key is percent-decoded and trimmed (column ``request``).

A pageview is a GET of a document answered 2xx or 304: a 304 Not Modified is the browser
revalidating a page it shows from its cache, a real view by a returning visitor.
Assets (:data:`ASSET_EXTENSIONS`: styles, scripts, images, fonts, media, archives,
documents, feeds and well-known files) and feed URLs are not pageviews.
"""

# SQL here is assembled from this module's own table names and from values quoted by
# lit(); no identifier comes from the user.
# ruff: noqa: S608

from __future__ import annotations

import bz2
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from pilotage.collect.enrich.bots import is_bot
from pilotage.collect.hit import raw_hit_schema
from pilotage.collect.importers.logformat import LogFormat, capture_only, resolve_format
from pilotage.collect.importers.report import FIRST_LINES_KEPT, ImportReport
from pilotage.errors import NotFound

# (path, bytes done, bytes total), called as each file is read.
ProgressCallback = Callable[[Path, int, int], None]

# Extensions whose requests are assets, not pageviews: GoAccess's default static-file
# list (goaccess.conf, "static-file"), plus web formats it lacks (mjs, map, webp, avif,
# eot, otf, webm, wav, json, xml, rss, atom, 7z, bz2, epub, apk, deb, rpm, msi, jar).
ASSET_EXTENSIONS: tuple[str, ...] = (
    "css", "js", "mjs", "map", "jpg", "jpeg", "png", "gif", "ico", "svg", "bmp", "tif",
    "tiff", "webp", "avif", "woff", "woff2", "ttf", "eot", "otf", "swf", "flv", "mp3",
    "mp4", "mpeg", "mpg", "ogg", "webm", "wav", "pdf", "csv", "txt", "json", "xml", "rss",
    "atom", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "epub", "zip", "gz", "tgz", "tar",
    "rar", "7z", "bz2", "xz", "zst", "iso", "dmg", "exe", "msi", "apk", "deb", "rpm", "jar",
)  # fmt: skip
# Feed URLs without an extension: /feed, /rss, /atom, and ?flav=rss/atom (blosxom) or
# ?feed=rss2 (WordPress).
FEED_PATH_RE = r"/(feed|rss|atom)/?$"
FEED_QUERY_RE = r"[?&](flav|feed|format)=(rss|atom)"

# HTTP methods GoAccess 1.7 recognises at the start of a request line (RFC 9110 + WebDAV).
METHODS = (
    "OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT", "PATCH",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "VERSION-CONTROL",
    "REPORT", "CHECKOUT", "CHECKIN", "UNCHECKOUT", "MKWORKSPACE", "UPDATE", "LABEL",
    "MERGE", "BASELINE-CONTROL", "MKACTIVITY", "ORDERPATCH",
)  # fmt: skip
IPV4_RE = r"^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"  # noqa: E501
IPV6_RE = r"^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$"

CAPTURES = 4
LINES = "_pilotage_log_lines"
FILES = "_pilotage_log_files"
ENCODING = "_pilotage_log_encoding"
READ_OPTIONS = (
    "columns = {'line': 'VARCHAR'}, header = false, auto_detect = false, delim = '\n', "
    "quote = '', escape = '', strict_mode = false, store_rejects = true"
)


def lit(value: str) -> str:
    """A SQL string literal (DuckDB doubles single quotes; backslashes are literal)."""
    return "'" + value.replace("'", "''") + "'"


def _check(paths: Sequence[Path]) -> list[Path]:
    out = [Path(p) for p in paths]
    for p in out:
        if not p.is_file():
            raise NotFound(f"log file {str(p)!r} does not exist", field="paths")
    return out


def _bunzip(path: Path, workdir: Path, progress: ProgressCallback | None) -> Path:
    """Stream-decompress a .bz2 file into ``workdir`` (DuckDB reads gzip, not bzip2)."""
    total = path.stat().st_size
    target = workdir / (path.stem or "log")
    with path.open("rb") as raw, bz2.open(raw) as src, target.open("wb") as dst:
        while chunk := src.read(1 << 22):
            dst.write(chunk)
            if progress is not None:
                progress(path, raw.tell(), total)
    return target


def _load_lines(
    con: duckdb.DuckDBPyConnection, paths: list[Path], progress: ProgressCallback | None
) -> None:
    """Fill LINES (file_no, line) in file order, FILES (file_no, path, start rowid) and
    ENCODING (file_no, line_no, reason) for the lines DuckDB could not decode."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {LINES} (file_no INTEGER, line VARCHAR)")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {FILES} (file_no INTEGER, path VARCHAR, start BIGINT)"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ENCODING} (file_no INTEGER, line_no BIGINT, reason VARCHAR)"
    )
    with tempfile.TemporaryDirectory(prefix="pilotage-logs-") as tmp:
        for file_no, path in enumerate(paths):
            total = path.stat().st_size
            if progress is not None:
                progress(path, 0, total)
            source = _bunzip(path, Path(tmp), progress) if path.suffix == ".bz2" else path
            (start,) = con.execute(f"SELECT count(*) FROM {LINES}").fetchone() or (0,)
            con.execute(f"INSERT INTO {FILES} VALUES (?, ?, ?)", [file_no, str(path), start])
            con.execute(
                f"INSERT INTO {LINES} SELECT {file_no}, line "
                f"FROM read_csv({lit(str(source))}, {READ_OPTIONS})"
            )
            con.execute(
                f"INSERT INTO {ENCODING} SELECT {file_no}, line, "
                "lower(replace(error_type, '_', ' ')) FROM reject_errors"
            )
            con.execute("DELETE FROM reject_errors")
            if source != path:
                source.unlink()
            if progress is not None:
                progress(path, total, total)


def _line_no_sql(con: duckdb.DuckDBPyConnection) -> str:
    """1-based line number of a LINES row; lines DuckDB rejected are not in LINES, so
    each one shifts the numbers of the lines after it."""
    base = "l.rowid - f.start + 1"
    (n,) = con.execute(f"SELECT count(*) FROM {ENCODING}").fetchone() or (0,)
    if not n:
        return base
    # The j-th rejected line r_j sits after the (r_j - j) first accepted lines.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pilotage_log_shift AS SELECT file_no, "
        f"line_no - row_number() OVER (PARTITION BY file_no ORDER BY line_no) AS k "
        f"FROM {ENCODING}"
    )
    return (
        f"{base} + (SELECT count(*) FROM _pilotage_log_shift s "
        f"WHERE s.file_no = l.file_no AND s.k < {base})"
    )


def _time_sql(fmt: LogFormat) -> tuple[str, str]:
    """SQL for ``lt`` (the time as written, parsed once) from the ``time`` field ``t``,
    then for the UTC timestamp from ``lt`` and ``t``. The day is ``lt::DATE``."""
    if "time" not in fmt.fields:
        return "NULL::TIMESTAMP", "lt"
    if fmt.time_kind == "epoch":
        scale = {"s": 1_000_000, "ms": 1_000, "us": 1}[fmt.time_format]
        return f"make_timestamp(try_cast(t AS BIGINT) * {scale})", "lt"
    if fmt.time_kind == "strftime":
        parsed = f"try_strptime(t, {lit(fmt.time_format)})"
        if "%z" in fmt.time_format:
            parsed = f"make_timestamp(epoch_us({parsed}))"
        return parsed, "lt"
    # Common Log Format: 17/May/2015:10:05:03 +0000. GoAccess buckets days by the date as
    # written (server local time); ts is that time minus the offset, i.e. UTC.
    off = "try_cast(t[22:26] AS INTEGER)"
    minutes = f"sign({off}) * ((abs({off}) // 100) * 60 + abs({off}) % 100)"
    valid = "length(t) = 26 AND t[21] = ' '"
    return (
        "try_strptime(t[1:20], '%d/%b/%Y:%H:%M:%S')",
        f"CASE WHEN {valid} THEN lt - to_minutes({minutes}) END",
    )


def _g(fmt: LogFormat, field: str, default: str = "''") -> str:
    if field not in fmt.fields:
        return default
    return f"g{fmt.fields.index(field) // CAPTURES}.{field}"


def _extract_sql(fmt: LogFormat) -> str:
    """One regexp_extract per CAPTURES fields: with at most 4 capture groups RE2 can use
    its one-pass matcher (kMaxOnePassCapture = 5, group 0 included), five times faster
    than the backtracker it needs for the 8 fields of a combined line; two passes of the
    fast matcher still win by half."""
    parts = []
    for i in range(0, len(fmt.fields), CAPTURES):
        keep = fmt.fields[i : i + CAPTURES]
        names = ", ".join(lit(f) for f in keep)
        regex = capture_only(fmt.regex, keep)
        parts.append(f"regexp_extract(l.line, {lit(regex)}, [{names}]) AS g{i // CAPTURES}")
    return ", ".join(parts)


def _request_sql(fmt: LogFormat) -> tuple[str, str]:
    """SQL for the request line ``rq`` (over the groups), then for the columns method,
    target (raw), protocol and key (the GoAccess request key) over ``rq`` and its first
    and last words ``w1``, ``wl``. String functions, not a regex: the first word is the
    method, the last the protocol when it starts with HTTP/, the rest the target."""
    if "request" in fmt.fields:
        methods = ", ".join(lit(m) for m in (*METHODS, *(m.lower() for m in METHODS)))
        known = f"list_contains([{methods}], w1)"
        target = "trim(rq[length(w1) + 2:length(rq) - length(wl)])"
        return f"trim({_g(fmt, 'request')})", (
            f"CASE WHEN {known} AND upper(wl) LIKE 'HTTP/%' THEN upper(w1) ELSE '' END "
            "AS method, "
            f"CASE WHEN method <> '' THEN {target} ELSE '' END AS target, "
            "CASE WHEN method <> '' THEN upper(wl) ELSE '' END AS protocol, "
            f"CASE WHEN method <> '' THEN target WHEN {known} THEN '-' ELSE rq END AS key"
        )
    target = f"{_g(fmt, 'path')} || {_g(fmt, 'query')}"
    return "''", (
        f"upper({_g(fmt, 'method')}) AS method, {target} AS target, "
        f"upper({_g(fmt, 'protocol')}) AS protocol, {target} AS key"
    )


def _witness(fmt: LogFormat) -> str:
    """A test that the line matched: a field that is never empty when it does."""
    for field in ("time", "status", "ip", "vhost", "bytes"):
        if field in fmt.fields:
            return f"{_g(fmt, field)} <> ''"
    return f"regexp_matches(l.line, {lit(fmt.regex)})"


def _parse_sql(con: duckdb.DuckDBPyConnection, fmt: LogFormat, out: str) -> str:
    groups = ", ".join(f"g{i}" for i in range((len(fmt.fields) + CAPTURES - 1) // CAPTURES))
    lt, ts = _time_sql(fmt)
    rq, columns = _request_sql(fmt)
    ip = _g(fmt, "ip")
    ip_ok = (
        f"CASE WHEN contains(ip, ':') THEN regexp_matches(ip, {lit(IPV6_RE)}) "
        f"ELSE regexp_matches(ip, {lit(IPV4_RE)}) END"
    )
    bad_ip = f"WHEN NOT {ip_ok} THEN 'bad IP address'" if "ip" in fmt.fields else ""
    return f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        WITH m AS (
            SELECT l.file_no, {_line_no_sql(con)} AS line_no,
                {_extract_sql(fmt)}
            FROM {LINES} l JOIN {FILES} f USING (file_no)
            WHERE l.line <> '' AND NOT starts_with(l.line, '#')
        ), x AS (
            SELECT file_no, line_no, {_witness(fmt)} AS matched, {_g(fmt, "time")} AS t,
                {ip} AS ip, try_cast({_g(fmt, "status", "NULL")} AS INTEGER) AS status,
                {rq} AS rq, {groups}
            FROM m
        ), w AS (
            SELECT *, {lt} AS lt, split_part(rq, ' ', 1) AS w1,
                CASE WHEN contains(rq, ' ')
                    THEN rq[length(rq) - strpos(reverse(rq), ' ') + 2:] ELSE '' END AS wl
            FROM x
        ), y AS (
            SELECT file_no, line_no, matched, ip, status, {groups}, {columns},
                {ts} AS ts, lt::DATE AS day
            FROM w
        )
        SELECT file_no, line_no,
            CASE WHEN NOT matched THEN 'unparsable line' {bad_ip}
                 WHEN ts IS NULL THEN 'bad timestamp'
                 WHEN status IS NULL OR status NOT BETWEEN 100 AND 599 THEN 'bad status code'
            END AS reason,
            reason IS NULL AS ok, ip, ts, day, method,
            split_part(target, '?', 1) AS path,
            CASE WHEN contains(target, '?') THEN target[strpos(target, '?'):] ELSE '' END
                AS query,
            CASE WHEN contains(key, '%') THEN trim(coalesce(try(url_decode(key)), key))
                ELSE key END AS request, protocol,
            status::USMALLINT AS status, coalesce(try_cast({_g(fmt, "bytes", "NULL")}
                AS UBIGINT), 0) AS bytes,
            CASE WHEN {_g(fmt, "referrer")} = '-' THEN '' ELSE {_g(fmt, "referrer")} END
                AS referrer,
            {_g(fmt, "user_agent")} AS user_agent, {_g(fmt, "vhost")} AS vhost,
            try_cast({_g(fmt, "port", "NULL")} AS INTEGER) AS port
        FROM y
        UNION ALL
        SELECT file_no, line_no, reason, false, '', NULL, NULL, '', '', '', '', '', NULL, 0,
            '', '', '', NULL
        FROM {ENCODING}
    """


def parse_logs(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    fmt: str,
    progress: ProgressCallback | None = None,
    out: str = "parsed_requests",
) -> str:
    """Parse the access logs ``paths`` in ``fmt`` (a preset name or a LogFormat string)
    into the temp table ``out``, one row per non-blank line, and return its name.

    Columns: file_no, line_no (1-based), reason (why the line was rejected, NULL when
    ok), ok, ip, ts (UTC TIMESTAMP), day (local date as written), method, path, query
    (raw, with its leading '?'), request (decoded GoAccess request key), protocol,
    status, bytes, referrer ('' for '-'), user_agent, vhost, port."""
    log_format = resolve_format(fmt)
    files = _check(paths)
    _load_lines(con, files, progress)
    con.execute(_parse_sql(con, log_format, out))
    con.execute(f"DROP TABLE {LINES}")
    return out


def asset_sql(path: str = "path", query: str = "query") -> str:
    """SQL test that a request is an asset or a feed, not a document."""
    exts = ", ".join(lit(e) for e in ASSET_EXTENSIONS)
    return (
        f"(lower(regexp_extract({path}, '\\.([A-Za-z0-9]+)$', 1)) IN ({exts}) "
        f"OR regexp_matches({path}, {lit(FEED_PATH_RE)}) "
        f"OR regexp_matches({query}, {lit(FEED_QUERY_RE)}))"
    )


def pageview_sql() -> str:
    """SQL test that a parsed request is a pageview (see the module docstring)."""
    return (
        "(ok AND method = 'GET' AND (status BETWEEN 200 AND 299 OR status = 304) "
        f"AND NOT {asset_sql()})"
    )


def flag_bots(con: duckdb.DuckDBPyConnection, table: str, out: str = "log_bots") -> str:
    """Temp table ``out`` (user_agent, is_bot) over the distinct user agents of ``table``:
    the bot test runs once per user agent, not once per line."""
    agents = [r[0] for r in con.execute(f"SELECT DISTINCT user_agent FROM {table}").fetchall()]
    flags = pa.table(
        {
            "user_agent": pa.array(agents, pa.string()),
            "is_bot": pa.array([is_bot(a or "") for a in agents], pa.bool_()),
        }
    )
    con.register("_pilotage_bot_flags", flags)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT * FROM _pilotage_bot_flags")
    con.unregister("_pilotage_bot_flags")
    return out


def import_report(
    con: duckdb.DuckDBPyConnection, table: str, bots: str, source: str
) -> ImportReport:
    """Counts of a parsed log table as an ImportReport (bots = pageviews by bot agents)."""
    report = ImportReport(source=source)
    row = con.execute(
        f"""SELECT count(*), count(*) FILTER (ok AND NOT pv), count(*) FILTER (pv),
                   count(*) FILTER (pv AND b.is_bot)
            FROM (SELECT *, {pageview_sql()} AS pv FROM {table}) t
            LEFT JOIN {bots} b USING (user_agent)"""
    ).fetchone()
    report.read, report.skipped, report.imported, report.bots = row or (0, 0, 0, 0)
    rejected = con.execute(
        f"""SELECT reason, count(*), list(line_no ORDER BY file_no, line_no)[1:{FIRST_LINES_KEPT}]
            FROM {table} WHERE NOT ok GROUP BY reason ORDER BY min(file_no), min(line_no)"""
    ).fetchall()
    for reason, count, first in rejected:
        report.rejected[reason] = count
        report.first_lines[reason] = list(first)
    return report


def _hits_sql(table: str, site: str, scheme: str) -> str:
    host = f"CASE WHEN vhost <> '' THEN vhost ELSE {lit(site)} END"
    proto = f"CASE port WHEN 443 THEN 'https' WHEN 80 THEN 'http' ELSE {lit(scheme)} END"
    return f"""
        SELECT {lit(site)} AS site, ts, 'pageview' AS name,
            {proto} || '://' || {host} || path || query AS url, referrer, ip,
            CASE WHEN user_agent = '-' THEN '' ELSE user_agent END AS user_agent,
            NULL::DECIMAL(18, 4) AS revenue_amount, '' AS revenue_currency,
            true AS interactive, 0::USMALLINT AS screen_width, 'logs' AS source_kind
        FROM {table} WHERE {pageview_sql()}
        ORDER BY file_no, line_no
    """


def read_log_hits(
    paths: Sequence[Path],
    fmt: str,
    site: str,
    progress: ProgressCallback | None = None,
    scheme: str = "https",
) -> tuple[pa.Table, ImportReport]:
    """The pageviews of access logs as a raw-hit table (schema ``raw_hit_schema()``) and
    the report of the import. Bots are kept (enrichment flags them); ``report.bots``
    counts the imported pageviews whose user agent is a bot. URLs are built from the
    virtual host (%v/%V) or ``site``, with https, or the scheme the port (%p) implies."""
    con = duckdb.connect()
    try:
        table = parse_logs(con, paths, fmt, progress)
        bots = flag_bots(con, table)
        report = import_report(con, table, bots, ", ".join(str(p) for p in paths))
        hits = con.sql(_hits_sql(table, site, scheme)).to_arrow_table()
    finally:
        con.close()
    n = hits.num_rows
    props = pa.MapArray.from_arrays(
        pa.array([0] * (n + 1), pa.int32()), pa.array([], pa.string()), pa.array([], pa.string())
    )
    hits = hits.add_column(hits.schema.get_field_index("revenue_amount"), "props", props)
    return hits.cast(raw_hit_schema()), report
