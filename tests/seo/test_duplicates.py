import functools
import random
from pathlib import Path
from typing import Any

import pytest

from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.errors import InvalidInput
from pilotage.seo.checks_page import is_indexable
from pilotage.seo.duplicates import duplicate_issues, near_duplicate_pairs
from pilotage.seo.model import Issue, PageData

SITE = "https://example.org/"


def brute_force(values: list[int], max_distance: int) -> set[tuple[int, int]]:
    return {(i, j) for i, j, d in all_distances(tuple(values)) if d <= max_distance}


@functools.cache
def all_distances(values: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """Every pair and its Hamming distance, the O(n^2) way."""
    return [
        (i, j, bin(values[i] ^ values[j]).count("1"))
        for i in range(len(values))
        for j in range(i + 1, len(values))
    ]


def planted(seed: int) -> list[int]:
    """Random fingerprints, plus copies of some with 0 to 6 bits flipped."""
    rng = random.Random(seed)
    values = [rng.getrandbits(64) for _ in range(300)]
    for _ in range(200):
        value = rng.choice(values)
        for bit in rng.sample(range(64), rng.randint(0, 6)):
            value ^= 1 << bit
        values.append(value)
    rng.shuffle(values)
    return values


@pytest.mark.parametrize("max_distance", [0, 1, 3, 5])
@pytest.mark.parametrize("seed", [1, 2])
def test_banding_finds_exactly_the_brute_force_pairs(seed: int, max_distance: int) -> None:
    values = planted(seed)
    expected = brute_force(values, max_distance)
    assert len(expected) > 20  # the planted pairs are there to be found
    assert near_duplicate_pairs(values, max_distance=max_distance) == expected


def test_banding_handles_the_extreme_bits() -> None:
    values = [0, 1 << 63, (1 << 64) - 1, (1 << 64) - 1 - (1 << 15) - (1 << 16) - 1]
    assert near_duplicate_pairs(values) == brute_force(values, 3) == {(0, 1), (2, 3)}


@pytest.mark.parametrize("max_distance", [-1, 9])
def test_banding_rejects_a_bad_distance(max_distance: int) -> None:
    with pytest.raises(InvalidInput):
        near_duplicate_pairs([1, 2], max_distance=max_distance)


def page(name: str, status: int = 200, **data: Any) -> PageRow:
    return PageRow(f"{SITE}{name}", 1, status, f"{SITE}{name}", data=PageData(**data))


@pytest.mark.parametrize(
    ("data", "indexable"),
    [
        ({}, True),
        ({"meta_robots": {"robots": "noindex, follow"}}, False),
        ({"meta_robots": {"googlebot": "none"}}, False),  # names arrive lowercased
        ({"meta_robots": {"bingbot": "noindex"}}, True),
        ({"x_robots_tag": ["noarchive, NOINDEX"]}, False),
        ({"x_robots_tag": ["googlebot: noindex"]}, False),
        ({"x_robots_tag": ["otherbot: noindex"]}, True),
        ({"x_robots_tag": ["unavailable_after: 25 Jun 2030 15:00:00 PST"]}, True),
        ({"canonical": ["/a"]}, True),
        ({"canonical": ["https://EXAMPLE.org:443/a#top"]}, True),
        ({"canonical": ["/b"]}, False),
        ({"canonical_header": ["https://example.org/b"]}, False),
        ({"canonical": ["file:///tmp/a"]}, True),
    ],
)
def test_indexability(data: dict[str, Any], indexable: bool) -> None:
    assert is_indexable(page("a", **data)) is indexable


def test_non_200_pages_are_not_indexable() -> None:
    assert not is_indexable(page("a", status=404))
    assert not is_indexable(PageRow(f"{SITE}a", 1, 200, f"{SITE}a"))


def test_duplicate_issues_from_a_crawl(tmp_path: Path) -> None:
    store = CrawlStore(tmp_path, create=True)
    base = 0xF0F0_1234_5678_9ABC
    rows = [
        page("a", text_hash="h1", simhash=base),
        page("b", text_hash="h1", simhash=base),
        page("c", text_hash="h2", simhash=base ^ 0b101),  # 2 bits from a and b
        page("d", text_hash="h3", simhash=base ^ 0b1111),  # 4 bits: too far from a and b
        page("noindex", text_hash="h1", simhash=base, meta_robots={"robots": "noindex"}),
        page("copy", text_hash="h1", simhash=base, canonical=[f"{SITE}a"]),
        page("gone", status=404, text_hash="h1", simhash=base),
        page("empty", text_hash="", simhash=base),
    ]
    for row in rows:
        store.save_page(row)
    a, b, c, d = (f"{SITE}{x}" for x in "abcd")
    assert set(duplicate_issues(store)) == {
        Issue("duplicate-content", a, b),
        Issue("duplicate-content", b, a),
        Issue("near-duplicate-content", a, c),
        Issue("near-duplicate-content", b, c),
        Issue("near-duplicate-content", c, f"{a} {b} {d}"),
        Issue("near-duplicate-content", d, c),
    }


def test_duplicate_detail_is_capped() -> None:
    rows = [page(f"p{i}", text_hash="same", simhash=i) for i in range(5)]
    issues = [x for x in duplicate_issues(rows, cap=2) if x.url == f"{SITE}p0"]
    assert issues == [Issue("duplicate-content", f"{SITE}p0", f"{SITE}p1 {SITE}p2 (+2 more)")]
