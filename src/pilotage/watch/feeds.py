"""Feed watch: RSS 0.9x/1.0 (RDF)/2.0 and Atom entries, new entries, keyword filters.

Parsing is feedparser's. Its "bozo" flag marks feeds that are not well-formed; when the
lenient parser still found a feed, it is accepted and the problem kept in
``Feed.warnings``. An entry's id is its ``id``/``guid``, else its link, else a hash of
its title and summary, so that the same entry keeps the same id from one fetch to the
next. Summaries and titles are turned into plain text (feeds carry HTML).

Keyword matching folds case and accents (Unicode NFKD, combining marks removed,
casefold) and matches whole words: "IA" matches "l'IA" but not "via" or "social".
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import feedparser

from pilotage.errors import InvalidInput
from pilotage.watch.content import body_text

__all__ = ["Entry", "Feed", "keyword_filter", "new_entries", "parse_feed", "plain_text"]


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str | None
    published: datetime | None  # aware, UTC
    summary: str  # plain text


@dataclass(frozen=True)
class Feed:
    title: str
    link: str | None
    version: str  # feedparser's name: "rss20", "atom10", "rss10", ...
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()


def parse_feed(body: bytes, url: str, *, content_type: str | None = None) -> Feed:
    """Entries of an RSS or Atom document already fetched from ``url``.

    ``url`` resolves relative links; ``content_type`` is the response's header, if any.
    Raises InvalidInput when the body is not a feed at all.
    """
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    # A BytesIO, never the bytes themselves: feedparser opens a bytes argument that
    # looks like a path as a local file.
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    version = str(parsed.get("version") or "")
    if not version and not parsed.entries:
        problem = parsed.get("bozo_exception")
        detail = f": {_one_line(str(problem))}" if problem else ""
        raise InvalidInput(f"{url} is not an RSS or Atom feed{detail}", field="feed")
    warnings: tuple[str, ...] = ()
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        warnings = (_one_line(f"{type(problem).__name__}: {problem}"),)
    channel = parsed.feed
    return Feed(
        title=plain_text(str(channel.get("title") or "")),
        link=channel.get("link") or None,
        version=version,
        entries=tuple(_entry(item) for item in parsed.entries),
        warnings=warnings,
    )


def _entry(item: feedparser.FeedParserDict) -> Entry:
    title = plain_text(str(item.get("title") or ""))
    summary = item.get("summary") or ""
    if not summary and item.get("content"):
        summary = item["content"][0].get("value") or ""
    summary = plain_text(str(summary))
    link = str(item.get("link") or "").strip() or None
    ident = str(item.get("id") or "").strip() or link
    if not ident:
        digest = hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()
        ident = f"sha256:{digest}"
    return Entry(
        id=ident,
        title=title,
        link=link,
        published=_utc(item.get("published_parsed") or item.get("updated_parsed")),
        summary=summary,
    )


def _utc(value: object) -> datetime | None:
    # feedparser gives dates as struct_time already converted to UTC.
    if not isinstance(value, time.struct_time):
        return None
    return datetime(*value[:6], tzinfo=UTC)


def plain_text(markup: str) -> str:
    """Text of an HTML fragment, entities decoded, scripts dropped, on one line."""
    if "<" not in markup and "&" not in markup:
        return " ".join(markup.split())
    return " ".join(body_text(f"<html><body>{markup}</body></html>").splitlines())


def new_entries(feed: Feed, seen_ids: set[str]) -> list[Entry]:
    """Entries whose id is not in ``seen_ids``, in feed order."""
    return [entry for entry in feed.entries if entry.id not in seen_ids]


def keyword_filter(
    entries: Iterable[Entry], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[Entry]:
    """Entries whose title or summary matches an ``include`` keyword (all entries when
    there is none) and no ``exclude`` keyword. Keywords may be phrases."""
    wanted = [pattern for pattern in map(_keyword_pattern, include) if pattern]
    unwanted = [pattern for pattern in map(_keyword_pattern, exclude) if pattern]
    kept: list[Entry] = []
    for entry in entries:
        text = _fold(f"{entry.title}\n{entry.summary}")
        if wanted and not any(pattern.search(text) for pattern in wanted):
            continue
        if any(pattern.search(text) for pattern in unwanted):
            continue
        kept.append(entry)
    return kept


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _keyword_pattern(keyword: str) -> re.Pattern[str] | None:
    words = re.findall(r"\w+", _fold(keyword))
    if not words:
        return None
    # Words of a phrase may be split by any punctuation or spacing in the text.
    return re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)")


def _one_line(text: str) -> str:
    return " ".join(text.split())
