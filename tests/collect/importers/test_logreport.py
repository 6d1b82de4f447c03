import itertools
import json
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import pilotage
from pilotage.cli.logs import app
from pilotage.collect.importers.logreport import report

SAMPLE = Path(pilotage.__file__).parent / "sample_data" / "apache_logs_semicomplete_2015.log"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def goaccess(path: Path, out: Path) -> dict[str, Any]:
    binary = shutil.which("goaccess")
    assert binary is not None, "goaccess must be installed (apt-get install goaccess)"
    subprocess.run(
        [binary, str(path), "--log-format=COMBINED", "--max-items=100000", "-o", str(out)],
        check=True,
        capture_output=True,
    )
    # GoAccess writes percent-decoded bytes as they are, not always valid UTF-8.
    data: dict[str, Any] = json.loads(out.read_bytes().decode("utf-8", "replace"))
    return data


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    out = tmp_path_factory.mktemp("goaccess") / "report.json"
    return goaccess(SAMPLE, out), report([SAMPLE], top=20)


GENERAL = ["total_requests", "valid_requests", "failed_requests", "bandwidth"]


@pytest.mark.parametrize("key", GENERAL)
def test_general_figures_match_goaccess(
    both: tuple[dict[str, Any], dict[str, Any]], key: str
) -> None:
    ga, ours = both
    assert ours[key] == ga["general"][key]


def test_unique_visitors_within_3_percent(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    ga, ours = both
    assert ours["unique_visitors"] == pytest.approx(ga["general"]["unique_visitors"], rel=0.03)


def test_hits_and_visitors_per_day(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    ga, ours = both
    theirs = {
        d["data"]: (d["hits"]["count"], d["visitors"]["count"]) for d in ga["visitors"]["data"]
    }
    mine = {d["day"].replace("-", ""): (d["hits"], d["visitors"]) for d in ours["days"]}
    assert mine.keys() == theirs.keys()
    for day, (hits, visitors) in theirs.items():
        assert mine[day][0] == hits
        assert mine[day][1] == pytest.approx(visitors, rel=0.03)


def test_hits_per_status(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    ga, ours = both
    theirs = {
        int(item["data"].split()[0]): item["hits"]["count"]
        for group in ga["status_codes"]["data"]
        for item in group["items"]
    }
    assert {s["status"]: s["hits"] for s in ours["status_codes"]} == theirs


@pytest.mark.parametrize("panel", ["requests", "static_requests", "not_found"])
def test_top_20_per_request_panel(both: tuple[dict[str, Any], dict[str, Any]], panel: str) -> None:
    ga, ours = both
    theirs = {
        (d["data"], d["method"], d["protocol"]): d["hits"]["count"] for d in ga[panel]["data"]
    }
    items = ours[panel]["items"]
    assert len(items) == 20
    assert ours[panel]["hits"] == ga[panel]["metadata"]["hits"]["total"]["value"]
    # GoAccess breaks ties in no documented order: compare each of our rows with its count
    # and check that no row GoAccess has outside our top 20 beats our 20th.
    for item in items:
        assert theirs[(item["request"], item["method"], item["protocol"])] == item["hits"]
    ranked = sorted(theirs.values(), reverse=True)
    assert [i["hits"] for i in items] == ranked[:20]


def test_hand_built_log_with_garbage_matches_goaccess(tmp_path: Path) -> None:
    good = f'1.2.3.4 - - [18/May/2015:10:00:00 +0000] "GET /x HTTP/1.1" 200 7 "-" "{FIREFOX}"'
    lines = [good, "", "garbage", good.replace("200 7", "404 3"), good.replace("18/May", "40/May")]
    path = tmp_path / "mixed.log"
    path.write_text("\n".join(lines) + "\n")
    ga, ours = goaccess(path, tmp_path / "out.json"), report([path])
    assert [ours[k] for k in GENERAL] == [ga["general"][k] for k in GENERAL]
    assert ours["rejected"] == {
        "unparsable line": {"count": 1, "first_lines": [3]},
        "bad timestamp": {"count": 1, "first_lines": [5]},
    }


def _visits(times: dict[str, list[datetime]]) -> tuple[int, int, float, float]:
    """Independent 30-minute sessionisation: visits, pageviews, bounce %, mean duration."""
    visits: list[list[datetime]] = []
    for stamps in times.values():
        stamps = sorted(stamps)
        visits.append([stamps[0]])
        for prev, ts in itertools.pairwise(stamps):
            if ts - prev > timedelta(minutes=30):
                visits.append([])
            visits[-1].append(ts)
    bounces = sum(len(v) == 1 for v in visits)
    duration = sum((v[-1] - v[0]).total_seconds() for v in visits) / len(visits)
    pageviews = sum(len(v) for v in visits)
    return len(visits), pageviews, round(100 * bounces / len(visits), 1), round(duration, 1)


def test_visits_bounce_rate_and_duration(tmp_path: Path) -> None:
    start = datetime(2024, 3, 1, 9, 0)
    offsets = {"10.0.0.1": [0, 5, 50, 51], "10.0.0.2": [0], "10.0.0.3": [10, 39, 70]}
    lines, times = [], {}
    for ip, minutes in offsets.items():
        times[ip] = [start + timedelta(minutes=m, seconds=7 * i) for i, m in enumerate(minutes)]
        for ts in times[ip]:
            when = ts.strftime("%d/%b/%Y:%H:%M:%S +0000")
            lines.append(f'{ip} - - [{when}] "GET /p HTTP/1.1" 200 1 "-" "{FIREFOX}"')
    bot = '10.0.0.9 - - [01/Mar/2024:09:00:00 +0000] "GET /p HTTP/1.1" 200 1 "-" "Googlebot/2.1"'
    path = tmp_path / "visits.log"
    path.write_text("\n".join([*lines, bot]) + "\n")
    ours = report([path])
    got = (ours["visits"], ours["pageviews"], ours["bounce_rate"], ours["visit_duration"])
    assert got == _visits(times)
    assert ours["bot_pageviews"] == 1


def test_cli_json_is_the_report(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    result = CliRunner().invoke(app, ["report", str(SAMPLE), "--format", "json", "--top", "20"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == both[1]


def test_cli_table(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_text(
        f'1.2.3.4 - - [18/May/2015:10:00:00 +0000] "GET /hello HTTP/1.1" 200 7 "-" "{FIREFOX}"\n'
    )
    result = CliRunner().invoke(app, ["report", str(path)])
    assert result.exit_code == 0
    assert "unique_visitors" in result.stdout and "/hello" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["report", "/nonexistent/access.log"], "/nonexistent/access.log"),
        (["report", str(SAMPLE), "--log-format", "apache9"], "apache9"),
        (["report", str(SAMPLE), "--log-format", "%h %Z"], "%Z"),
        (["report", str(SAMPLE), "--format", "xml"], "xml"),
    ],
)
def test_cli_bad_input_is_one_line_and_status_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.output
