"""Atom and RSS feeds of changes, read back with feedparser and ElementTree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

import feedparser
import pytest

from pilotage.errors import InvalidInput
from pilotage.watch.feed_out import atom_feed, rss_feed
from pilotage.watch.notify import ChangeNotice

A = "{http://www.w3.org/2005/Atom}"
WHEN = datetime(2025, 1, 5, 10, 30, tzinfo=UTC)
SELF = "https://pilotage.example/watch/feed.atom"
INJECTION = "]]></title><script>alert(1)</script><title>"


def notice(**changes: Any) -> ChangeNotice:
    fields: dict[str, Any] = {
        "monitor_id": 7,
        "monitor_name": "Concurrent A",
        "url": "https://shop.example/product/1",
        "kind": "price",
        "detected_at": WHEN,
        "summary": "Price 129,00 € → 115,00 €",
        "added": ["115,00 €"],
        "removed": ["<script>alert(1)</script>"],
        "significance": 0.4,
        "link": "https://pilotage.example/watch/7/changes/3",
    }
    return ChangeNotice(**(fields | changes))


NOTICES = [
    notice(),
    notice(
        monitor_id=8,
        url="https://other.example/",
        summary="12 words added",
        detected_at=WHEN + timedelta(hours=1),
        link=None,
        kind="text",
    ),
]


def atom(notices: list[ChangeNotice] = NOTICES) -> bytes:
    return atom_feed(
        notices,
        feed_id="urn:uuid:0f1c3e2a-7a53-4c4e-9d1b-6e0a1f2b3c4d",
        title="Changes",
        self_url=SELF,
        updated=WHEN,
    )


def rss(notices: list[ChangeNotice] = NOTICES) -> bytes:
    return rss_feed(notices, feed_id="x", title="Changes", self_url=SELF, updated=WHEN)


class TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def test_atom_read_back_by_feedparser() -> None:
    parsed = feedparser.parse(atom())
    assert not parsed.bozo and parsed.version == "atom10"
    assert parsed.feed.title == "Changes"
    assert [e.title for e in parsed.entries] == ["Price 129,00 € → 115,00 €", "12 words added"]
    assert [e.link for e in parsed.entries] == [
        "https://pilotage.example/watch/7/changes/3",
        "https://other.example/",
    ]
    assert parsed.entries[0].updated_parsed[:5] == (2025, 1, 5, 10, 30)
    assert parsed.entries[0].id != parsed.entries[1].id
    assert parsed.entries[0].id.startswith("tag:pilotage.example,2025-01-05:")


def test_atom_has_the_elements_rfc_4287_requires() -> None:
    root = ET.fromstring(atom())
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{A}{name}") is not None
    self_link = root.find(f"{A}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == SELF
    for entry in root.findall(f"{A}entry"):
        assert all(entry.find(f"{A}{name}") is not None for name in ("id", "title", "updated"))
        datetime.fromisoformat(entry.findtext(f"{A}updated", "").replace("Z", "+00:00"))


def test_atom_content_shows_page_lines_as_text() -> None:
    content = ET.fromstring(atom()).find(f"{A}entry/{A}content")
    assert content is not None and content.get("type") == "html"
    reader = TextOf()
    reader.feed(content.text or "")
    assert "<script>alert(1)</script>" in reader.text and "script" not in reader.tags
    assert "115,00 €" in reader.text and "Concurrent A" in reader.text


def test_injection_in_title_round_trips_as_text() -> None:
    for document in (atom([notice(summary=INJECTION)]), rss([notice(summary=INJECTION)])):
        root = ET.fromstring(document)
        titles = [t.text for t in root.iter() if t.tag in (f"{A}title", "title")]
        assert INJECTION in titles
        assert feedparser.parse(document).entries[0].title == INJECTION


def test_xml_forbidden_characters_are_dropped() -> None:
    dirty = notice(summary="a\x00b\x1bc\ufffe", added=["x\x0cy"], monitor_name="N\x01")
    for document in (atom([dirty]), rss([dirty])):
        root = ET.fromstring(document)  # raises on a forbidden character
        titles = [t.text for t in root.iter() if t.tag in (f"{A}title", "title")]
        assert "abc" in titles


def test_rss_read_back_by_feedparser() -> None:
    parsed = feedparser.parse(rss())
    assert not parsed.bozo and parsed.version == "rss20"
    assert [e.title for e in parsed.entries] == ["Price 129,00 € → 115,00 €", "12 words added"]
    assert [e.link for e in parsed.entries] == [
        "https://pilotage.example/watch/7/changes/3",
        "https://other.example/",
    ]
    assert parsed.entries[1].id.startswith("tag:pilotage.example,2025-01-05:watch/8/")
    channel = ET.fromstring(rss()).find("channel")
    assert channel is not None
    pub = channel.findtext("item/pubDate", "")
    assert parsedate_to_datetime(pub) == WHEN
    assert channel.find("{http://www.w3.org/2005/Atom}link") is not None


def test_ids_are_stable_and_distinct() -> None:
    later = notice(detected_at=WHEN + timedelta(microseconds=1))
    ids = [e.id for e in feedparser.parse(atom([notice(), notice(), later])).entries]
    assert ids[0] == ids[1] != ids[2]


def test_other_time_zones_are_written_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    document = atom([notice(detected_at=datetime(2025, 1, 5, 11, 30, tzinfo=paris))])
    assert ET.fromstring(document).findtext(f"{A}entry/{A}updated") == "2025-01-05T10:30:00Z"


@pytest.mark.parametrize(
    ("options", "field"),
    [({"updated": datetime(2025, 1, 5)}, "updated"), ({"self_url": "/feed.atom"}, "self_url")],
)
def test_bad_feed_arguments(options: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {"feed_id": "x", "title": "t", "self_url": SELF, "updated": WHEN}
    for build in (atom_feed, rss_feed):
        with pytest.raises(InvalidInput) as caught:
            build(NOTICES, **(arguments | options))
        assert caught.value.field == field
