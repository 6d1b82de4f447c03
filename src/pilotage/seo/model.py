"""The SEO audit's shared types: what a page says (``PageData``) and what is wrong (``Issue``).

The crawler stores one ``PageData`` per HTML page (``pilotage.crawl.store``); the checks
read them back and produce ``Issue`` rows, each naming a ``Check`` of the catalogue.
Check ids follow Lighthouse's SEO audit ids where one exists (``document-title``,
``is-crawlable``…), so a user who knows Lighthouse finds the same names.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any, Literal, cast

import orjson

Severity = Literal["error", "warning", "notice"]
SEVERITY_WEIGHT: dict[str, int] = {"error": 3, "warning": 2, "notice": 1}
Category = Literal[
    "indexability",
    "content",
    "links",
    "redirects",
    "duplicates",
    "international",
    "structured-data",
    "performance",
    "security",
    "architecture",
    "keywords",
]


@dataclass(slots=True)
class Link:
    """An ``<a href>`` (or ``<area href>``) of a page.

    Not frozen: pages hold hundreds of links, built at parsing and again at every read of
    the crawl, and a frozen dataclass's ``__init__`` costs three times as much."""

    url: str  # absolute and normalised (fragment dropped); "" when the href cannot be resolved
    raw: str  # the href as written
    text: str  # anchor text, whitespace collapsed (an image link's alt text when it has no text)
    rel: str = ""  # rel attribute, lowercased, "" when absent
    title: str = ""


@dataclass(frozen=True)
class Image:
    src: str  # absolute
    alt: str | None  # None when the attribute is absent, "" when empty (decorative)
    width: str | None = None
    height: str | None = None


@dataclass(frozen=True)
class Alternate:
    """An hreflang alternate from ``<link rel=alternate hreflang>`` or a ``Link`` header."""

    hreflang: str
    href: str  # as written
    source: Literal["head", "header"] = "head"


@dataclass
class PageData:
    """Everything the audit needs from one HTML page, extracted once at crawl time."""

    title: list[str] = field(default_factory=list)  # every <title> text, stripped
    meta_description: list[str] = field(default_factory=list)
    headings: dict[str, list[str]] = field(default_factory=dict)  # "h1".."h6" -> texts
    canonical: list[str] = field(default_factory=list)  # <link rel=canonical> hrefs as written
    canonical_header: list[str] = field(default_factory=list)  # Link: <…>; rel=canonical
    alternates: list[Alternate] = field(default_factory=list)
    meta_robots: dict[str, str] = field(default_factory=dict)  # "robots"/"googlebot"… -> content
    x_robots_tag: list[str] = field(default_factory=list)  # X-Robots-Tag header values
    lang: str | None = None  # <html lang>
    viewport: str | None = None
    charset: str | None = None  # the encoding used to decode the body
    base_href: str | None = None
    refresh: str | None = None  # <meta http-equiv=refresh> content
    images: list[Image] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    bad_anchors: list[str] = field(default_factory=list)  # Lighthouse crawlable-anchors offenders
    # "text -> target" of the links whose text says nothing (pilotage.seo.linktext);
    # None in pages saved before the crawl listed them: the audit reads the links then.
    vague_links: list[str] | None = None
    word_count: int = 0
    text_hash: str = ""  # sha1 hex of the normalised visible text, "" when there is none
    simhash: int = 0  # 64-bit unsigned simhash of the visible text's word shingles
    json_ld: list[Any] = field(default_factory=list)
    microdata: list[Any] = field(default_factory=list)
    rdfa: list[Any] = field(default_factory=list)
    open_graph: dict[str, str] = field(default_factory=dict)
    twitter: dict[str, str] = field(default_factory=dict)
    structured_data_errors: list[str] = field(default_factory=list)
    mixed_content: list[str] = field(default_factory=list)  # http:// subresources of an https page
    text: str = ""  # visible body text (stored apart from the rest, for keywords)

    def to_json(self) -> dict[str, Any]:
        """Everything but ``text``, as plain JSON types (links as objects)."""
        data: dict[str, Any] = orjson.loads(orjson.dumps(replace(self, text="")))
        del data["text"]
        return data

    def to_json_bytes(self) -> bytes:
        """The stored form: JSON with ``text`` emptied and each link an array ``[url, raw,
        text, rel, title]``, not an object: a page has hundreds of links, and their keys
        repeated made a third of the JSON to write, keep and parse again."""
        links = [(x.url, x.raw, x.text, x.rel, x.title) for x in self.links]
        return orjson.dumps(replace(self, text="", links=cast(list[Link], links)))

    @classmethod
    def from_json(cls, data: dict[str, Any], text: str = "") -> PageData:
        """``to_json_bytes`` or ``to_json`` read back (links as arrays or objects)."""
        fields = dict(data)
        fields.pop("text", None)
        links = data.get("links", [])
        if links and isinstance(links[0], list):
            fields["links"] = [Link(*x) for x in links]
        else:
            fields["links"] = [Link(**x) for x in links]
        fields["images"] = [Image(**x) for x in data.get("images", [])]
        fields["alternates"] = [Alternate(**x) for x in data.get("alternates", [])]
        fields["text"] = text
        return cls(**fields)


@dataclass(frozen=True)
class Check:
    """One kind of problem; ``title``, ``explanation`` and ``fix`` are English msgids
    translated through the Babel catalogs."""

    id: str
    severity: Severity
    category: Category
    title: str
    explanation: str
    fix: str
    lighthouse: str | None = None  # the Lighthouse SEO audit id it mirrors, if any


@dataclass(frozen=True)
class Issue:
    """One occurrence of a check on one URL; ``detail`` names the offending value."""

    check: str
    url: str
    detail: str = ""


def others_detail(ordered: Sequence[str], url: str, cap: int) -> str:
    """The URLs of ``ordered`` (sorted, distinct) other than ``url``, at most ``cap`` of
    them, then "(+N more)": an issue's list of the other pages of its group. It costs
    ``cap`` steps, not the group's size, so a group of 100,000 alike pages stays cheap."""
    shown = list(islice((other for other in ordered if other != url), cap))
    rest = len(ordered) - _holds(ordered, url) - len(shown)
    text = " ".join(shown)
    return f"{text} (+{rest} more)" if rest > 0 else text


def _holds(ordered: Sequence[str], url: str) -> bool:
    at = bisect_left(ordered, url)
    return at < len(ordered) and ordered[at] == url
