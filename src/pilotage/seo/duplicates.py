"""Exact and near-duplicate content among the indexable pages of a crawl.

Exact duplicates share ``PageData.text_hash`` (SHA-1 of the normalised visible text).
Near duplicates have 64-bit simhash fingerprints (``pilotage.seo.text.simhash``) at most
``max_distance`` bits apart without being exact duplicates.

Near-duplicate pairs are found without comparing every pair, with the block
permutation method of G. S. Manku, A. Jain and A. Das Sarma, "Detecting near-duplicates
for web crawling", WWW 2007 (§3): cut the 64 bits into ``k + 1`` blocks (4 blocks of 16
bits for the default k = 3). Two fingerprints differing in at most k bits leave at least
one block untouched (pigeonhole principle), so every such pair shares the value of some
block; pairs sharing a block are the candidates, and their full Hamming distance is
then checked. The result is exact: it finds the same pairs as comparing all of them.

Only pages a search engine would index are compared: HTML answered 200, no ``noindex``
(or ``none``) for robots or Googlebot in meta robots or X-Robots-Tag, and no canonical
pointing elsewhere (a canonicalised copy is the documented way to hold duplicates).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.errors import InvalidInput
from pilotage.seo.checks_page import is_indexable
from pilotage.seo.model import Check, Issue, others_detail

MAX_DISTANCE_LIMIT = 8  # 9 blocks of ~7 bits: beyond, the buckets hold most of the site
_NOINDEX = frozenset({"noindex", "none"})
_AGENTS = frozenset({"robots", "googlebot"})
_PREFIX = re.compile(r"^\s*([a-z0-9_-]+)\s*:\s*")
_VALUED_DIRECTIVES = frozenset(
    {"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"}
)


def _(message: str) -> str:
    return message


CHECKS: tuple[Check, ...] = (
    Check(
        "duplicate-content",
        "warning",
        "duplicates",
        _("Duplicate content"),
        _(
            "Several indexable pages have exactly the same text. Search engines show one of "
            "them and may pick the wrong one; the others compete for nothing."
        ),
        _(
            "Keep one page and redirect the copies to it (301), or point their canonical "
            "tag to the page that should rank."
        ),
    ),
    Check(
        "near-duplicate-content",
        "notice",
        "duplicates",
        _("Near-duplicate content"),
        _(
            "The text of the page is almost the same as that of other indexable pages. "
            "Pages that differ only in a few words dilute each other's visibility."
        ),
        _(
            "Merge the similar pages, give each one distinct content, or set a canonical "
            "tag to the main version."
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    url: str
    text_hash: str
    simhash: int


def fingerprints(pages: Iterable[PageRow]) -> list[Fingerprint]:
    """The fingerprints of the indexable pages that have some text."""
    found: list[Fingerprint] = []
    for page in pages:
        add_fingerprint(page, found)
    return found


def add_fingerprint(page: PageRow, found: list[Fingerprint]) -> None:
    """Append the page's fingerprint to ``found`` if it is indexable and has some text."""
    if page.data is not None and page.data.text_hash and is_indexable(page):
        found.append(Fingerprint(page.url, page.data.text_hash, page.data.simhash))


def _blocks(count: int) -> list[tuple[int, int]]:
    """(shift, width) of ``count`` nearly equal blocks covering the 64 bits."""
    widths = [64 // count + (1 if i < 64 % count else 0) for i in range(count)]
    shifts = [sum(widths[i + 1 :]) for i in range(count)]
    return list(zip(shifts, widths, strict=True))


def near_duplicate_pairs(
    simhashes: Sequence[int], *, max_distance: int = 3
) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, i < j, of fingerprints at most ``max_distance`` bits apart."""
    if not 0 <= max_distance <= MAX_DISTANCE_LIMIT:
        raise InvalidInput(
            f"max_distance {max_distance!r} must be between 0 and {MAX_DISTANCE_LIMIT}",
            field="max_distance",
        )
    values = np.asarray(simhashes, dtype=np.uint64)
    pairs: set[tuple[int, int]] = set()
    for shift, width in _blocks(max_distance + 1):
        keys = (values >> np.uint64(shift)) & np.uint64((1 << width) - 1)
        order = np.argsort(keys, kind="stable")
        bounds = np.flatnonzero(np.diff(keys[order])) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [len(order)]))
        shared = ends - starts > 1  # buckets holding one fingerprint make no pair
        for start, end in zip(starts[shared].tolist(), ends[shared].tolist(), strict=True):
            pairs |= _close_pairs(values, order[start:end], max_distance)
    return pairs


def _close_pairs(values: np.ndarray, bucket: np.ndarray, max_distance: int) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    bucket = np.sort(bucket)
    for position in range(len(bucket) - 1):
        first, rest = int(bucket[position]), bucket[position + 1 :]
        distances = np.bitwise_count(values[rest] ^ values[first])
        pairs.update((first, int(j)) for j in rest[distances <= max_distance])
    return pairs


def duplicate_issues(
    pages: CrawlStore | Iterable[PageRow], *, max_distance: int = 3, cap: int = 10
) -> Iterator[Issue]:
    """``duplicate-content`` and ``near-duplicate-content``, one issue per page.

    ``detail`` lists the other pages (sorted, space-separated, at most ``cap`` of them).
    """
    rows = pages.pages() if isinstance(pages, CrawlStore) else pages
    return fingerprint_issues(fingerprints(rows), max_distance=max_distance, cap=cap)


def fingerprint_issues(
    found: Sequence[Fingerprint], *, max_distance: int = 3, cap: int = 10
) -> Iterator[Issue]:
    """``duplicate_issues`` from fingerprints already gathered (an audit reading the pages
    once collects them with ``add_fingerprint``)."""
    groups: dict[str, list[str]] = {}
    for item in found:
        groups.setdefault(item.text_hash, []).append(item.url)
    for urls in groups.values():
        if len(urls) > 1:
            ordered = sorted(set(urls))
            for url in urls:
                yield Issue("duplicate-content", url, others_detail(ordered, url, cap))
    near: dict[int, set[str]] = {}
    pairs = near_duplicate_pairs([x.simhash for x in found], max_distance=max_distance)
    for i, j in pairs:
        if found[i].text_hash != found[j].text_hash:
            near.setdefault(i, set()).add(found[j].url)
            near.setdefault(j, set()).add(found[i].url)
    for i in sorted(near):
        yield Issue("near-duplicate-content", found[i].url, others_detail(sorted(near[i]), "", cap))
