"""What a keyword term is, and a page's term counts as the crawl file keeps them.

Terms are word n-grams (``pilotage.seo.text.words``) whose first and last words are not
stop words, so "prix de vente" is a term but "de vente" is not. Stop words are the
Snowball project's English and French lists (snowballstem.org/algorithms/english/stop.txt
and .../french/stop.txt, BSD licence), adapted to our tokeniser: English contractions
split at the apostrophe ("isn't" -> "isn", "t"), so their parts are listed; numbers and
one-character words are treated as stop words too.

The crawl's workers count each page's terms of ``TFIDF_SIZES`` while they parse it
(they hold its words already) and store them packed (``pack_counts``: JSON, zlib), so
the audit's TF-IDF reads counts instead of tokenising every text again.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

import orjson

from pilotage.errors import InvalidInput


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
TFIDF_SIZES = (1, 2)  # the sizes the crawl counts for the audit


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


def page_counts(tokens: Sequence[str], sizes: Iterable[int] = TFIDF_SIZES) -> Counter[str]:
    """How many times each term of ``sizes`` occurs in ``tokens``."""
    return Counter(terms(tokens, sizes))


def pack_counts(counts: dict[str, int]) -> bytes:
    """Term counts as stored in the crawl file (b"" for a page without terms)."""
    return zlib.compress(orjson.dumps(counts), 1) if counts else b""


def unpack_counts(blob: bytes) -> dict[str, int]:
    counts: dict[str, int] = orjson.loads(zlib.decompress(blob)) if blob else {}
    return counts
