"""Words, text normalisation and simhash: the text measures the SEO audit shares.

``words`` is the one tokeniser of the audit (word counts, thin content, keywords): the
text is put in Unicode NFC form, lowercased, and split on every character that is not a
letter or a digit. So accents stay ("délai"), while apostrophes and hyphens split
("l'audit" -> "l", "audit"; "e-commerce" -> "e", "commerce"): the elided article and
the parts of a compound then count as words of their own, which keeps the rule the
same in French and English and free of language lists.

``simhash`` is Charikar's fingerprint (M. S. Charikar, "Similarity estimation techniques
from rounding algorithms", STOC 2002), as used for near-duplicate web pages by Manku,
Jain and Das Sarma ("Detecting near-duplicates for web crawling", WWW 2007). The
features are word 3-shingles. Each word is hashed to 64 bits with BLAKE2b (8-byte
digest read big-endian; stable across runs, unlike ``hash()``); a shingle (a, b, c)
hashes to fmix64(a·M² + b·M + c mod 2⁶⁴), M = 0x9E3779B97F4A7C15 and fmix64 the
MurmurHash3 64-bit finaliser, so each distinct word is hashed once (a process caches
the word hashes) and the shingles are combined in numpy (a 10k-word page in about a
millisecond). Bit i of the fingerprint is 1 when strictly more features have bit i set
than unset. Texts of one or two words form one feature of the words they have; no words
give 0. Similar texts give fingerprints a small Hamming distance apart.

``decode_body`` follows the WHATWG Encoding Standard in spirit: a byte order mark wins,
then the HTTP charset, then a ``<meta charset>`` / ``http-equiv`` declaration in the
first 2 KB, then UTF-8, falling back to windows-1252 when the bytes are not UTF-8.
Labels ``iso-8859-1``/``latin1``/``ascii`` decode as windows-1252 as browsers do, and a
``<meta>`` naming UTF-16 means UTF-8 (the page could not have been read otherwise).
A declared encoding decodes with replacement characters, as a browser shows the page.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG maps these labels to windows-1252; Python's latin-1 differs on 0x80-0x9F.
_AS_CP1252 = {"latin-1", "iso8859-1", "ascii", "cp1252"}
SHINGLE = 3
MULTIPLIER = 0x9E3779B97F4A7C15  # 2**64 / golden ratio, odd: a full-period multiplier
FMIX1, FMIX2 = 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53
_WORD = re.compile(r"[^\W_]+")


def collapse(text: str) -> str:
    """Runs of whitespace made one space, ends stripped."""
    return " ".join(text.split())


def normalise(text: str) -> str:
    """Lowercased, whitespace-collapsed text: the form ``text_hash`` is computed on."""
    return (text if _is_collapsed(text) else collapse(text)).lower()


def _is_collapsed(text: str) -> bool:
    # A page's text is already collapsed; this scan is a third of the cost of collapsing.
    # Every character that str.split() treats as whitespace, but " ", is unprintable.
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def text_hash(text: str) -> str:
    """SHA-1 hex of the normalised text, "" when there is no text."""
    norm = normalise(text)
    return hashlib.sha1(norm.encode("utf-8")).hexdigest() if norm else ""


def words(text: str) -> list[str]:
    """Lowercased words: maximal runs of Unicode letters and digits (see module doc)."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _WORD.findall(text.lower())


def word_hash(word: str) -> int:
    """64-bit BLAKE2b hash of a word (8-byte digest read big-endian)."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "big")


# A site's pages share most of their words (26k distinct words over the 1.8M of
# Python's docs), so a crawl worker hashes each word once, not once per page. The cap
# bounds the memory (~25 MB with the words) on sites with an open vocabulary (IDs, codes).
_WORD_HASHES: dict[str, int] = {}
WORD_HASH_CACHE = 200_000


def _word_hashes(tokens: Sequence[str]) -> dict[str, int]:
    """A table holding the ``word_hash`` of every word of ``tokens`` (and of others)."""
    global _WORD_HASHES
    cache = _WORD_HASHES
    new = [word for word in set(tokens) if word not in cache]
    if len(cache) + len(new) > WORD_HASH_CACHE:
        # Replaced, not cleared: a thread still reading the old table keeps a whole one.
        cache = _WORD_HASHES = {}
        new = list(set(tokens))
    for word in new:
        cache[word] = word_hash(word)
    return cache


def token_hashes(tokens: Sequence[str]) -> np.ndarray:
    """uint64 ``word_hash`` of each token (each distinct word hashed once per process)."""
    try:  # most pages of a site have no word the process has not hashed yet
        return np.fromiter(map(_WORD_HASHES.__getitem__, tokens), np.uint64, len(tokens))
    except KeyError:
        table = _word_hashes(tokens)
    return np.fromiter(map(table.__getitem__, tokens), dtype=np.uint64, count=len(tokens))


def fmix64(x: np.ndarray) -> np.ndarray:
    # MurmurHash3's 64-bit finaliser: spreads every input bit over the whole word.
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(FMIX1)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(FMIX2)
    mixed: np.ndarray = x ^ (x >> np.uint64(33))
    return mixed


def shingle_hashes(
    tokens: Sequence[str], size: int = SHINGLE, hashes: np.ndarray | None = None
) -> np.ndarray:
    """uint64 hash of every run of ``size`` words (the whole text when shorter);
    ``hashes``: the tokens' ``token_hashes`` when the caller has them."""
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    w = token_hashes(tokens) if hashes is None else hashes
    width = min(size, len(tokens))
    count = len(tokens) - width + 1
    combined = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        combined = combined * np.uint64(MULTIPLIER) + w[offset : offset + count]
    return fmix64(combined)


def simhash(tokens: Sequence[str], hashes: np.ndarray | None = None) -> int:
    """64-bit unsigned simhash of the word 3-shingles of ``tokens`` (``hashes``: their
    ``token_hashes``, when the caller has them)."""
    hashes = shingle_hashes(tokens, hashes=hashes)
    if not len(hashes):
        return 0
    rows = hashes.astype(">u8").view(np.uint8).reshape(-1, 8)
    ones = np.unpackbits(rows, axis=1).sum(axis=0, dtype=np.int64)  # column 0 = bit 63
    majority = (2 * ones > len(hashes)).astype(np.uint8)
    return int.from_bytes(np.packbits(majority).tobytes(), "big")


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints."""
    return (a ^ b).bit_count()


def _codec(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
        # Rejects codecs that are not text encodings (base64, rot13) or that cannot
        # replace bad bytes (idna). Empty input would skip the codec entirely.
        b"ab".decode(name, errors="replace")
    except (LookupError, ValueError):
        return None
    return "cp1252" if name in _AS_CP1252 else name


def decode_body(body: bytes, content_type_charset: str | None) -> tuple[str, str]:
    """Decode an HTML body; return the text and the encoding used. Never raises."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace"), name
    declared = _codec(content_type_charset) if content_type_charset else None
    if declared is None:
        match = _META_CHARSET.search(body[:2048])
        declared = _codec(match.group(1).decode("ascii")) if match else None
        if declared is not None and declared.startswith("utf-16"):
            declared = "utf-8"
    if declared is not None:
        try:
            return body.decode(declared, errors="replace"), declared
        except UnicodeError:  # codecs such as idna refuse errors="replace"
            pass
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace"), "cp1252"


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type value, if any."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
