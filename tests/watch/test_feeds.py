"""Feed parsing, new entries and keyword filters on RSS 2.0, Atom and RSS 1.0 fixtures."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pilotage.errors import InvalidInput
from pilotage.watch.feeds import Entry, keyword_filter, new_entries, parse_feed, plain_text

DATA = Path(__file__).parents[1] / "data" / "watch"


def feed_bytes(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_rss2_entries() -> None:
    feed = parse_feed(feed_bytes("feed_rss2.xml"), "https://veille.example.fr/feed.xml")
    assert (feed.title, feed.link, feed.version) == (
        "Veille Tech – Actualités",
        "https://veille.example.fr/",
        "rss20",
    )
    assert feed.warnings == ()
    first, second, third = feed.entries
    assert first.id == "veille-2026-0142"  # the guid
    assert first.link == "https://veille.example.fr/articles/ia-generative-pme"
    # 08:30 at +01:00 is 07:30 UTC
    assert first.published == datetime(2026, 11, 17, 7, 30, tzinfo=UTC)
    assert first.summary == "Selon une étude, 42 % des PME testent déjà l'IA."
    assert second.id == "https://veille.example.fr/articles/via-rail-billetterie"  # no guid
    assert second.published == datetime(2026, 11, 16, 14, 0, tzinfo=UTC)
    # neither guid nor link: hash of title and summary
    expected = hashlib.sha256(
        b"Salon du e-commerce : les dates 2027\n"
        + "Le salon revient à Paris en mars, avec un espace dédié à la logistique.".encode()
    ).hexdigest()
    assert third.id == f"sha256:{expected}"
    assert third.link is None and third.published is None


def test_ids_are_stable_between_fetches() -> None:
    first = parse_feed(feed_bytes("feed_rss2.xml"), "https://veille.example.fr/feed.xml")
    again = parse_feed(feed_bytes("feed_rss2.xml"), "https://veille.example.fr/feed.xml")
    assert [e.id for e in first.entries] == [e.id for e in again.entries]


def test_atom_entries() -> None:
    feed = parse_feed(feed_bytes("feed_atom.xml"), "https://competitor.example.com/changelog.atom")
    assert (feed.title, feed.version) == ("Competitor Product Updates", "atom10")
    pricing, dark = feed.entries
    assert pricing.id == "tag:competitor.example.com,2026:changelog/57"
    assert pricing.title == "New pricing page"  # type="html" title, tags stripped
    assert pricing.link == "https://competitor.example.com/changelog/pricing-2027"  # resolved
    assert pricing.published == datetime(2026, 11, 20, 7, 15, tzinfo=UTC)  # 09:15+02:00
    assert pricing.summary == "Plans now start at $19 per seat."
    assert dark.published == datetime(2026, 11, 12, 16, 45, tzinfo=UTC)  # updated only
    assert dark.summary == "The dashboard follows the system theme."  # from <content>


def test_rss1_rdf_entries() -> None:
    feed = parse_feed(feed_bytes("feed_rdf.xml"), "https://labo.example.org/index.rdf")
    (entry,) = feed.entries
    assert feed.version == "rss10"
    assert entry.title == "HTTP/3 en production"
    assert entry.published == datetime(2026, 10, 5, 12, 0, tzinfo=UTC)


def test_malformed_feed_that_still_parses_is_kept_with_a_warning() -> None:
    feed = parse_feed(feed_bytes("feed_malformed.xml"), "https://broken.example.net/rss")
    assert [e.title for e in feed.entries] == ["Prix & promotions de novembre", "Second billet"]
    assert len(feed.warnings) == 1 and "entity" in feed.warnings[0]


def test_declared_latin1_feed_is_decoded() -> None:
    feed = parse_feed(feed_bytes("feed_latin1.xml"), "https://latin.example.fr/rss")
    assert feed.title == "Café du marché"
    assert feed.entries[0].summary == "Le café coûte 2,10 euros désormais."


def test_wrongly_declared_encoding_is_accepted_with_a_warning() -> None:
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x</title>'
        b'<item><title>Th\xe9 vert</title><guid isPermaLink="false">t1</guid></item>'
        b"</channel></rss>"
    )
    feed = parse_feed(body, "https://x.example/rss")
    assert feed.entries[0].title == "Thé vert"
    assert feed.warnings


@pytest.mark.parametrize("body", [b"", b"just words", b"\xff\xfe\x00\x01"])
def test_not_a_feed_is_rejected(body: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_feed(body, "https://x.example/feed")
    assert caught.value.field == "feed"


def test_body_that_names_a_local_file_is_not_read_from_disk() -> None:
    # feedparser.parse(bytes) opens the bytes as a path when such a file exists
    path = str(DATA / "feed_rdf.xml").encode()
    with pytest.raises(InvalidInput):
        parse_feed(path, "https://x.example/feed")


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(InvalidInput):
        parse_feed(feed_bytes("article.html"), "https://x.example/")


def test_plain_text_strips_markup_and_scripts() -> None:
    assert plain_text("<p>A &amp; <b>B</b></p><script>alert(1)</script>") == "A & B"
    assert plain_text("  déjà   vu ") == "déjà vu"


def test_new_entries() -> None:
    feed = parse_feed(feed_bytes("feed_rss2.xml"), "https://veille.example.fr/feed.xml")
    seen = {"veille-2026-0142"}
    assert [e.title for e in new_entries(feed, seen)] == [
        "Via Rail modernise sa billetterie",
        "Salon du e-commerce : les dates 2027",
    ]
    assert new_entries(feed, {e.id for e in feed.entries}) == []


def entry(title: str, summary: str = "") -> Entry:
    return Entry(id=title, title=title, link=None, published=None, summary=summary)


ENTRIES = [
    entry("L'Intelligence Artificielle générative arrive", "42 % des PME testent l'IA."),
    entry("Via Rail modernise sa billetterie", "Aucun rapport avec le social."),
    entry("Salon du e-commerce", "Le salon revient à Paris."),
]


@pytest.mark.parametrize(
    ("include", "exclude", "kept"),
    [
        (["intelligence artificielle"], [], [0]),
        (["INTELLIGENCE ARTIFICIELLE"], [], [0]),
        (["generative"], [], [0]),  # accent-insensitive: "générative"
        (["IA"], [], [0]),  # whole word: not "Via", not "social"
        (["ia"], [], [0]),
        (["e-commerce"], [], [2]),
        (["ecommerce"], [], []),
        (["salon", "rail"], [], [1, 2]),
        ([], ["paris"], [0, 1]),
        (["salon", "IA"], ["PME"], [2]),
        ([], [], [0, 1, 2]),
        (["  "], [], [0, 1, 2]),  # a blank keyword filters nothing
    ],
)
def test_keyword_filter(include: list[str], exclude: list[str], kept: list[int]) -> None:
    assert keyword_filter(ENTRIES, include, exclude) == [ENTRIES[i] for i in kept]
