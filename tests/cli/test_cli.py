"""The command line end to end, in-process: errors are one line and exit 2; figures are right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pilotage.cli import main
from pilotage.config import Settings

# Four hand-written combined-format lines: two visitors; the first makes two pageviews
# 10 minutes apart and loads an asset, the second one bounces; a bot reads robots.txt.
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
LOG = "\n".join(
    [
        f'81.2.69.142 - - [12/May/2025:10:00:00 +0000] "GET / HTTP/1.1" 200 5120 "https://www.google.com/" "{CHROME}"',
        f'81.2.69.142 - - [12/May/2025:10:00:01 +0000] "GET /style.css HTTP/1.1" 200 800 "https://shop.example/" "{CHROME}"',
        f'81.2.69.142 - - [12/May/2025:10:10:00 +0000] "GET /about HTTP/1.1" 200 4000 "https://shop.example/" "{CHROME}"',
        f'90.1.2.3 - - [12/May/2025:11:00:00 +0000] "GET /blog/a HTTP/1.1" 200 9000 "-" "{CHROME}"',
        '66.249.66.1 - - [12/May/2025:11:05:00 +0000] "GET /robots.txt HTTP/1.1" 200 100 "-" "Googlebot/2.1 (+http://www.google.com/bot.html)"',
    ]
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--no-such-option"],
        ["sites", "add", "not a domain"],
        ["stats", "--site", "missing.example"],
        ["import", "logs", "/no/such/file.log", "--site", "shop.example"],
        ["stats", "--site", "shop.example", "--period", "fortnight"],
        ["stats", "--site", "shop.example", "--format", "xml"],
        ["goals", "add", "Both", "--site", "shop.example", "--page", "/a", "--event", "b"],
    ],
)
def test_bad_input_is_one_line_on_stderr_and_status_2(
    settings: Settings, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert run(capsys, "sites", "add", "shop.example")[0] == 0
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("pilotage: error: ")
    assert "Traceback" not in err


def test_adding_a_site_twice_is_refused_and_keeps_the_first(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "sites", "add", "shop.example", "--timezone", "Europe/Brussels")
    code, _, err = run(capsys, "sites", "add", "shop.example")
    assert code == 2 and "already exists" in err
    code, out, _ = run(capsys, "sites", "list")
    assert "Europe/Brussels" in out


def test_import_then_stats_gives_the_hand_counted_figures(
    settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "access.log"
    log.write_text(LOG + "\n")
    run(capsys, "sites", "add", "shop.example", "--timezone", "UTC")
    code, out, err = run(capsys, "import", "logs", str(log), "--site", "shop.example", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["read"] == 5 and summary["rejected"] == 0
    code, out, err = run(
        capsys,
        "stats",
        "--site",
        "shop.example",
        "--period",
        "2025-05-12..2025-05-12",
        "--metrics",
        "visitors,visits,pageviews,bounce_rate,visit_duration",
        "--format",
        "json",
    )
    assert code == 0, err
    (row,) = json.loads(out)["results"]
    # visitors 2, visits 2, pageviews 3, one bounce of two visits, durations 600 s and 0 s
    assert row["metrics"] == [2, 2, 3, 50, 300]


def test_stats_csv_neutralises_formulas(
    settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "access.log"
    evil = f'81.2.69.142 - - [12/May/2025:10:00:00 +0000] "GET /?utm_source=%3Dcmd|calc HTTP/1.1" 200 5 "-" "{CHROME}"'
    log.write_text(evil + "\n")
    run(capsys, "sites", "add", "shop.example", "--timezone", "UTC")
    run(capsys, "import", "logs", str(log), "--site", "shop.example")
    code, out, _ = run(
        capsys,
        "stats",
        "--site",
        "shop.example",
        "--period",
        "2025-05-12..2025-05-12",
        "--metrics",
        "pageviews",
        "--by",
        "utm_source",
        "--format",
        "csv",
    )
    assert code == 0
    assert out.splitlines() == ["utm_source,pageviews", "'=cmd|calc,1"]


def test_serving_on_a_busy_port_is_one_line_and_status_2(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run(capsys, "serve", "--port", str(port))
    assert code == 2
    assert err == f"pilotage: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_importing_events_past_the_retention_warns(
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = tmp_path / "access.log"
    log.write_text(LOG + "\n")  # May 2025: within 25 months of today, past 3 months
    run(capsys, "sites", "add", "shop.example")
    code, _, err = run(capsys, "import", "logs", str(log), "--site", "shop.example")
    assert code == 0 and "older than the retention" not in err
    monkeypatch.setenv("PILOTAGE_RETENTION_MONTHS", "3")
    code, _, err = run(capsys, "import", "logs", str(log), "--site", "shop.example")
    assert code == 0  # the three pageviews of people (the asset and the robot are not events)
    assert "Warning: 3 of these events are older than the retention period (3 months" in err
