"""Keywords of a crawl: n-gram frequencies, TF-IDF per page, keyword map, cannibalisation.

Terms (word n-grams that neither start nor end with a stop word) are defined in
``pilotage.seo.terms``.

TF-IDF, the variant scikit-learn documents for ``TfidfTransformer(smooth_idf=True,
sublinear_tf=True)`` (scikit-learn user guide, "Tf-idf term weighting"): for a page d
among N pages and a term t found in df(t) of them,
``w(t, d) = (1 + ln tf(t, d)) * (ln((1 + N) / (1 + df(t))) + 1)``, then the page's vector
is divided by its L2 norm. ``sublinear=False`` uses the raw count tf(t, d) instead.

Memory: the pages' term counts (stored by the crawl, or counted from the text for a page
saved without them) are streamed twice from the crawl file, document frequencies first,
then each page's scores. Terms are identified by their 64-bit hashes
(``pilotage.seo.terms``): the document frequencies are two sorted numpy arrays (hash,
pages), about 16 bytes per distinct term of the site, and a term's name is built only
when it is among a page's best.

Cannibalisation rule: a page *targets* a term when the term is among its ``top`` TF-IDF
terms and also appears in its title or an h1. When two or more indexable pages target
the same term, each gets a ``keyword-cannibalisation`` issue naming the term and the
others: they compete for the same query.
"""

from __future__ import annotations

import heapq
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.errors import InvalidInput
from pilotage.seo.checks_page import is_indexable
from pilotage.seo.model import Check, Issue, others_detail
from pilotage.seo.terms import (
    DEFAULT_SIZES,
    TFIDF_SIZES,
    TermCounts,
    count_terms,
    from_mapping,
    page_counts,
    terms,
    unpack_terms,
)
from pilotage.seo.text import words


def _(message: str) -> str:
    return message


CHECKS: tuple[Check, ...] = (
    Check(
        "keyword-cannibalisation",
        "notice",
        "keywords",
        _("Keyword cannibalisation"),
        _(
            "Several pages put the same term at the heart of their text and in their title "
            "or main heading. They compete for the same searches, and search engines may "
            "rank none of them well."
        ),
        _(
            "Choose one page for the term and make it the most complete; give the others a "
            "different focus, merge them, or link them to the chosen page."
        ),
    ),
)


@dataclass(frozen=True)
class TermStat:
    term: str
    size: int  # words in the term
    documents: int  # pages holding it
    count: int  # occurrences over the site


def _texts(store: CrawlStore, urls: Collection[str] | None) -> Iterator[tuple[str, str]]:
    for url, text in store.texts():
        if urls is None or url in urls:
            yield url, text


def site_terms(
    store: CrawlStore,
    *,
    n: Iterable[int] = DEFAULT_SIZES,
    top: int = 50,
    urls: Collection[str] | None = None,
) -> list[TermStat]:
    """The ``top`` most frequent terms of each size, by count, then pages, then term.

    Ties at the cut are broken by first appearance in the crawl's text order.
    """
    sizes = tuple(n)
    counts: dict[int, Counter[str]] = {size: Counter() for size in sizes}
    documents: Counter[str] = Counter()
    for _url, text in _texts(store, urls):
        tokens = words(text)
        for size in sizes:
            page = Counter(terms(tokens, (size,)))
            counts[size].update(page)
            documents.update(page.keys())
    stats: list[TermStat] = []
    for size, counter in counts.items():
        chosen = heapq.nlargest(top, counter, key=lambda t: (counter[t], documents[t]))
        chosen.sort(key=lambda t: (-counter[t], -documents[t], t))
        stats.extend(TermStat(t, size, documents[t], counter[t]) for t in chosen)
    return stats


CACHE_TERMS = 600_000  # term counts kept between the two passes (about 40 MB at most)
MERGE_TERMS = 500_000  # page terms gathered before they are merged into the frequencies


