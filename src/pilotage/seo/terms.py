"""What a keyword term is, and a page's term counts as the crawl file keeps them.

Terms are word n-grams (``pilotage.seo.text.words``) whose first and last words are not
stop words, so "prix de vente" is a term but "de vente" is not. Stop words are the
Snowball project's English and French lists (snowballstem.org/algorithms/english/stop.txt
and .../french/stop.txt, BSD licence), adapted to our tokeniser: English contractions
split at the apostrophe ("isn't" -> "isn", "t"), so their parts are listed; numbers and
one-character words are treated as stop words too.

The crawl's workers count each page's terms of ``TFIDF_SIZES`` while they parse it
(they hold its words already) and store them packed (``pack_terms``), so the audit's
TF-IDF reads counts instead of tokenising every text again.

A counted term also has a 64-bit hash, which TF-IDF uses as its identity so that the
document frequencies of a whole site are sorted numpy arrays rather than a dictionary
of strings: a word's hash is ``pilotage.seo.text.word_hash`` (BLAKE2b), a two-word
term's is fmix64(a·M + b mod 2⁶⁴) of its words' hashes (the combination simhash uses
for shingles, ``pilotage.seo.text``), a longer term's the same folded word by word.
Two of a site's terms sharing a hash is a 2⁻⁶⁴ event per pair (about 10⁻⁸ for a
million distinct terms). The crawl file keeps each page's distinct words and its terms
as word indices (``pack_terms``), about the size of the terms written out compressed;
the hashes are computed again from the words when read (each word hashed once per
process).
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np
import orjson

from pilotage.errors import InvalidInput
from pilotage.seo.text import MULTIPLIER, fmix64, token_hashes


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


class TermCounts:
    """A page's terms: their ``hashes`` (uint64) and ``counts``, and their names.

    A name is built when asked for (``name``): a page has thousands of terms and TF-IDF
    names only its best few. Terms counted from words (``count_terms``) are indices into
    the page's distinct kept words, a 1-word term having ``second == -1``; others (other
    n-gram sizes, older crawls) carry their names.
    """

    __slots__ = ("_first", "_names", "_second", "_words", "counts", "hashes")

    def __init__(
        self,
        hashes: np.ndarray,
        counts: np.ndarray,
        *,
        names: list[str] | None = None,
        words: list[str] | None = None,
        first: np.ndarray | None = None,
        second: np.ndarray | None = None,
    ) -> None:
        self.hashes, self.counts = hashes, counts
        self._names, self._words = names, words
        self._first, self._second = first, second

    def __len__(self) -> int:
        return len(self.hashes)

    def name(self, i: int) -> str:
        if self._names is not None:
            return self._names[i]
        assert self._words is not None and self._first is not None and self._second is not None
        first, second = int(self._first[i]), int(self._second[i])
        word = self._words[first]
        return word if second < 0 else f"{word} {self._words[second]}"

    @property
    def names(self) -> list[str]:
        return [self.name(i) for i in range(len(self))]

    def as_dict(self) -> dict[str, int]:
        return dict(zip(self.names, self.counts.tolist(), strict=True))


EMPTY = TermCounts(np.zeros(0, np.uint64), np.zeros(0, np.int64), names=[])
_MAGIC = b"PT1\n"  # packed term counts; older crawls stored zlib'd JSON (starts 0x78)


def _fold(word_hashes: np.ndarray) -> np.ndarray:
    """Term hashes of an (n, k) array of word hashes, k words per term."""
    value = word_hashes[:, 0]
    for column in range(1, word_hashes.shape[1]):
        value = fmix64(value * np.uint64(MULTIPLIER) + word_hashes[:, column])
    return value


def term_hashes(names: Sequence[str]) -> np.ndarray:
    """The 64-bit hash of each term (module docstring)."""
    split = [name.split(" ") for name in names]
    result = np.zeros(len(names), np.uint64)
    for size in {len(parts) for parts in split}:
        rows = [i for i, parts in enumerate(split) if len(parts) == size]
        flat = [word for i in rows for word in split[i]]
        hashes = token_hashes(flat).reshape(len(rows), size)
        result[rows] = _fold(hashes)
    return result


def count_terms(tokens: Sequence[str], hashes: np.ndarray | None = None) -> TermCounts:
    """``page_counts(tokens)`` (1- and 2-word terms) with each term's hash, computed on
    the tokens' hashes (``hashes``: their ``token_hashes``, when the caller has them)."""
    if not tokens:
        return EMPTY
    h = token_hashes(tokens) if hashes is None else hashes
    unique, first, inverse, counts = np.unique(
        h, return_index=True, return_inverse=True, return_counts=True
    )
    stop = STOP_WORDS
    distinct = [tokens[i] for i in first.tolist()]
    keep = np.fromiter(
        (len(t) > 1 and t not in stop and not t.isdigit() for t in distinct),
        dtype=bool,
        count=len(distinct),
    )
    kept_index = np.cumsum(keep) - 1  # distinct word -> its index among the kept words
    words = [t for t, k in zip(distinct, keep.tolist(), strict=True) if k]
    position = np.where(keep[inverse], kept_index[inverse], -1)  # token -> kept word
    at = np.flatnonzero((position[:-1] >= 0) & (position[1:] >= 0))  # pairs of kept words
    pairs = fmix64(h[at] * np.uint64(MULTIPLIER) + h[at + 1])
    pair_hashes, pair_first, pair_counts = np.unique(pairs, return_index=True, return_counts=True)
    starts = at[pair_first]
    n = len(words)
    return TermCounts(
        np.concatenate([unique[keep], pair_hashes]),
        np.concatenate([counts[keep], pair_counts]).astype(np.int64),
        words=words,
        first=np.concatenate([np.arange(n), position[starts]]).astype(np.int32),
        second=np.concatenate([np.full(n, -1), position[starts + 1]]).astype(np.int32),
    )


