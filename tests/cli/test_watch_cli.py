"""`pilotage watch` end to end, in-process, against a local competitor site that changes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import feedparser
import pytest

from pilotage.cli import main
from pilotage.config import Settings
from tests.watch.watch_site import WatchSite, news_page, serve_watch_site

OLD = ["Alpha launches a plan", "Prices start at 10 euros"]
NEW = ["Alpha launches a plan", "Prices start at 12 euros"]  # one word replaced


@pytest.fixture
def site() -> Iterator[WatchSite]:
    with serve_watch_site() as served:
        served.set("/news", news_page(OLD))
        yield served


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return out


@pytest.fixture
def watched(settings: Settings, capsys: pytest.CaptureFixture[str], site: WatchSite) -> str:
    """A site added through the CLI, and a monitor on the news block checked once."""
    ok(capsys, "sites", "add", "shop.example")
    out = ok(capsys, "watch", "add", site.url("/news"), "--selector", "#news", "--every", "1h")
    assert out.startswith("Monitor 1 watches ")
    code, _, err = run(capsys, "watch", "run", "--all", "--allow-private")
    assert code == 0 and "monitor 1: first snapshot" in err
    return site.url("/news")


def test_add_then_list(watched: str, capsys: pytest.CaptureFixture[str]) -> None:
    [row] = json.loads(ok(capsys, "watch", "list", "--format", "json"))
    assert (row["id"], row["site"], row["url"], row["kind"]) == (1, "shop.example", watched, "text")
    assert row["every_seconds"] == 3600 and row["last_error"] is None


def test_a_change_shows_in_json(
    watched: str, site: WatchSite, capsys: pytest.CaptureFixture[str]
) -> None:
    site.set("/news", news_page(NEW))
    code, _, err = run(capsys, "watch", "run", "--monitor", "1", "--allow-private")
    assert code == 0 and "monitor 1: changed (alert sent)" in err
    [change] = json.loads(ok(capsys, "watch", "changes", "--format", "json"))
    assert change["monitor"] == 1 and change["url"] == watched
    assert change["added"] == ["Prices start at 12 euros"]
    assert change["removed"] == ["Prices start at 10 euros"]
    assert change["summary"] == "+1 / -1 words"
    words = len(" ".join(OLD).split()) + len(" ".join(NEW).split())
    assert change["significance"] == pytest.approx(2 / words, abs=1e-4)
    assert change["alerted"] is True


def test_changes_as_atom(watched: str, site: WatchSite, capsys: pytest.CaptureFixture[str]) -> None:
    site.set("/news", news_page(NEW))
    ok(capsys, "watch", "run", "--all", "--allow-private")
    feed = feedparser.parse(ok(capsys, "watch", "changes", "--format", "atom"))
    assert feed.version == "atom10" and not feed.bozo
    [entry] = feed.entries
    assert entry.title == "+1 / -1 words"
    assert entry.link == watched
    assert "Prices start at 12 euros" in entry.content[0].value


def test_nothing_changes_without_a_change(watched: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "watch", "run", "--all", "--allow-private")
    assert code == 0 and "monitor 1: no change" in err
    assert json.loads(ok(capsys, "watch", "changes", "--format", "json")) == []


def test_remove(watched: str, capsys: pytest.CaptureFixture[str]) -> None:
    ok(capsys, "watch", "remove", "1")
    assert json.loads(ok(capsys, "watch", "list", "--format", "json")) == []


def test_robots_error_is_listed(
    settings: Settings, site: WatchSite, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(capsys, "sites", "add", "shop.example")
    ok(capsys, "watch", "add", site.url("/private/plans"))
    code, _, err = run(capsys, "watch", "run", "--allow-private")
    assert code == 0 and "robots.txt" in err
    [row] = json.loads(ok(capsys, "watch", "list", "--format", "json"))
    assert "robots.txt" in row["last_error"]


@pytest.mark.parametrize(
    "args",
    [
        ["watch", "add", "https://rival.example/", "--every", "1m"],
        ["watch", "add", "https://rival.example/", "--kind", "video"],
        ["watch", "add", "https://rival.example/", "--selector", "div[["],
        ["watch", "add", "ftp://rival.example/"],
        ["watch", "add", "https://rival.example/", "--drop-pct", "10"],
        ["watch", "add", "https://rival.example/", "--site", "missing.example"],
        ["watch", "add", "https://rival.example/", "--email", "nobody"],
        ["watch", "changes", "--format", "xml"],
        ["watch", "list", "--format", "xml"],
        ["watch", "remove", "99"],
    ],
)
def test_bad_input_is_one_line_and_status_2(
    settings: Settings, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    ok(capsys, "sites", "add", "shop.example")
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("pilotage: error: ")
    if args[1] == "add":
        assert json.loads(ok(capsys, "watch", "list", "--format", "json")) == []


def test_a_second_site_needs_site_option(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(capsys, "sites", "add", "shop.example")
    ok(capsys, "sites", "add", "other.example")
    code, _, err = run(capsys, "watch", "add", "https://rival.example/")
    assert code == 2 and "--site" in err
    ok(capsys, "watch", "add", "https://rival.example/", "--site", "other.example")
    [row] = json.loads(ok(capsys, "watch", "list", "--format", "json", "--site", "other.example"))
    assert row["site"] == "other.example"


def test_benchmark_from_the_command_line(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(capsys, "sites", "add", "shop.example")
    ok(capsys, "watch", "bench", "competitor", "Us", "--self")
    ok(capsys, "watch", "bench", "competitor", "Rival", "--url", "https://rival.example/")
    ok(capsys, "watch", "bench", "criterion", "Price", "--weight", "3", "--axis", "x")
    ok(capsys, "watch", "bench", "criterion", "Service", "--axis", "y")
    for who, what, score in [("Us", "Price", "2"), ("Us", "Service", "4"), ("rival", "price", "5")]:
        ok(capsys, "watch", "bench", "score", who, what, score)
    rows = json.loads(ok(capsys, "watch", "bench", "show", "--format", "json"))
    # Us: (3x2 + 1x4) / 4 = 2.5; Rival: Service missing, so 5 over Price's weight alone
    assert [(r["name"], r["rank"], r["weighted"]) for r in rows] == [
        ("Rival", 1, 5.0),
        ("Us", 2, 2.5),
    ]
    assert (rows[1]["x"], rows[1]["y"]) == (2.0, 4.0) and rows[0]["y"] is None
    assert rows[0]["coverage"] == pytest.approx(3 / 4, abs=1e-4)
    code, _, err = run(capsys, "watch", "bench", "score", "Us", "Price", "6")
    assert code == 2 and err.count("\n") == 1
    code, _, err = run(capsys, "watch", "bench", "criterion", "Speed", "--weight", "0")
    assert code == 2 and "weight" in err
