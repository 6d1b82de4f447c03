import math
import zlib
from collections import Counter
from pathlib import Path

import orjson
import pytest

from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.errors import InvalidInput
from pilotage.seo.keywords import (
    TermStat,
    cannibalisation_issues,
    contested_terms,
    keyword_map,
    site_terms,
    tfidf,
)
from pilotage.seo.model import Issue, PageData
from pilotage.seo.terms import ngrams, page_counts, terms
from pilotage.seo.text import words

SITE = "https://example.org/"


def make_store(tmp_path: Path, texts: dict[str, str], **headlines: list[str]) -> CrawlStore:
    """One HTML 200 page per text; ``headlines[name]`` = [title, h1]."""
    store = CrawlStore(tmp_path, create=True)
    for name, text in texts.items():
        title, h1 = headlines.get(name, ["", ""])
        data = PageData(title=[title], headings={"h1": [h1]}, text=text)
        store.save_page(PageRow(SITE + name, 1, 200, SITE + name, data=data))
    return store


def test_ngrams() -> None:
    assert list(ngrams(["a", "b", "c"], 2)) == ["a b", "b c"]
    assert list(ngrams(["a"], 2)) == []
    with pytest.raises(InvalidInput):
        list(ngrams(["a"], 0))


def test_terms_neither_start_nor_end_with_a_stop_word() -> None:
    tokens = ["le", "prix", "de", "vente", "of", "the", "2024", "x", "offer"]
    assert list(terms(tokens)) == ["prix", "vente", "offer", "prix de vente"]


def test_site_terms_count_occurrences_and_pages(tmp_path: Path) -> None:
    store = make_store(
        tmp_path, {"a": "Audit SEO. Audit SEO, audit!", "b": "Un audit rapide", "c": "Rien"}
    )
    stats = site_terms(store, n=(1, 2), top=2)
    assert stats == [
        TermStat("audit", 1, 2, 4),
        TermStat("seo", 1, 1, 2),
        TermStat("audit seo", 2, 1, 2),
        TermStat("seo audit", 2, 1, 2),  # n-grams run across punctuation
    ]


# scikit-learn user guide, "Tf-idf term weighting": TfidfTransformer(smooth_idf=True) of
# these counts (3 terms x 6 documents) gives these rows.
SKLEARN_COUNTS = [[3, 0, 1], [2, 0, 0], [3, 0, 0], [4, 0, 0], [3, 2, 0], [3, 0, 2]]
SKLEARN_TFIDF = [
    [0.85151335, 0.0, 0.52433293],
    [1.0, 0.0, 0.0],
    [1.0, 0.0, 0.0],
    [1.0, 0.0, 0.0],
    [0.55422893, 0.83236428, 0.0],
    [0.63035731, 0.0, 0.77630514],
]


def test_tfidf_matches_the_published_scikit_learn_example(tmp_path: Path) -> None:
    vocabulary = ["alpha", "beta", "gamma"]
    texts = {
        f"d{i}": " ".join(w for w, k in zip(vocabulary, row, strict=True) for _ in range(k))
        for i, row in enumerate(SKLEARN_COUNTS)
    }
    scores = tfidf(make_store(tmp_path, texts), n=(1,), sublinear=False)
    for i, expected in enumerate(SKLEARN_TFIDF):
        got = dict(scores[f"{SITE}d{i}"])
        assert [got.get(w, 0.0) for w in vocabulary] == pytest.approx(expected, abs=1e-8)


def test_tfidf_sublinear_by_hand(tmp_path: Path) -> None:
    texts = {"a": "apple apple apple banana", "b": "banana cherry", "c": "cherry"}
    scores = tfidf(make_store(tmp_path, texts), n=(1,), top_per_page=1)
    # N = 3; df(apple) = 1, df(banana) = 2.
    apple = (1 + math.log(3)) * (math.log(4 / 2) + 1)
    banana = 1 * (math.log(4 / 3) + 1)
    [(term, score)] = scores[f"{SITE}a"]
    assert term == "apple"
    assert score == pytest.approx(apple / math.hypot(apple, banana))
    [(term, score)] = scores[f"{SITE}c"]
    assert term == "cherry"
    assert score == pytest.approx(1.0)


def test_tfidf_from_text_when_the_crawl_stored_no_counts(tmp_path: Path) -> None:
    """A crawl file written before term counts were stored gets the same scores."""
    vocabulary = ["alpha", "beta", "gamma"]
    texts = {
        f"d{i}": " ".join(w for w, k in zip(vocabulary, row, strict=True) for _ in range(k))
        for i, row in enumerate(SKLEARN_COUNTS)
    }
    store = make_store(tmp_path, texts)
    stored = tfidf(store)
    assert store.db.execute("SELECT count(*) FROM terms").fetchone()[0] == len(texts)
    store.db.execute("DELETE FROM terms")
    assert tfidf(store) == stored
    scores = tfidf(store, n=(1,), sublinear=False)
    for i, expected in enumerate(SKLEARN_TFIDF):
        got = dict(scores[f"{SITE}d{i}"])
        assert [got.get(w, 0.0) for w in vocabulary] == pytest.approx(expected, abs=1e-8)


