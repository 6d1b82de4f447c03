from collections import deque
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

from pilotage.crawl.store import CrawlStore, LinkRow, PageRow
from pilotage.errors import InvalidInput
from pilotage.seo.graph import (
    _PairSet,
    click_depth,
    graph_issues,
    inlinks,
    orphan_issues,
    pagerank,
)
from pilotage.seo.model import Issue, PageData

SITE = "https://example.org/"


def url(name: str) -> str:
    return SITE if name == "" else f"{SITE}{name}"


def make_store(
    tmp_path: Path,
    links: Iterable[tuple[str, str, bool]],
    *,
    pages: Iterable[str] = (),
    status: dict[str, int] | None = None,
    redirects: dict[str, str] | None = None,
    start: str = "",
    unfetched: Iterable[str] = (),
) -> CrawlStore:
    """Pages named by ``links`` (src, dst, nofollow) and ``pages``; HTML 200 unless told."""
    store = CrawlStore(tmp_path / "crawl", create=True)
    store.set_meta("start_url", url(start))
    status, redirects = status or {}, redirects or {}
    by_src: dict[str, list[LinkRow]] = {}
    names = list(dict.fromkeys([*pages, *(s for s, _, _ in links), *(d for _, d, _ in links)]))
    for src, dst, nofollow in links:
        rel = "nofollow" if nofollow else ""
        by_src.setdefault(src, []).append(LinkRow(url(src), url(dst), "a", rel, nofollow, True))
    for name in names:
        if name in unfetched:
            continue
        if name in redirects:
            row = PageRow(url(name), 1, 301, url(redirects[name]), [(url(name), 301)])
        else:
            code = status.get(name, 200)
            row = PageRow(url(name), 1, code, url(name), data=PageData() if code == 200 else None)
        store.save_page(row, by_src.get(name, []))
    return store


# Wikipedia, "PageRank", figure "PageRanks-Example" (damping 0.85): percentages.
WIKIPEDIA_EDGES = {
    "B": "C", "C": "B", "D": "AB", "E": "BDF", "F": "BE",
    "G": "BE", "H": "BE", "I": "BE", "J": "E", "K": "E",
}  # fmt: skip
WIKIPEDIA_RANKS = {
    "A": 3.3, "B": 38.4, "C": 34.3, "D": 3.9, "E": 8.1, "F": 3.9,
    "G": 1.6, "H": 1.6, "I": 1.6, "J": 1.6, "K": 1.6,
}  # fmt: skip


def test_pagerank_matches_the_published_wikipedia_example(tmp_path: Path) -> None:
    links = [(s, d, False) for s, targets in WIKIPEDIA_EDGES.items() for d in targets]
    store = make_store(tmp_path, links, pages=WIKIPEDIA_RANKS, start="A")
    ranks = pagerank(store)
    assert {name: round(100 * ranks[url(name)], 1) for name in WIKIPEDIA_RANKS} == WIKIPEDIA_RANKS


def dense_pagerank(n: int, edges: set[tuple[int, int]], damping: float) -> np.ndarray:
    """Principal eigenvector of the dense Google matrix."""
    google = np.zeros((n, n))
    for i in range(n):
        targets = [j for (s, j) in edges if s == i]
        if targets:
            for j in targets:
                google[j, i] = 1 / len(targets)
        else:
            google[:, i] = 1 / n
    google = damping * google + (1 - damping) / n
    values, vectors = np.linalg.eig(google)
    vector = np.real(vectors[:, np.argmax(np.real(values))])
    normalised: np.ndarray = vector / vector.sum()
    return normalised


def test_pagerank_matches_a_dense_google_matrix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_PairSet, "CHUNK", 16)  # several chunks of links to merge
    rng = np.random.default_rng(7)
    n = 30
    # Pages 25-29 link nowhere (dangling); some pairs are linked only with nofollow.
    raw = [(int(a), int(b), False) for a, b in rng.integers(0, n - 5, (120, 2))]
    raw = [(a, b if i % 4 else b + 5, f) for i, (a, b, f) in enumerate(raw)]
    raw += [(int(a), int(b), True) for a, b in rng.integers(0, n, (20, 2))]
    links = [(f"p{a}", f"p{b}", nofollow) for a, b, nofollow in raw]
    links += [("p1", "old", False)]  # "old" redirects to p2: the edge goes p1 -> p2
    store = make_store(tmp_path, links, pages=[f"p{i}" for i in range(n)], redirects={"old": "p2"})
    edges = {(a, b) for a, b, nofollow in raw if not nofollow and a != b} | {(1, 2)}
    expected = dense_pagerank(n, edges, 0.9)
    ranks = pagerank(store, damping=0.9)
    assert [ranks[url(f"p{i}")] for i in range(n)] == pytest.approx(expected, abs=1e-9)
    assert sum(ranks.values()) == pytest.approx(1.0, abs=1e-12)


