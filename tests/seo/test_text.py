import hashlib
import unicodedata

import pytest

from pilotage.seo import text
from pilotage.seo.text import collapse, hamming, normalise, simhash, text_hash, words

MASK = (1 << 64) - 1

ARTICLE = (
    "Search engines read the title of every page before anything else, so a clear and "
    "unique title tells them what the page is about and helps people choose it among the "
    "results. A description adds a sentence or two under the title; it does not change the "
    "ranking, but a good one earns more clicks. Headings split the text into parts that "
    "readers can scan, and the first heading usually repeats the promise of the title. "
    "Links between pages let crawlers find new content and pass importance from one page "
    "to another, which is why a page that nothing links to is hard to find. Images need "
    "a short alternative text for people who cannot see them and for search engines that "
    "index pictures. Finally, a page that loads quickly keeps visitors and costs less to crawl."
)
UNRELATED = (
    "La recette du pain de campagne demande de la farine de blé, un peu de seigle, de "
    "l'eau tiède, du sel et un levain actif nourri la veille. On mélange la farine et l'eau, "
    "on laisse reposer une heure, puis on ajoute le levain et le sel avant de pétrir "
    "doucement. La pâte lève lentement toute la nuit dans une pièce fraîche, ce qui "
    "développe les arômes et rend la mie souple. Le matin, on façonne une boule, on la pose "
    "dans un panier fariné et on attend encore deux heures. Le four doit être très chaud, "
    "avec une cocotte en fonte préchauffée pour garder la vapeur pendant la cuisson. Après "
    "quarante-cinq minutes, la croûte est dorée et le pain chante en refroidissant."
)


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")


def _fmix64(x: int) -> int:
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & MASK
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & MASK
    return x ^ (x >> 33)


def _reference_simhash(tokens: list[str]) -> int:
    """The documented definition, written plainly: Python ints, one bit at a time."""
    size = min(3, len(tokens))
    features = []
    for start in range(len(tokens) - size + 1):
        combined = 0
        for word in tokens[start : start + size]:
            combined = (combined * 0x9E3779B97F4A7C15 + _word_hash(word)) & MASK
        features.append(_fmix64(combined))
    result = 0
    for bit in range(64):
        votes = sum(1 if (h >> bit) & 1 else -1 for h in features)
        if votes > 0:
            result |= 1 << bit
    return result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L'audit SEO coûte 300 €.", ["l", "audit", "seo", "coûte", "300"]),
        ("Élodie  préfère\nl’été", ["élodie", "préfère", "l", "été"]),
        ("e-commerce, snake_case & co.", ["e", "commerce", "snake", "case", "co"]),
        ("Straße ÆON naïve", ["straße", "æon", "naïve"]),
        ("", []),
        ("  !!! …  ", []),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_words_normalises_decomposed_accents() -> None:
    decomposed = unicodedata.normalize("NFD", "café déjà")
    assert decomposed != "café déjà"
    assert words(decomposed) == ["café", "déjà"]


def test_collapse_and_normalise() -> None:
    assert collapse("  a \t b\n\n c\u00a0d ") == "a b c d"
    assert normalise(" Bonjour\n  LE Monde ") == "bonjour le monde"


@pytest.mark.parametrize(
    "value",
    [
        "a b",
        "a  b",
        " a",
        "a ",
        "a\u00a0b",
        "a\tb",
        "a\u2028b",
        "a\x1cb",
        "a\u200bb",
        "Déjà Vu",
        "",
    ],
)
def test_normalise_of_text_that_may_look_collapsed(value: str) -> None:
    assert normalise(value) == " ".join(value.split()).lower()


def test_text_hash_is_sha1_of_normalised_text() -> None:
    expected = hashlib.sha1(b"bonjour le monde").hexdigest()
    assert text_hash("  Bonjour \n le   MONDE ") == expected
    assert text_hash(" \n ") == ""


@pytest.mark.parametrize(
    "text", ["", "seul", "deux mots", "trois mots ici", ARTICLE, UNRELATED, ARTICLE * 3]
)
def test_simhash_matches_plain_bit_vote(text: str) -> None:
    tokens = words(text)
    assert simhash(tokens) == _reference_simhash(tokens)


def test_simhash_through_a_full_word_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text, "_WORD_HASHES", {})
    monkeypatch.setattr(text, "WORD_HASH_CACHE", 40)
    for value in (ARTICLE, "trois mots ici", UNRELATED, ARTICLE, "seul"):
        tokens = words(value)
        assert simhash(tokens) == _reference_simhash(tokens)
        assert set(tokens) <= text._WORD_HASHES.keys()
    assert len(text._WORD_HASHES) <= 40  # cleared when the next page would overflow it


def test_simhash_identical_texts() -> None:
    assert hamming(simhash(words(ARTICLE)), simhash(words(ARTICLE))) == 0


def test_simhash_one_word_edit_is_close() -> None:
    edited = ARTICLE.replace("quickly", "slowly")
    assert edited != ARTICLE
    assert hamming(simhash(words(ARTICLE)), simhash(words(edited))) < 10


def test_simhash_unrelated_texts_are_far() -> None:
    assert hamming(simhash(words(ARTICLE)), simhash(words(UNRELATED))) > 20


def test_simhash_is_64_bit_unsigned() -> None:
    value = simhash(words(UNRELATED))
    assert 0 <= value < 1 << 64


@pytest.mark.parametrize(
    ("a", "b", "distance"), [(0, 0, 0), (0b1011, 0b0001, 2), (0, MASK, 64), (1 << 63, 0, 1)]
)
def test_hamming(a: int, b: int, distance: int) -> None:
    assert hamming(a, b) == distance
