"""Atom 1.0 (RFC 4287) and RSS 2.0 feeds of changes, per monitor or overall.

Documents are built with ``xml.etree.ElementTree`` so every value is escaped by the
serialiser; page content is never concatenated into markup. Characters that XML 1.0
forbids (§2.2 ``Char``: most C0 controls, surrogates, U+FFFE/U+FFFF) are removed first,
since ElementTree would write them and make the document unparseable.

Entry ids are ``tag:`` URIs (RFC 4151) minted from the feed's host, the change's date,
the monitor id and the detection instant, so they are stable across regenerations.
Dates: RFC 3339 in Atom, RFC 822 (as updated by RFC 1123) in RSS.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from pilotage.errors import InvalidInput
from pilotage.watch.notify import ChangeNotice, Translate, changes_html, identity, web_url

ATOM_NS = "http://www.w3.org/2005/Atom"
GENERATOR = "Pilotage"
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _(message: str) -> str:
    """Marks a msgid for ``pybabel extract``; translation happens at render time."""
    return message


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 does not allow."""
    return _NOT_XML.sub("", text)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        child.text = xml_text(text)
    return child


def _utc(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput(f"{field} {moment} has no time zone", field=field)
    return moment.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    return _utc(moment, "updated").isoformat(timespec="seconds").replace("+00:00", "Z")


def _authority(self_url: str) -> str:
    host = urlsplit(self_url).hostname
    if not host:
        raise InvalidInput(f"feed URL {self_url!r} is not absolute", field="self_url")
    return host


def entry_id(notice: ChangeNotice, authority: str) -> str:
    """``tag:host,YYYY-MM-DD:watch/<monitor>/<instant>``, unique per monitor and instant."""
    moment = _utc(notice.detected_at, "detected_at")
    instant = moment.strftime("%Y%m%dT%H%M%S.%fZ")
    return f"tag:{authority},{moment:%Y-%m-%d}:watch/{notice.monitor_id}/{instant}"


def entry_html(notice: ChangeNotice, translate: Translate) -> str:
    """The entry's HTML: which page, the summary, and the escaped added/removed lines."""
    head = ET.Element("p")
    href = web_url(notice.url)
    _add(head, "a", notice.monitor_name, **({"href": href} if href else {}))
    ET.SubElement(head, "br").tail = xml_text(notice.summary)
    intro = ET.tostring(head, encoding="unicode", method="html")
    return intro + xml_text(changes_html(notice, translate=translate))


def atom_feed(
    notices: Sequence[ChangeNotice],
    *,
    feed_id: str,
    title: str,
    self_url: str,
    updated: datetime,
    translate: Translate = identity,
) -> bytes:
    """An Atom 1.0 document, UTF-8, one entry per notice in the given order."""
    authority = _authority(self_url)
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _add(feed, "id", feed_id)
    _add(feed, "title", title, type="text")
    _add(feed, "updated", rfc3339(updated))
    _add(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    _add(_add(feed, "author"), "name", GENERATOR)
    _add(feed, "generator", GENERATOR)
    for notice in notices:
        entry = _add(feed, "entry")
        _add(entry, "id", entry_id(notice, authority))
        _add(entry, "title", notice.summary, type="text")
        _add(entry, "updated", rfc3339(notice.detected_at))
        page = web_url(notice.link) or web_url(notice.url)
        if page:
            _add(entry, "link", rel="alternate", href=page, type="text/html")
        if web_url(notice.link) and web_url(notice.url):
            _add(entry, "link", rel="related", href=notice.url, title=notice.monitor_name)
        _add(entry, "category", term=notice.kind, label=translate(_kind_label(notice.kind)))
        _add(entry, "content", entry_html(notice, translate), type="html")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def rss_feed(
    notices: Sequence[ChangeNotice],
    *,
    feed_id: str,
    title: str,
    self_url: str,
    updated: datetime,
    site_url: str | None = None,
    translate: Translate = identity,
) -> bytes:
    """The RSS 2.0 equivalent; ``feed_id`` is unused by RSS but kept for a shared signature."""
    del feed_id
    authority = _authority(self_url)
    rss = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NS})
    channel = _add(rss, "channel")
    _add(channel, "title", title)
    _add(channel, "link", site_url or self_url)
    _add(channel, "description", title)
    _add(channel, "atom:link", rel="self", href=self_url, type="application/rss+xml")
    _add(channel, "lastBuildDate", format_datetime(_utc(updated, "updated"), usegmt=True))
    _add(channel, "generator", GENERATOR)
    for notice in notices:
        item = _add(channel, "item")
        _add(item, "title", notice.summary)
        page = web_url(notice.link) or web_url(notice.url)
        if page:
            _add(item, "link", page)
        _add(item, "guid", entry_id(notice, authority), isPermaLink="false")
        moment = _utc(notice.detected_at, "detected_at")
        _add(item, "pubDate", format_datetime(moment, usegmt=True))
        _add(item, "category", translate(_kind_label(notice.kind)))
        _add(item, "description", entry_html(notice, translate))
    document: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return document


def _kind_label(kind: str) -> str:
    labels = {
        "text": _("Text"),
        "price": _("Price"),
        "availability": _("Availability"),
        "feed": _("Feed"),
    }
    return labels.get(kind, kind)
