"""Term counts as the crawl stores them: the same counts as the plain definition
(``page_counts``), hashes as documented, packed and read back, older crawls' format."""

from __future__ import annotations

import hashlib
import random
import zlib
from collections import Counter

import orjson
import pytest

from pilotage.seo.terms import (
    STOP_WORDS,
    count_terms,
    from_mapping,
    pack_terms,
    page_counts,
    term_hashes,
    unpack_counts,
    unpack_terms,
)
from pilotage.seo.text import token_hashes, words

MASK = (1 << 64) - 1
TEXT = (
    "Le pain au levain demande du temps : la pâte lève douze heures, puis le boulanger "
    "la façonne et la cuit à 240 °C. Our sourdough bread takes time: the dough rises for "
    "twelve hours, then the baker shapes it. Sourdough bread, pain au levain: 2 loaves, "
    "2 loaves of sourdough bread, x y z."
)


def _reference_hash(term: str) -> int:
    """The module docstring's definition in plain Python ints."""

    def word(w: str) -> int:
        return int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "big")

    def fmix(x: int) -> int:
        x ^= x >> 33
        x = (x * 0xFF51AFD7ED558CCD) & MASK
        x ^= x >> 33
        x = (x * 0xC4CEB9FE1A85EC53) & MASK
        return x ^ (x >> 33)

    first, *rest = term.split(" ")
    value = word(first)
    for other in rest:
        value = fmix((value * 0x9E3779B97F4A7C15 + word(other)) & MASK)
    return value


def test_counts_are_the_plain_definitions_on_a_real_text() -> None:
    tokens = words(TEXT)
    counted = count_terms(tokens)
    assert counted.as_dict() == dict(page_counts(tokens))
    assert counted.as_dict()["sourdough bread"] == 3  # a 2-word term
    assert "la" not in counted.as_dict() and "2 loaves" not in counted.as_dict()


@pytest.mark.parametrize("seed", range(20))
def test_counts_are_the_plain_definitions_on_random_words(seed: int) -> None:
    rng = random.Random(seed)
    vocabulary = ["prix", "vente", "audit", "seo", "page", "de", "the", "a", "x", "42", "été"]
    tokens = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 300))]
    counted = count_terms(tokens, token_hashes(tokens))
    assert counted.as_dict() == dict(page_counts(tokens))
    assert len(counted) == len(counted.as_dict())  # one entry per term


def test_hashes_follow_the_documented_definition() -> None:
    counted = count_terms(words(TEXT))
    names = counted.names
    assert counted.hashes.tolist() == [_reference_hash(name) for name in names]
    assert term_hashes(names).tolist() == counted.hashes.tolist()
    three = ["pain au levain", "sourdough bread takes"]
    assert term_hashes(three).tolist() == [_reference_hash(t) for t in three]


def test_packed_counts_read_back_the_same() -> None:
    counted = count_terms(words(TEXT))
    blob = pack_terms(counted)
    back = unpack_terms(blob)
    assert back.as_dict() == counted.as_dict()
    assert back.hashes.tolist() == counted.hashes.tolist()
    assert unpack_counts(blob) == counted.as_dict()
    assert pack_terms(count_terms([])) == b"" and len(unpack_terms(b"")) == 0
    assert len(blob) < len(zlib.compress(orjson.dumps(counted.as_dict()), 1))


def test_an_older_crawls_json_counts_read_the_same() -> None:
    counted = count_terms(words(TEXT))
    legacy = zlib.compress(orjson.dumps(dict(page_counts(words(TEXT)))), 1)
    back = unpack_terms(legacy)
    assert back.as_dict() == counted.as_dict()
    assert sorted(back.hashes.tolist()) == sorted(counted.hashes.tolist())
    other_sizes = from_mapping(Counter({"pain au levain": 2, "pain": 3}))
    assert other_sizes.as_dict() == {"pain au levain": 2, "pain": 3}


def test_stop_words_include_both_languages() -> None:
    assert {"the", "and", "de", "la", "isn"} <= STOP_WORDS