def from_mapping(counts: Mapping[str, int]) -> TermCounts:
    """Counts keyed by term (an older crawl's, other n-gram sizes) as ``TermCounts``."""
    if not counts:
        return EMPTY
    names = list(counts)
    values = np.fromiter(counts.values(), dtype=np.int64, count=len(names))
    return TermCounts(term_hashes(names), values, names=names)


def pack_terms(counts: TermCounts) -> bytes:
    """Term counts as stored in the crawl file (b"" for a page without terms): the page's
    kept words, each word's count (its 1-word term), then each 2-word term's two word
    indices and count; the hashes are not stored (computed again from the words)."""
    if not len(counts):
        return b""
    if counts._words is None or counts._second is None or counts._first is None:
        raise ValueError("only counts made by count_terms are packed")
    n = len(counts._words)
    head = n.to_bytes(4, "little") + (len(counts) - n).to_bytes(4, "little")
    body = (
        counts.counts.astype("<u4").tobytes()
        + counts._first[n:].astype("<u4").tobytes()
        + counts._second[n:].astype("<u4").tobytes()
        + "\n".join(counts._words).encode()
    )
    return _MAGIC + zlib.compress(head + body, 1)


def unpack_terms(blob: bytes) -> TermCounts:
    """``pack_terms`` read back (an older crawl's JSON counts too)."""
    if not blob:
        return EMPTY
    if not blob.startswith(_MAGIC):
        return from_mapping(orjson.loads(zlib.decompress(blob)))
    raw = zlib.decompress(blob[len(_MAGIC) :])
    n, pairs = int.from_bytes(raw[:4], "little"), int.from_bytes(raw[4:8], "little")
    counts = np.frombuffer(raw, "<u4", n + pairs, 8).astype(np.int64)
    offset = 8 + 4 * (n + pairs)
    a = np.frombuffer(raw, "<u4", pairs, offset).astype(np.int32)
    b = np.frombuffer(raw, "<u4", pairs, offset + 4 * pairs).astype(np.int32)
    words = raw[offset + 8 * pairs :].decode().split("\n")
    word_hashes = token_hashes(words)
    hashes = np.concatenate(
        [word_hashes, fmix64(word_hashes[a] * np.uint64(MULTIPLIER) + word_hashes[b])]
    )
    return TermCounts(
        hashes,
        counts,
        words=words,
        first=np.concatenate([np.arange(n, dtype=np.int32), a]),
        second=np.concatenate([np.full(n, -1, dtype=np.int32), b]),
    )


def unpack_counts(blob: bytes) -> dict[str, int]:
    """Stored term counts as a dictionary, term -> count."""
    return unpack_terms(blob).as_dict()
