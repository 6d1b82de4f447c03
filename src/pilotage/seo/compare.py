"""Crawl-to-crawl comparison: which issues are new, fixed or still there, what pages changed.

Issues are matched on (check, URL, detail), so an issue whose detail changed (a title
still too long, but another one) counts as one fixed and one new. Pages are the site's
own URLs of each crawl (``same_site`` with the crawl's start URL; external link targets,
which the crawler only checks, are left out). For a page in both crawls the comparison
reports a changed status code, first title, first canonical (tag, else ``Link`` header),
click depth (``None`` when unreachable from the start page), and a word count that moved
by more than 20 % of the old one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any, Literal

from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.crawl.urls import same_site
from pilotage.seo.graph import click_depth
from pilotage.seo.model import Issue

Field = Literal["status", "title", "canonical", "word_count", "depth"]
FIELDS: tuple[Field, ...] = ("status", "title", "canonical", "word_count", "depth")
WORD_COUNT_CHANGE = Fraction(1, 5)  # a relative change beyond this is reported; exact


@dataclass(frozen=True)
class Change:
    url: str
    field: Field
    old: str | int | None
    new: str | int | None


@dataclass
class Comparison:
    new_issues: list[Issue] = field(default_factory=list)
    fixed_issues: list[Issue] = field(default_factory=list)
    persisting_issues: list[Issue] = field(default_factory=list)
    pages_added: list[str] = field(default_factory=list)
    pages_removed: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def changed(self, name: Field) -> list[Change]:
        return [change for change in self.changes if change.field == name]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types: issue lists, page lists, changes grouped by field, counts."""
        issues = {
            "new": [asdict(x) for x in self.new_issues],
            "fixed": [asdict(x) for x in self.fixed_issues],
            "persisting": [asdict(x) for x in self.persisting_issues],
        }
        changes = {
            name: [{"url": c.url, "old": c.old, "new": c.new} for c in self.changed(name)]
            for name in FIELDS
        }
        summary = {f"{kind}_issues": len(items) for kind, items in issues.items()}
        summary |= {"pages_added": len(self.pages_added), "pages_removed": len(self.pages_removed)}
        summary |= {f"changed_{name}": len(items) for name, items in changes.items()}
        return {
            "summary": summary,
            "issues": issues,
            "pages": {"added": self.pages_added, "removed": self.pages_removed},
            "changes": changes,
        }


@dataclass(frozen=True)
class _Page:
    status: int
    title: str | None
    canonical: str | None
    word_count: int | None
    depth: int | None


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _summary(row: PageRow, depth: int | None) -> _Page:
    data = row.data
    if data is None:
        return _Page(row.status, None, None, None, depth)
    canonical = _first(data.canonical) or _first(data.canonical_header)
    return _Page(row.status, _first(data.title), canonical, data.word_count, depth)


def _pages(store: CrawlStore) -> dict[str, _Page]:
    start = store.get_meta("start_url")
    depths = click_depth(store)
    return {
        row.url: _summary(row, depths.get(row.url))
        for row in store.pages(links=False)
        if not isinstance(start, str) or same_site(row.url, start)
    }


def _word_count_moved(old: int | None, new: int | None) -> bool:
    if old is None or new is None:
        return False
    return abs(new - old) > WORD_COUNT_CHANGE * old


def _changes(url: str, old: _Page, new: _Page) -> Iterator[Change]:
    names: tuple[Field, ...] = ("status", "title", "canonical", "depth")
    for name in names:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            yield Change(url, name, before, after)
    if _word_count_moved(old.word_count, new.word_count):
        yield Change(url, "word_count", old.word_count, new.word_count)


def _sorted(issues: Iterable[Issue]) -> list[Issue]:
    return sorted(issues, key=lambda x: (x.check, x.url, x.detail))


def compare(
    old: CrawlStore,
    new: CrawlStore,
    old_issues: Iterable[Issue],
    new_issues: Iterable[Issue],
) -> Comparison:
    """Compare two crawls of a site and their issue lists (see the module docstring)."""
    before, after = set(old_issues), set(new_issues)
    old_pages, new_pages = _pages(old), _pages(new)
    changes = [
        change
        for url in sorted(old_pages.keys() & new_pages.keys())
        for change in _changes(url, old_pages[url], new_pages[url])
    ]
    return Comparison(
        new_issues=_sorted(after - before),
        fixed_issues=_sorted(before - after),
        persisting_issues=_sorted(after & before),
        pages_added=sorted(new_pages.keys() - old_pages.keys()),
        pages_removed=sorted(old_pages.keys() - new_pages.keys()),
        changes=changes,
    )