@pytest.mark.parametrize("budget", [0, 4, 7])
def test_tfidf_reads_again_the_pages_the_cache_cannot_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    """No page, some pages or all but one kept from the first pass: the same scores."""
    import pilotage.seo.keywords as keywords

    vocabulary = ["alpha", "beta", "gamma"]
    texts = {
        f"d{i}": " ".join(w for w, k in zip(vocabulary, row, strict=True) for _ in range(k))
        for i, row in enumerate(SKLEARN_COUNTS)
    }
    store = make_store(tmp_path, texts)
    whole = tfidf(store, n=(1,), sublinear=False)
    monkeypatch.setattr(keywords, "CACHE_TERMS", budget)
    monkeypatch.setattr(keywords, "MERGE_TERMS", budget + 1)  # frequencies merged often
    assert tfidf(store, n=(1,), sublinear=False) == whole
    assert tfidf(store) == tfidf(store, urls=set(store_urls(store)))
    for i, expected in enumerate(SKLEARN_TFIDF):
        got = dict(whole[f"{SITE}d{i}"])
        assert [got.get(w, 0.0) for w in vocabulary] == pytest.approx(expected, abs=1e-8)


def test_tfidf_reads_an_older_crawls_term_counts(tmp_path: Path) -> None:
    """Counts stored as compressed JSON by earlier versions give the same scores."""
    texts = {
        "a": "prix de vente des pains au levain, prix bas",
        "b": "vente en ligne de pains et de farines, pains bio",
        "c": "prix des farines bio, prix de la farine",
    }
    store = make_store(tmp_path, texts, a=["Prix du pain", "Prix"], c=["Farines", "Prix"])
    now = tfidf(store, top_per_page=4)
    contested = contested_terms(store)
    for url, text in list(store.texts()):
        legacy = zlib.compress(orjson.dumps(dict(page_counts(words(text)))), 1)
        store.db.execute("UPDATE terms SET counts = ? WHERE url = ?", (legacy, url))
    assert tfidf(store, top_per_page=4) == now
    assert contested_terms(store) == contested == {"prix": [SITE + "a", SITE + "c"]}


def store_urls(store: CrawlStore) -> list[str]:
    return [url for url, _text in store.texts()]


def test_keyword_map_ranks_pages_per_term() -> None:
    scores = {"u1": [("seo", 0.5), ("audit", 0.4)], "u2": [("seo", 0.9)]}
    assert keyword_map(scores) == {"seo": [("u2", 0.9), ("u1", 0.5)], "audit": [("u1", 0.4)]}


def test_cannibalisation_needs_top_term_and_headline(tmp_path: Path) -> None:
    texts = {
        "shoes": "running shoes running shoes guide",
        "shoes2": "running shoes running shoes review",
        "shoes3": "running shoes running shoes prices",  # not in its title: no competition
        "other": "gardening tools and gardening tips",
        "filler": "weather report",
    }
    store = make_store(
        tmp_path,
        texts,
        shoes=["Running shoes guide", ""],
        shoes2=["Review", "Best running shoes"],
        shoes3=["Prices", "Our prices"],
        other=["Running shoes?", "Gardening"],  # in its title, not among its top terms
    )
    a, b = SITE + "shoes", SITE + "shoes2"
    issues = set(cannibalisation_issues(store, top=3))
    # Top 3 of both pages: "running", "running shoes", "shoes" (tf 2, df 3), all in a headline.
    contested = ["running", "running shoes", "shoes"]
    assert issues == {
        Issue("keyword-cannibalisation", url, f"{term}: {other}")
        for term in contested
        for url, other in [(a, b), (b, a)]
    }


@pytest.mark.parametrize("merge_every", [1, 3, 50, 1000])
def test_document_frequencies_match_a_plain_count(
    monkeypatch: pytest.MonkeyPatch, merge_every: int
) -> None:
    import numpy as np

    import pilotage.seo.keywords as keywords

    monkeypatch.setattr(keywords, "MERGE_TERMS", merge_every)
    rng = np.random.default_rng(merge_every)
    frequencies, plain = keywords._Frequencies(), Counter[int]()
    for _page in range(40):
        hashes = np.unique(rng.integers(0, 2**63, 60, dtype=np.uint64) % 97 * 0x9E3779B97F4A7C15)
        frequencies.add(hashes)
        plain.update(hashes.tolist())
    asked = np.array([*plain, 12345], dtype=np.uint64)  # the last one was never added
    assert frequencies.of(asked).tolist() == [*plain.values(), 0]
