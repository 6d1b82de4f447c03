"""The internal link graph of a crawl: PageRank, click depth, inlinks, orphan and deep pages.

Nodes are the crawl's HTML pages answered 200. An edge A -> B exists when A holds an
internal ``<a href>`` whose target is B, or a URL redirecting to B (a link is followed to
the redirect's final URL, as a search engine does). Several links from A to B make one
edge, and a page linking to itself adds nothing, so neither inflates a page's weight.

PageRank and click depth use the *followed* edges only: a ``rel=nofollow`` link passes no
ranking signal and is not followed (Google, "Qualify your outbound links to Google",
developers.google.com/search/docs/crawling-indexing/qualify-outbound-links). Inlinks count
every linking page, nofollow or not: a nofollow link still makes a page reachable.

PageRank is the stationary vector of the Google matrix (S. Brin and L. Page, "The anatomy
of a large-scale hypertextual Web search engine", WWW 1998):
``r = d * (M r + (dangling mass) / N) + (1 - d) / N``, where ``M[j, i] = 1 / outdeg(i)``
for an edge i -> j and a page without followed links (dangling) spreads its rank evenly
over all pages. It is solved by power iteration until the L1 change between two
iterations is below ``tol``; the result sums to 1. Each iteration is one gather and one
``numpy.bincount`` over the edges (a sparse matrix-vector product without scipy, whose
import alone cost a third of a second of each audit).

Click depth is a breadth-first search over the followed edges, one level at a time on
the edges held sorted by source (compressed sparse rows).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pilotage.crawl.store import CrawlStore
from pilotage.crawl.urls import normalise_url, same_site
from pilotage.errors import InvalidInput
from pilotage.seo.model import Check, Issue

IntArray = npt.NDArray[np.int64]
NodeArray = npt.NDArray[np.int32]  # node ids: a crawl has far fewer than 2**31 pages
MAX_ITERATIONS = 10_000


def _(message: str) -> str:
    return message


CHECKS: tuple[Check, ...] = (
    Check(
        "orphan-page",
        "warning",
        "architecture",
        _("Orphan page"),
        _(
            "The page is listed in the sitemap or in your URL list, but no crawled page "
            "links to it. Search engines and visitors rarely find a page nothing links to."
        ),
        _(
            "Link to the page from relevant pages of the site (menu, category, related "
            "content), or remove it from the sitemap if it should not be found."
        ),
    ),
    Check(
        "deep-page",
        "notice",
        "architecture",
        _("Page too deep in the site"),
        _(
            "More than four clicks are needed to reach the page from the home page. Deep "
            "pages are crawled less often and receive little internal link weight."
        ),
        _(
            "Link to the page from a page closer to the home page, such as a category or "
            "hub page, or flatten the site structure."
        ),
    ),
)


@dataclass(frozen=True)
class LinkGraph:
    """The crawl's HTML 200 pages (``urls``, index = node id) and their unique edges."""

    urls: list[str]
    index: dict[str, int]  # node URLs and URLs redirecting to a node -> node id
    edges: NodeArray  # (k, 2) src, dst of every linked pair, self-links dropped
    followed: NodeArray  # the subset with at least one link not marked nofollow
    start: int | None  # node id of the start URL, None when it is not an HTML 200 page

    def rows(self) -> tuple[IntArray, NodeArray]:
        """The followed edges as compressed sparse rows: node i links to
        ``targets[starts[i]:starts[i + 1]]`` (the pairs are sorted by source)."""
        counts = np.bincount(self.followed[:, 0], minlength=len(self.urls))
        starts = np.zeros(len(self.urls) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        return starts, self.followed[:, 1]


def _nodes(store: CrawlStore) -> tuple[list[str], dict[str, int]]:
    # A light query instead of store.pages(): parsing every page's JSON is not needed here.
    rows = store.db.execute("SELECT url, status, final_url, data IS NOT NULL FROM pages")
    urls: list[str] = []
    index: dict[str, int] = {}
    redirects: list[tuple[str, str]] = []
    for url, status, final_url, is_html in rows:
        if status == 200 and is_html:
            index[url] = len(urls)
            urls.append(url)
        elif final_url and final_url != url:
            redirects.append((url, final_url))
    for url, final_url in redirects:
        if final_url in index:
            index[url] = index[final_url]
    return urls, index


def _unique(keys: IntArray) -> IntArray:
    # Sort-based: numpy's hash-based unique is several times slower on millions of ints.
    keys = np.sort(keys)
    keep = np.ones(len(keys), dtype=bool)
    keep[1:] = keys[1:] != keys[:-1]
    return keys[keep]


class _PairSet:
    """Node pairs flattened to ``src * n + dst`` and de-duplicated by chunks, so a crawl
    with millions of links never holds them as Python ints."""

    CHUNK = 1 << 20

    def __init__(self, n: int) -> None:
        self.n = max(n, 1)
        self.pending = array("q")
        self.chunks: list[IntArray] = []

    def add(self, key: int) -> None:
        self.pending.append(key)
        if len(self.pending) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        self.chunks.append(_unique(np.array(self.pending, dtype=np.int64)))
        self.pending = array("q")

    def pairs(self) -> NodeArray:
        """The unique pairs as a (k, 2) array of (src, dst), sorted."""
        self._flush()
        keys = _unique(np.concatenate(self.chunks))
        self.chunks = []
        pairs = np.empty((len(keys), 2), dtype=np.int32)  # half the memory of int64 pairs
        np.floor_divide(keys, self.n, out=pairs[:, 0], casting="unsafe")
        np.remainder(keys, self.n, out=pairs[:, 1], casting="unsafe")
        return pairs


def build_graph(store: CrawlStore) -> LinkGraph:
    """Read the crawl's pages and internal links into a ``LinkGraph``."""
    urls, index = _nodes(store)
    n = len(urls)
    every, followed = _PairSet(n), _PairSet(n)
    # Straight SQL rather than store.links(): a LinkRow per link costs more than the rest.
    rows = store.db.execute("SELECT src, dst, nofollow FROM links WHERE internal = 1")
    for src_url, dst_url, nofollow in rows:
        src, dst = index.get(src_url), index.get(dst_url)
        if src is None or dst is None or src == dst:
            continue
        every.add(src * n + dst)
        if not nofollow:
            followed.add(src * n + dst)
    start_url = store.get_meta("start_url")
    start = index.get(start_url) if isinstance(start_url, str) else None
    return LinkGraph(urls, index, every.pairs(), followed.pairs(), start)


def pagerank(
    store: CrawlStore | LinkGraph, *, damping: float = 0.85, tol: float = 1e-10
) -> dict[str, float]:
    """Internal PageRank of every HTML 200 page (see the module docstring); sums to 1."""
    if not 0.0 < damping < 1.0:
        raise InvalidInput(f"damping {damping!r} must be between 0 and 1", field="damping")
    if not tol > 0.0:
        raise InvalidInput(f"tol {tol!r} must be positive", field="tol")
    graph = store if isinstance(store, LinkGraph) else build_graph(store)
    n = len(graph.urls)
    if n == 0:
        return {}
    sources, targets = graph.followed[:, 0], graph.followed[:, 1]
    outdegree = np.bincount(sources, minlength=n).astype(np.float64)
    dangling = outdegree == 0
    inverse = np.divide(1.0, outdegree, out=np.zeros(n), where=~dangling)
    weights = inverse[sources]  # M[j, i] = 1 / outdeg(i) for each edge i -> j
    rank = np.full(n, 1.0 / n)
    for _iteration in range(MAX_ITERATIONS):
        spread = rank[dangling].sum() / n
        passed = np.bincount(targets, weights=rank[sources] * weights, minlength=n)  # M @ r
        new = damping * (passed + spread) + (1.0 - damping) / n
        new /= new.sum()  # guards against rounding drift over many iterations
        change = float(np.abs(new - rank).sum())
        rank = new
        if change < tol:
            break
    return dict(zip(graph.urls, rank.tolist(), strict=True))


def click_depth(store: CrawlStore | LinkGraph) -> dict[str, int]:
    """Fewest followed-link clicks from the start URL to each reachable HTML 200 page."""
    graph = store if isinstance(store, LinkGraph) else build_graph(store)
    if graph.start is None:
        return {}
    starts, targets = graph.rows()
    depth = np.full(len(graph.urls), -1, dtype=np.int64)
    depth[graph.start] = 0
    level, frontier = 0, np.array([graph.start], dtype=np.int64)
    while len(frontier):
        level += 1
        begin, end = starts[frontier], starts[frontier + 1]
        sizes = end - begin
        # Every edge position of the frontier's rows, without a Python loop over nodes.
        offsets = np.repeat(begin - np.cumsum(sizes) + sizes, sizes)
        reached = targets[offsets + np.arange(int(sizes.sum()))]
        fresh = np.unique(reached[depth[reached] < 0]).astype(np.int64)
        depth[fresh] = level
        frontier = fresh
    reachable = np.flatnonzero(depth >= 0)
    return {graph.urls[i]: int(depth[i]) for i in reachable}


def inlinks(store: CrawlStore | LinkGraph) -> dict[str, int]:
    """Number of distinct other pages linking to each HTML 200 page (nofollow included)."""
    graph = store if isinstance(store, LinkGraph) else build_graph(store)
    counts = np.bincount(graph.edges[:, 1], minlength=len(graph.urls))
    return dict(zip(graph.urls, counts.tolist(), strict=True))


def deep_issues(depths: dict[str, int], *, max_depth: int = 4) -> Iterator[Issue]:
    """``deep-page`` for each page more than ``max_depth`` clicks from the start URL."""
    if max_depth < 0:
        raise InvalidInput(f"max_depth {max_depth!r} must not be negative", field="max_depth")
    for url, depth in depths.items():
        if depth > max_depth:
            yield Issue("deep-page", url, str(depth))


def _candidates(store: CrawlStore, extra_urls: Iterable[str]) -> dict[str, str]:
    """URL -> where it was listed ("sitemap" or "list"), the sitemap winning."""
    listed: dict[str, str] = {}
    for raw in extra_urls:
        try:
            listed[normalise_url(raw)] = "list"
        except InvalidInput:
            continue  # a list entry that is no http(s) URL cannot be a page of the site
    for url, _sitemap, _lastmod in store.sitemap_urls():
        listed[url] = "sitemap"
    return listed


def orphan_issues(
    store: CrawlStore, extra_urls: Iterable[str] = (), *, graph: LinkGraph | None = None
) -> Iterator[Issue]:
    """``orphan-page`` for each listed URL that no other crawled page links to.

    A listed URL is one of the sitemap or of ``extra_urls``. It is checked when it is an
    HTML 200 page (or redirects to one) other than the start page; a sitemap URL of the
    site that was never fetched is checked against the raw link targets.
    """
    graph = graph or build_graph(store)
    counts = np.bincount(graph.edges[:, 1], minlength=len(graph.urls))
    start_url = store.get_meta("start_url")
    unfetched: dict[str, str] = {}
    for url, source in _candidates(store, extra_urls).items():
        node = graph.index.get(url)
        if node is not None:
            if node != graph.start and counts[node] == 0:
                yield Issue("orphan-page", graph.urls[node], source)
        elif source == "sitemap" and isinstance(start_url, str) and same_site(url, start_url):
            unfetched[url] = source
    for url, source in unfetched.items():
        if store.page(url) is None and not _linked(store, url):
            yield Issue("orphan-page", url, source)


def _linked(store: CrawlStore, url: str) -> bool:
    """Whether another page links to ``url`` (through the links table's index on dst)."""
    sql = "SELECT 1 FROM links WHERE dst = ? AND src != dst LIMIT 1"
    return store.db.execute(sql, (url,)).fetchone() is not None


def graph_issues(
    store: CrawlStore,
    *,
    extra_urls: Iterable[str] = (),
    max_depth: int = 4,
    graph: LinkGraph | None = None,
) -> Iterator[Issue]:
    """Every issue of the link graph: orphan pages, then pages deeper than ``max_depth``
    (``graph``: the crawl's graph when the caller built it already)."""
    graph = graph or build_graph(store)
    yield from orphan_issues(store, extra_urls, graph=graph)
    yield from deep_issues(click_depth(graph), max_depth=max_depth)
