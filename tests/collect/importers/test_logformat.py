import re
from pathlib import Path

import duckdb
import pytest

import pilotage
from pilotage.collect.importers.logformat import (
    PRESETS,
    compile_format,
    detect_format,
    resolve_format,
)
from pilotage.errors import InvalidInput

SAMPLE = Path(pilotage.__file__).parent / "sample_data" / "apache_logs_semicomplete_2015.log"
COMBINED = (
    '1.2.3.4 - bob [17/May/2015:10:05:03 +0000] "GET /a?b=1 HTTP/1.1" 200 512 '
    '"http://ref.example/x" "Mozilla/5.0 (X11; say \\"hi\\")"'
)
COMMON = '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.0" 304 -'
VHOST = "www.example.org:443 " + COMBINED


def _fields(fmt: str, line: str) -> dict[str, str]:
    m = re.match(resolve_format(fmt).regex, line)
    assert m is not None
    return m.groupdict()


def test_combined_fields() -> None:
    assert _fields("combined", COMBINED) == {
        "ip": "1.2.3.4",
        "user": "bob",
        "time": "17/May/2015:10:05:03 +0000",
        "request": "GET /a?b=1 HTTP/1.1",
        "status": "200",
        "bytes": "512",
        "referrer": "http://ref.example/x",
        "user_agent": 'Mozilla/5.0 (X11; say \\"hi\\")',
    }


def test_vhost_combined_stops_the_host_at_the_colon() -> None:
    f = _fields("vhost_combined", VHOST)
    assert (f["vhost"], f["port"], f["ip"]) == ("www.example.org", "443", "1.2.3.4")


def test_every_real_line_parses_like_a_split_on_quotes() -> None:
    pattern = re.compile(resolve_format("combined").regex)
    for line in SAMPLE.read_text().splitlines():
        m = pattern.match(line)
        assert m is not None, line
        quoted = line.split('"')
        assert m["request"] == quoted[1]
        assert m["status"] == quoted[2].split()[0]
        assert m["ip"] == line.split(" ", 1)[0]


def test_custom_format_with_strftime_time_and_split_request() -> None:
    fmt = compile_format('%v %a %{%Y-%m-%dT%T%z}t "%m %U%q %H" %>s %B %D')
    line = 'shop.example 10.0.0.1 2024-03-01T12:00:00+0100 "GET /p/1?x=2 HTTP/2.0" 200 9 150'
    m = re.match(fmt.regex, line)
    assert m is not None
    assert m["path"] == "/p/1" and m["query"] == "?x=2" and m["duration_us"] == "150"
    assert (fmt.time_kind, fmt.time_format) == ("strftime", "%Y-%m-%dT%H:%M:%S%z")


def test_apache_config_form_is_unwrapped() -> None:
    written = r'"%h %l %u %t \"%r\" %>s %b"'
    assert compile_format(written).regex == resolve_format("common").regex


def test_regex_runs_in_duckdb_re2() -> None:
    fmt = resolve_format("combined")
    got = (
        duckdb.connect()
        .execute("SELECT regexp_extract(?, ?, ?)", [COMBINED, fmt.regex, list(fmt.fields)])
        .fetchone()
    )
    assert got is not None
    assert got[0] == _fields("combined", COMBINED)


@pytest.mark.parametrize("fmt, bad", [("%h %Z", "%Z"), ("%h %{X}j", "%j")])
def test_unknown_directive_is_named(fmt: str, bad: str) -> None:
    with pytest.raises(InvalidInput, match=bad):
        compile_format(fmt)


def test_unknown_preset() -> None:
    with pytest.raises(InvalidInput, match="apache2"):
        resolve_format("apache2")


@pytest.mark.parametrize(
    "lines, expected",
    [([COMBINED, COMBINED], "combined"), ([COMMON], "common"), ([VHOST, "junk"], "vhost_combined")],
)
def test_detect_format(lines: list[str], expected: str) -> None:
    assert detect_format(lines) == expected


def test_detect_format_of_garbage() -> None:
    with pytest.raises(InvalidInput):
        detect_format(["hello", "world"])


def test_presets_are_the_documented_four() -> None:
    assert set(PRESETS) == {"combined", "common", "vhost_combined", "nginx"}
