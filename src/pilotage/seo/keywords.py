"""Keywords of a crawl: n-gram frequencies, TF-IDF per page, keyword map, cannibalisation.

Terms are word n-grams (``pilotage.seo.text.words``) whose first and last words are not
stop words, so "prix de vente" is a term but "de vente" is not. Stop words are the
Snowball project's English and French lists (snowballstem.org/algorithms/english/stop.txt
and .../french/stop.txt, BSD licence), adapted to our tokeniser: English contractions
split at the apostrophe ("isn't" -> "isn", "t"), so their parts are listed; numbers and
one-character words are treated as stop words too.

TF-IDF, the variant scikit-learn documents for ``TfidfTransformer(smooth_idf=True,
sublinear_tf=True)`` (scikit-learn user guide, "Tf-idf term weighting"): for a page d
among N pages and a term t found in df(t) of them,
``w(t, d) = (1 + ln tf(t, d)) * (ln((1 + N) / (1 + df(t))) + 1)``, then the page's vector
is divided by its L2 norm. ``sublinear=False`` uses the raw count tf(t, d) instead.

Memory: the texts are streamed twice from the crawl file (document frequencies first,
then each page's scores), so only the vocabulary and the top terms of each page are held.

Cannibalisation rule: a page *targets* a term when the term is among its ``top`` TF-IDF
terms and also appears in its title or an h1. When two or more indexable pages target
the same term, each gets a ``keyword-cannibalisation`` issue naming the term and the
others: they compete for the same query.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pilotage.crawl.store import CrawlStore
from pilotage.errors import InvalidInput
from pilotage.seo.checks_page import is_indexable
from pilotage.seo.model import Check, Issue
from pilotage.seo.text import words


def _listed(text: str) -> list[str]:
    return text.split()


STOP_WORDS_EN = frozenset(
    _listed(
        """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing would should could ought a an the and but if or because as until while of
    at by for with about against between into through during before after above below to
    from up down in out on off over under again further then once here there when where why
    how all any both each few more most other some such no nor not only own same so than too
    very cannot
    s t d ll re ve m isn aren wasn weren hasn haven hadn doesn don didn won wouldn shan
    shouldn can couldn mustn let
    """
    )
)
STOP_WORDS_FR = frozenset(
    _listed(
        """
    au aux avec ce ces dans de des du elle en et eux il je la le leur lui ma mais me même
    mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes
    toi ton tu un une vos votre vous c d j l à m n s t y été étée étées étés étant étante
    étants étantes suis es est sommes êtes sont serai seras sera serons serez seront serais
    serait serions seriez seraient étais était étions étiez étaient fus fut fûmes fûtes
    furent sois soit soyons soyez soient fusse fusses fût fussions fussiez fussent ayant
    ayante ayantes ayants eu eue eues eus ai as avons avez ont aurai auras aura aurons aurez
    auront aurais aurait aurions auriez auraient avais avait avions aviez avaient eut eûmes
    eûtes eurent aie aies ait ayons ayez aient eusse eusses eût eussions eussiez eussent
    ceci cela celà cet cette ici ils les leurs quel quels quelle quelles sans soi
    """
    )
)
STOP_WORDS = STOP_WORDS_EN | STOP_WORDS_FR
DEFAULT_SIZES = (1, 2, 3)
TFIDF_SIZES = (1, 2)


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


def is_stop(word: str) -> bool:
    return len(word) < 2 or word.isdigit() or word in STOP_WORDS


def ngrams(tokens: Sequence[str], n: int) -> Iterator[str]:
    """Every run of ``n`` consecutive tokens, joined by one space."""
    if n < 1:
        raise InvalidInput(f"n-gram size {n!r} must be at least 1", field="n")
    for i in range(len(tokens) - n + 1):
        yield " ".join(tokens[i : i + n])


def terms(tokens: Sequence[str], sizes: Iterable[int] = DEFAULT_SIZES) -> list[str]:
    """The n-grams of ``sizes`` that neither start nor end with a stop word."""
    stop = STOP_WORDS
    keep = [len(t) > 1 and t not in stop and not t.isdigit() for t in tokens]
    found: list[str] = []
    for n in sizes:
        if n < 1:
            raise InvalidInput(f"n-gram size {n!r} must be at least 1", field="n")
        if n == 1:
            found.extend([t for t, k in zip(tokens, keep, strict=True) if k])
        elif n == 2:  # the common case, without slicing
            pairs = zip(tokens, tokens[1:], keep, keep[1:], strict=False)
            found.extend([f"{a} {b}" for a, b, ka, kb in pairs if ka and kb])
        else:
            last = n - 1
            found.extend(
                [
                    " ".join(tokens[i : i + n])
                    for i in range(len(tokens) - last)
                    if keep[i] and keep[i + last]
                ]
            )
    return found


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


CACHE_TERMS = 400_000  # term counts kept between the two passes (about 60 MB at most)


def _first_pass(
    store: CrawlStore, sizes: tuple[int, ...], urls: Collection[str] | None
) -> tuple[dict[str, float], dict[str, Counter[str]], bool]:
    """Document frequencies -> smooth idf; the pages' term counts are kept while they fit
    in ``CACHE_TERMS`` (a small site is read once), else the second pass counts again."""
    documents: Counter[str] = Counter()
    cached: dict[str, Counter[str]] = {}
    budget, total = CACHE_TERMS, 0
    for url, text in _texts(store, urls):
        counts = Counter(terms(words(text), sizes))
        documents.update(counts.keys())
        total += 1
        if budget >= len(counts):
            cached[url] = counts
            budget -= len(counts)
        else:
            budget = -1
    idf = {t: math.log((1 + total) / (1 + df)) + 1 for t, df in documents.items()}
    return idf, cached, budget < 0


def tfidf(
    store: CrawlStore,
    *,
    top_per_page: int = 10,
    n: Iterable[int] = TFIDF_SIZES,
    sublinear: bool = True,
    urls: Collection[str] | None = None,
) -> dict[str, list[tuple[str, float]]]:
    """Each page's ``top_per_page`` terms by L2-normalised TF-IDF (module docstring).

    ``urls`` restricts the pages, for the document frequencies as for the scores.
    """
    if top_per_page < 1:
        raise InvalidInput(f"top_per_page {top_per_page!r} must be at least 1", field="top")
    sizes = tuple(n)
    idf, cached, partial = _first_pass(store, sizes, urls)
    scores: dict[str, list[tuple[str, float]]] = {}
    for url, text in _texts(store, urls):
        counts = cached.pop(url, None)
        if counts is None:
            if not partial:
                continue  # a page without terms
            counts = Counter(terms(words(text), sizes))
        if counts:
            scores[url] = _top_terms(counts, idf, top_per_page, sublinear)
    return scores


def _top_terms(
    counts: Counter[str], idf: Mapping[str, float], top: int, sublinear: bool
) -> list[tuple[str, float]]:
    # numpy for the arithmetic: a long page has thousands of distinct terms.
    names = list(counts)
    tf = np.fromiter(counts.values(), dtype=np.float64, count=len(names))
    weights = (1.0 + np.log(tf) if sublinear else tf) * np.fromiter(
        [idf[t] for t in names], dtype=np.float64, count=len(names)
    )
    weights /= np.sqrt(np.dot(weights, weights))
    if len(names) > top:
        best = np.argpartition(-weights, top - 1)[:top]
        cut = weights[best].min()
        best = np.flatnonzero(weights >= cut)  # keeps every tie at the cut, sorted below
    else:
        best = np.arange(len(names))
    ranked = sorted(((names[i], float(weights[i])) for i in best), key=lambda x: (-x[1], x[0]))
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


def _headline_terms(store: CrawlStore, sizes: tuple[int, ...]) -> dict[str, set[str]]:
    """Indexable page -> the terms of its titles and h1s."""
    found: dict[str, set[str]] = {}
    for page in store.pages():
        if page.data is not None and is_indexable(page):
            lines = [*page.data.title, *page.data.headings.get("h1", [])]
            found[page.url] = {t for line in lines for t in terms(words(line), sizes)}
    return found


def cannibalisation_issues(
    store: CrawlStore, *, top: int = 5, n: Iterable[int] = TFIDF_SIZES, cap: int = 10
) -> Iterator[Issue]:
    """``keyword-cannibalisation``: one issue per page and contested term (module docstring).

    ``detail`` is "term: url url…", the competing pages sorted, at most ``cap`` of them.
    """
    sizes = tuple(n)
    headlines = _headline_terms(store, sizes)
    scores = tfidf(store, top_per_page=top, n=sizes, urls=headlines.keys())
    targets: dict[str, list[str]] = {}
    for url, ranked in scores.items():
        for term, _score in ranked:
            if term in headlines[url]:
                targets.setdefault(term, []).append(url)
    for term in sorted(targets):
        pages = sorted(targets[term])
        if len(pages) < 2:
            continue
        for url in pages:
            others = [other for other in pages if other != url]
            more = f" (+{len(others) - cap} more)" if len(others) > cap else ""
            yield Issue("keyword-cannibalisation", url, f"{term}: {' '.join(others[:cap])}{more}")