def test_pagerank_of_an_empty_crawl_is_empty(tmp_path: Path) -> None:
    assert pagerank(make_store(tmp_path, [])) == {}


@pytest.mark.parametrize(("damping", "tol"), [(0.0, 1e-10), (1.0, 1e-10), (0.85, 0.0)])
def test_pagerank_rejects_bad_parameters(tmp_path: Path, damping: float, tol: float) -> None:
    with pytest.raises(InvalidInput):
        pagerank(make_store(tmp_path, []), damping=damping, tol=tol)


def chain_store(tmp_path: Path) -> CrawlStore:
    """home -> c1 -> ... -> c7, a nofollow shortcut home -> c7, c3 -> gone (404)."""
    links = [("", "c1", False)] + [(f"c{i}", f"c{i + 1}", False) for i in range(1, 7)]
    links += [("", "c7", True), ("c3", "gone", False), ("c5", "c5", False)]
    return make_store(tmp_path, links, status={"gone": 404})


def test_click_depth_follows_followed_links_from_the_start(tmp_path: Path) -> None:
    depths = click_depth(chain_store(tmp_path))
    assert depths == {url(""): 0, **{url(f"c{i}"): i for i in range(1, 8)}}


def test_click_depth_matches_a_plain_breadth_first_search(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    n = 120
    raw = [(int(a), int(b), bool(f)) for a, b, f in zip(
        rng.integers(0, n, 260), rng.integers(0, n, 260), rng.random(260) < 0.15, strict=True
    )]  # fmt: skip
    names = ["", *(f"p{i}" for i in range(1, n))]  # node 0 is the home page
    links = [(names[a], names[b], nofollow) for a, b, nofollow in raw]
    store = make_store(tmp_path, links, pages=names)
    followed: dict[int, set[int]] = {}
    for a, b, nofollow in raw:
        if not nofollow and a != b:
            followed.setdefault(a, set()).add(b)
    expected, queue = {0: 0}, deque([0])
    while queue:  # the textbook algorithm, one node at a time
        node = queue.popleft()
        for target in sorted(followed.get(node, ())):
            if target not in expected:
                expected[target] = expected[node] + 1
                queue.append(target)
    assert max(expected.values()) >= 4 and len(expected) < n  # deep and partly unreachable
    assert click_depth(store) == {url(names[i]): d for i, d in expected.items()}


def test_deep_pages_are_the_ones_beyond_the_threshold(tmp_path: Path) -> None:
    issues = list(graph_issues(chain_store(tmp_path)))
    assert issues == [Issue("deep-page", url(f"c{i}"), str(i)) for i in (5, 6, 7)]
    issues = list(graph_issues(chain_store(tmp_path / "b"), max_depth=6))
    assert issues == [Issue("deep-page", url("c7"), "7")]


def test_inlinks_count_distinct_other_pages(tmp_path: Path) -> None:
    links = [("", "a", False), ("", "a", False), ("b", "a", True), ("a", "a", False)]
    links += [("b", "moved", False)]
    store = make_store(tmp_path, links, redirects={"moved": "a"})
    assert inlinks(store) == {url(""): 0, url("a"): 2, url("b"): 0}


def test_orphans_are_listed_pages_nothing_links_to(tmp_path: Path) -> None:
    links = [("", "linked", False), ("", "nofollowed", True), ("self", "self", False)]
    links += [("", "never-fetched-but-linked", False)]
    store = make_store(
        tmp_path,
        links,
        pages=["alone", "listed", "broken"],
        status={"broken": 404},
        unfetched=["never-fetched-but-linked"],
    )
    names = ["", "linked", "nofollowed", "self", "alone", "broken", "missing"]
    names += ["never-fetched-but-linked"]
    store.add_sitemap_urls([(url(x), url("sitemap.xml"), None) for x in names])
    store.add_sitemap_urls([("https://other.example/x", url("sitemap.xml"), None)])
    issues = set(orphan_issues(store, ["https://EXAMPLE.org/listed", "not a url"]))
    assert issues == {
        Issue("orphan-page", url("self"), "sitemap"),
        Issue("orphan-page", url("alone"), "sitemap"),
        Issue("orphan-page", url("missing"), "sitemap"),
        Issue("orphan-page", url("listed"), "list"),
    }
