"""`pilotage seo keywords` and `pilotage seo diff` on crawls built by hand, and their
bad input (one line on stderr, exit status 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pilotage.cli import main
from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.seo.model import PageData

SITE = "https://shop.example"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def make_crawl(path: Path, pages: dict[str, tuple[str, str]]) -> Path:
    """``pages``: path -> (title, visible text)."""
    with CrawlStore(path, create=True) as store:
        store.set_meta("start_url", SITE + "/")
        store.enqueue([(SITE + p, 1, "link") for p in pages])
        for p, (title, text) in pages.items():
            data = PageData(title=[title], text=text, word_count=len(text.split()))
            store.save_page(
                PageRow(SITE + p, 1, 200, SITE + p, content_type="text/html", data=data)
            )
        store.set_meta("finished_at", "2026-11-22T10:00:00+00:00")
    return path


def test_keywords_counts_terms_over_the_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crawl = make_crawl(
        tmp_path,
        {"/a": ("Chaises", "chaise chêne chaise"), "/b": ("Tables", "table chêne")},
    )
    code, out, _ = run(capsys, "seo", "keywords", str(crawl), "--format", "json")
    assert code == 0
    rows = {(r["term"], r["words"]): (r["pages"], r["occurrences"]) for r in json.loads(out)}
    # Counted by hand: "chaise" twice on one page, "chêne" once on each page.
    assert rows[("chaise", 1)] == (1, 2)
    assert rows[("chêne", 1)] == (2, 2)
    assert rows[("chaise chêne", 2)] == (1, 1)


def test_diff_shows_fixed_and_new_issues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    words = " ".join(["mot"] * 300)
    old = make_crawl(tmp_path / "old", {"/": ("", words)})  # no title: document-title
    new = make_crawl(tmp_path / "new", {"/": ("Accueil de la boutique en ligne du site", "court")})
    code, out, _ = run(capsys, "seo", "diff", str(old), str(new), "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert {i["check"] for i in result["issues"]["fixed"]} >= {"document-title"}
    assert {i["check"] for i in result["issues"]["new"]} >= {"thin-content"}


@pytest.mark.parametrize(
    "args",
    [
        ["seo", "keywords", "/no/such/crawl"],
        ["seo", "report", "{tmp}/junk"],
        ["seo", "report", "/no/such/crawl"],
        ["seo", "crawl", "not a url", "--out", "{tmp}/c"],
        ["seo", "crawl", "http://127.0.0.1/", "--out", "{tmp}/c"],
        ["seo", "crawl", "https://a.example/", "--out", "{tmp}/c", "--max-time", "soon"],
        ["seo", "crawl", "https://a.example/", "--out", "{tmp}/c", "--render", "sometimes"],
        ["seo", "crawl", "https://a.example/", "--out", "{tmp}/c", "--include", "(["],
    ],
)
def test_bad_input_is_one_line_and_status_2(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "crawl.sqlite").write_bytes(b"not a database at all" * 100)
    code, _, err = run(capsys, *[a.format(tmp=tmp_path) for a in args])
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("pilotage: error: ")
