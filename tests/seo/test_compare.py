import json
from pathlib import Path

from pilotage.crawl.store import CrawlStore, LinkRow, PageRow
from pilotage.seo.compare import Change, compare
from pilotage.seo.model import Issue, PageData

SITE = "https://example.org/"


def crawl(
    directory: Path,
    pages: dict[str, tuple[int, str, int, str]],
    links: list[tuple[str, str]],
) -> CrawlStore:
    """``pages``: name -> (status, title, word count, canonical); HTML when status is 200."""
    store = CrawlStore(directory, create=True)
    store.set_meta("start_url", SITE)
    for name, (status, title, words, canonical) in pages.items():
        data = None
        if status == 200:
            data = PageData(
                title=[title], word_count=words, canonical=[canonical] * bool(canonical)
            )
        out = [LinkRow(SITE + s, SITE + d, "", "", False, True) for s, d in links if s == name]
        store.save_page(PageRow(SITE + name, 0, status, SITE + name, data=data), out)
    external = "https://other.example/x"
    store.save_page(PageRow(external, 1, 200, external))
    return store


def test_compare_two_crawls(tmp_path: Path) -> None:
    old = crawl(
        tmp_path / "old",
        {
            "": (200, "Home", 100, ""),
            "a": (200, "A", 100, "/a"),
            "b": (200, "B", 100, ""),
            "c": (200, "C", 10, ""),
            "e": (200, "E", 50, ""),
        },
        [("", "a"), ("a", "b"), ("", "c"), ("", "e")],
    )
    new = crawl(
        tmp_path / "new",
        {
            "": (200, "Home", 100, ""),
            "a": (200, "A new", 121, "/a2"),  # 21 % more words
            "b": (200, "B", 120, ""),  # exactly 20 %: not reported
            "d": (200, "D", 10, ""),
            "e": (404, "", 0, ""),
        },
        [("", "a"), ("", "b"), ("", "d"), ("", "e")],
    )
    fixed, kept, added = (
        Issue(c, SITE + "a", "x") for c in ("h1-missing", "title-too-long", "thin-content")
    )
    result = compare(old, new, [fixed, kept, kept], [kept, added])
    assert (result.new_issues, result.fixed_issues, result.persisting_issues) == (
        [added],
        [fixed],
        [kept],
    )
    assert (result.pages_added, result.pages_removed) == ([SITE + "d"], [SITE + "c"])
    assert result.changes == [
        Change(SITE + "a", "title", "A", "A new"),
        Change(SITE + "a", "canonical", "/a", "/a2"),
        Change(SITE + "a", "word_count", 100, 121),
        Change(SITE + "b", "depth", 2, 1),
        Change(SITE + "e", "status", 200, 404),
        Change(SITE + "e", "title", "E", None),
        Change(SITE + "e", "depth", 1, None),
    ]


def test_comparison_json(tmp_path: Path) -> None:
    old = crawl(tmp_path / "old", {"": (200, "Home", 10, "")}, [])
    new = crawl(tmp_path / "new", {"": (200, "Accueil", 10, ""), "x": (404, "", 0, "")}, [])
    issue = Issue("http-status-code", SITE + "x", "404")
    data = json.loads(json.dumps(compare(old, new, [], [issue]).to_json()))
    assert data["summary"]["new_issues"] == 1
    assert data["summary"]["pages_added"] == 1
    assert data["issues"]["new"] == [
        {"check": "http-status-code", "url": SITE + "x", "detail": "404"}
    ]
    assert data["changes"]["title"] == [{"url": SITE, "old": "Home", "new": "Accueil"}]
    assert data["changes"]["depth"] == []