def page_term_counts(
    store: CrawlStore,
    sizes: tuple[int, ...] = TFIDF_SIZES,
    urls: Collection[str] | None = None,
    *,
    after: str = "",
) -> Iterator[tuple[str, TermCounts]]:
    """Each page's term counts in URL order, from the URL after ``after``: the crawl's
    stored counts for the default sizes, else counted from the page's text."""
    if sizes != TFIDF_SIZES:
        for url, text in _texts(store, urls):
            if url > after:
                yield url, from_mapping(page_counts(words(text), sizes))
        return
    for url, blob, stored_text in store.term_rows():
        if url > after and (urls is None or url in urls):
            if blob is not None:
                yield url, unpack_terms(blob)
            else:
                yield url, count_terms(words(stored_text or ""))


def tfidf(
    store: CrawlStore,
    *,
    top_per_page: int = 10,
    n: Iterable[int] = TFIDF_SIZES,
    sublinear: bool = True,
    urls: Collection[str] | None = None,
) -> dict[str, list[tuple[str, float]]]:
    """Each page's ``top_per_page`` terms by L2-normalised TF-IDF (module docstring).

    ``urls`` restricts the pages, for the document frequencies as for the scores. The
    first pages' counts, up to ``CACHE_TERMS`` terms, are kept from the first pass, so a
    small site is read once and a large one twice.
    """
    if top_per_page < 1:
        raise InvalidInput(f"top_per_page {top_per_page!r} must be at least 1", field="top")
    sizes = tuple(n)
    for size in sizes:
        if size < 1:
            raise InvalidInput(f"n-gram size {size!r} must be at least 1", field="n")
    return dict(_scored(store, sizes, urls, top_per_page, sublinear))


