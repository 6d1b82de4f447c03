import bz2
import gzip
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

import pilotage
from pilotage.collect.enrich.bots import is_bot
from pilotage.collect.hit import raw_hit_schema
from pilotage.collect.importers.logs import parse_logs, read_log_hits
from pilotage.errors import NotFound

SAMPLE = Path(pilotage.__file__).parent / "sample_data" / "apache_logs_semicomplete_2015.log"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def line(req: str, status: int = 200, ua: str = FIREFOX, when: str = "17/May/2015:10:05:03 +0000",
         ip: str = "1.2.3.4") -> str:  # fmt: skip
    return f'{ip} - - [{when}] "{req}" {status} 100 "-" "{ua}"'


# Line numbers are part of the expectation: 3 = garbage, 5 = bad date, 6 = bad status.
MIXED = [
    line("GET /a HTTP/1.1"),
    "",
    "garbage",
    line("GET /style.css HTTP/1.1"),
    line("GET /b HTTP/1.1", when="32/May/2015:10:05:03 +0000"),
    line("GET /c HTTP/1.1", status=999),
    line("GET /d HTTP/1.1", ua=GOOGLEBOT),
    line("POST /form HTTP/1.1"),
    "not an ip",
]


def write(path: Path, lines: list[str]) -> Path:
    data = ("\n".join(lines) + "\n").encode()
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    elif path.suffix == ".bz2":
        path.write_bytes(bz2.compress(data))
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["access.log", "access.log.gz", "access.log.bz2"])
def test_report_counts_and_line_numbers(tmp_path: Path, name: str) -> None:
    hits, report = read_log_hits([write(tmp_path / name, MIXED)], "combined", "example.org")
    assert (report.read, report.imported, report.skipped, report.bots) == (8, 2, 2, 1)
    assert dict(report.rejected) == {
        "unparsable line": 2, "bad timestamp": 1, "bad status code": 1,
    }  # fmt: skip
    assert report.first_lines["unparsable line"] == [3, 9]
    assert report.first_lines["bad timestamp"] == [5]
    assert report.first_lines["bad status code"] == [6]
    assert hits["url"].to_pylist() == ["https://example.org/a", "https://example.org/d"]


def test_hits_have_the_raw_hit_schema(tmp_path: Path) -> None:
    hits, _ = read_log_hits([write(tmp_path / "a.log", MIXED)], "combined", "example.org")
    assert hits.schema == raw_hit_schema()
    row = hits.to_pylist()[0]
    assert (row["name"], row["source_kind"], row["ip"], row["user_agent"]) == (
        "pageview", "logs", "1.2.3.4", FIREFOX,
    )  # fmt: skip


@pytest.mark.parametrize(
    "req, status, is_pageview",
    [
        ("GET /about HTTP/1.1", 200, True),
        ("GET /about HTTP/1.1", 304, True),
        ("GET /about?x=1 HTTP/2.0", 200, True),
        ("GET /about HTTP/1.1", 404, False),
        ("GET /about HTTP/1.1", 301, False),
        ("HEAD /about HTTP/1.1", 200, False),
        ("POST /about HTTP/1.1", 200, False),
        ("GET /img/logo.PNG HTTP/1.1", 200, False),
        ("GET /app.js?v=3 HTTP/1.1", 200, False),
        ("GET /feed/ HTTP/1.1", 200, False),
        ("GET /?flav=rss20 HTTP/1.1", 200, False),
        ("GET /paper.pdf HTTP/1.1", 200, False),
    ],
)
def test_what_is_a_pageview(tmp_path: Path, req: str, status: int, is_pageview: bool) -> None:
    path = write(tmp_path / "a.log", [line(req, status)])
    hits, report = read_log_hits([path], "combined", "example.org")
    assert (hits.num_rows, report.skipped) == ((1, 0) if is_pageview else (0, 1))


def test_bots_are_kept_and_counted_on_distinct_agents(tmp_path: Path) -> None:
    agents = [FIREFOX, GOOGLEBOT, GOOGLEBOT, "curl/8.5.0", FIREFOX]
    lines = [line(f"GET /p{i} HTTP/1.1", ua=ua) for i, ua in enumerate(agents)]
    hits, report = read_log_hits([write(tmp_path / "a.log", lines)], "combined", "example.org")
    assert hits.num_rows == 5
    assert report.bots == sum(is_bot(ua) for ua in agents)


def test_timestamps_are_utc(tmp_path: Path) -> None:
    path = write(tmp_path / "a.log", [line("GET / HTTP/1.1", when="17/May/2015:23:30:00 -0530")])
    hits, _ = read_log_hits([path], "combined", "example.org")
    assert hits["ts"].to_pylist() == [datetime(2015, 5, 18, 5, 0, tzinfo=UTC)]


def test_vhost_and_port_make_the_url(tmp_path: Path) -> None:
    lines = ["shop.example:80 " + line("GET /cart?step=2 HTTP/1.1"),
             "blog.example:443 " + line("GET /post HTTP/1.1")]  # fmt: skip
    hits, _ = read_log_hits([write(tmp_path / "a.log", lines)], "vhost_combined", "x.org")
    assert hits["url"].to_pylist() == [
        "http://shop.example/cart?step=2",
        "https://blog.example/post",
    ]


def test_custom_format_with_epoch_seconds(tmp_path: Path) -> None:
    fmt = '%a %{sec}t "%r" %>s %b "%{User-Agent}i"'
    path = write(tmp_path / "a.log", [f'9.9.9.9 1431857103 "GET /x HTTP/1.1" 200 5 "{FIREFOX}"'])
    hits, _ = read_log_hits([path], fmt, "example.org")
    assert hits["ts"].to_pylist() == [datetime.fromtimestamp(1431857103, UTC)]


def test_several_files_and_an_undecodable_line(tmp_path: Path) -> None:
    first = write(tmp_path / "a.log", [line("GET /a HTTP/1.1")])
    second = tmp_path / "b.log"
    second.write_bytes(b"\n".join([line("GET /b HTTP/1.1").encode(), b"\xff\xfe junk",
                                   b"junk", line("GET /c HTTP/1.1").encode()]) + b"\n")  # fmt: skip
    _hits, report = read_log_hits([first, second], "combined", "example.org")
    assert (report.read, report.imported) == (5, 3)
    assert report.first_lines == {"invalid encoding": [2], "unparsable line": [3]}


def test_parsed_table_keeps_failed_lines(tmp_path: Path) -> None:
    con = duckdb.connect()
    table = parse_logs(con, [write(tmp_path / "a.log", MIXED)], "combined")
    rows = con.execute(f"SELECT line_no, ok FROM {table} ORDER BY line_no").fetchall()
    assert [n for n, ok in rows if not ok] == [3, 5, 6, 9]


def test_the_real_sample_has_no_failed_line() -> None:
    con = duckdb.connect()
    table = parse_logs(con, [SAMPLE], "combined")
    total, ok = con.execute(f"SELECT count(*), count(*) FILTER (ok) FROM {table}").fetchone() or ()
    assert total == ok == len(SAMPLE.read_text().splitlines())


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"nope\.log"):
        read_log_hits([tmp_path / "nope.log"], "combined", "example.org")