class _Frequencies:
    """Document frequencies by term hash: sorted unique hashes and their page counts,
    merged from the pages' hashes a few million at a time."""

    def __init__(self) -> None:
        self.hashes = np.zeros(0, np.uint64)
        self.pages = np.zeros(0, np.int64)
        self._pending: list[np.ndarray] = []
        self._size = 0

    def add(self, hashes: np.ndarray) -> None:
        self._pending.append(hashes)  # a page's hashes are distinct
        self._size += len(hashes)
        if self._size >= MERGE_TERMS:
            self._merge()

    def _merge(self) -> None:
        if not self._pending:
            return
        # The gathered pages counted first, then merged into the sorted counts so far
        # without sorting them again: a few copies of MERGE_TERMS hashes at most.
        gathered, counts = np.unique(np.concatenate(self._pending), return_counts=True)
        self._pending, self._size = [], 0
        at, known = self._find(gathered)
        np.add.at(self.pages, at[known], counts[known])
        fresh = ~known
        self.hashes = np.insert(self.hashes, at[fresh], gathered[fresh])
        self.pages = np.insert(self.pages, at[fresh], counts[fresh])

    def _find(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where ``hashes`` are or would go in the sorted hashes, and which are there."""
        at = np.searchsorted(self.hashes, hashes)
        found = self.hashes[np.minimum(at, len(self.hashes) - 1)] if len(self.hashes) else at
        return at, (at < len(self.hashes)) & (found == hashes)

    def of(self, hashes: np.ndarray) -> np.ndarray:
        """The page counts of ``hashes`` (0 for a term no page was counted with)."""
        self._merge()
        at, known = self._find(hashes)
        result = np.zeros(len(hashes), np.int64)
        result[known] = self.pages[at[known]]
        return result


def _scored(
    store: CrawlStore,
    sizes: tuple[int, ...],
    urls: Collection[str] | None,
    top: int,
    sublinear: bool,
) -> Iterator[tuple[str, list[tuple[str, float]]]]:
    """(url, top terms) page by page, so a caller that needs only a part keeps only that."""
    documents = _Frequencies()
    cached: list[tuple[str, TermCounts]] = []
    pages, budget = 0, CACHE_TERMS
    for url, counts in page_term_counts(store, sizes, urls):
        documents.add(counts.hashes)
        pages += 1
        budget -= len(counts)
        if budget >= 0:
            cached.append((url, counts))
    after = cached[-1][0] if cached else ""
    rest = page_term_counts(store, sizes, urls, after=after) if budget < 0 else ()
    for url, counts in chain(cached, rest):
        if len(counts):
            yield url, _top_terms(counts, documents.of(counts.hashes), pages, top, sublinear)


def _top_terms(
    counts: TermCounts, df: np.ndarray, pages: int, top: int, sublinear: bool
) -> list[tuple[str, float]]:
    size = len(counts)
    tf = counts.counts.astype(np.float64)
    idf = np.log((1 + pages) / (1 + df.astype(np.float64))) + 1.0
    weights = (1.0 + np.log(tf) if sublinear else tf) * idf
    weights /= np.sqrt(np.dot(weights, weights))
    if size > top:
        best = np.argpartition(-weights, top - 1)[:top]
        cut = weights[best].min()
        best = np.flatnonzero(weights >= cut)  # keeps every tie at the cut, sorted below
    else:
        best = np.arange(size)
    named = ((counts.name(i), float(weights[i])) for i in best.tolist())
    ranked = sorted(named, key=lambda x: (-x[1], x[0]))
    return ranked[:top]


def keyword_map(
    scores: Mapping[str, Sequence[tuple[str, float]]],
) -> dict[str, list[tuple[str, float]]]:
    """Term -> the pages having it among their top terms, best score first."""
    pages: dict[str, list[tuple[str, float]]] = {}
    for url, top in scores.items():
        for term, score in top:
            pages.setdefault(term, []).append((url, score))
    for ranked in pages.values():
        ranked.sort(key=lambda item: (-item[1], item[0]))
    return pages


def headline_terms(
    rows: Iterable[PageRow], sizes: tuple[int, ...] = TFIDF_SIZES
) -> dict[str, tuple[str, ...]]:
    """Indexable page -> the terms of its titles and h1s.

    Held for every page while the TF-IDF is computed: tuples of interned strings, as the
    pages of one site share most of their headline words."""
    found: dict[str, tuple[str, ...]] = {}
    for page in rows:
        if page.data is not None and is_indexable(page):
            lines = [*page.data.title, *page.data.headings.get("h1", [])]
            unique = {t for line in lines for t in terms(words(line), sizes)}
            found[page.url] = tuple(sys.intern(t) for t in sorted(unique))
    return found


def contested_terms(
    store: CrawlStore, *, top: int = 5, sizes: tuple[int, ...] = TFIDF_SIZES
) -> dict[str, list[str]]:
    """Term -> the indexable pages (sorted, two or more) targeting it (module docstring)."""
    if top < 1:
        raise InvalidInput(f"top {top!r} must be at least 1", field="top")
    headlines = headline_terms(store.page_heads(), sizes)
    targets: dict[str, list[str]] = {}
    for url, ranked in _scored(store, sizes, headlines.keys(), top, True):
        for term, _score in ranked:
            if term in headlines[url]:
                targets.setdefault(term, []).append(url)
    return {term: sorted(urls) for term, urls in targets.items() if len(urls) > 1}


def contested_terms_in(directory: str) -> dict[str, list[str]]:
    """``contested_terms`` of the crawl in ``directory``, for a worker process: the audit
    runs it there while it reads the pages for the other checks."""
    with CrawlStore(directory) as store:
        return contested_terms(store)


def cannibalisation_issues(
    store: CrawlStore,
    *,
    top: int = 5,
    n: Iterable[int] = TFIDF_SIZES,
    cap: int = 10,
    contested: Mapping[str, list[str]] | None = None,
) -> Iterator[Issue]:
    """``keyword-cannibalisation``: one issue per page and contested term (module docstring).

    ``detail`` is "term: url url…", the competing pages sorted, at most ``cap`` of them.
    ``contested``: ``contested_terms`` of the crawl when the caller has them.
    """
    if contested is None:
        contested = contested_terms(store, top=top, sizes=tuple(n))
    for term in sorted(contested):
        pages = contested[term]
        for url in pages:
            yield Issue("keyword-cannibalisation", url, f"{term}: {others_detail(pages, url, cap)}")
