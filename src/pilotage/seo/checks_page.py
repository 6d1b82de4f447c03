"""Checks of one HTML page, and the indexability rules the site checks share.

Lighthouse 13 rules (``core/audits/seo/*.js``), applied to what ``extract`` stored:

- ``is-crawlable``: five user agents are tried, the generic one (meta ``robots``,
  un-prefixed ``X-Robots-Tag``, robots.txt group ``*``) and Googlebot, bingbot,
  DuckDuckBot and archive.org_bot (their own meta when present, else ``robots``;
  headers un-prefixed or prefixed ``bot:``; their robots.txt group). A bot is blocked by
  ``noindex``, ``none`` or a past ``unavailable_after``; the page fails only when every
  one is blocked. One difference: a header's ``bot:`` prefix is matched without regard
  to case, as Google documents, where Lighthouse compares it case-sensitively.
- ``canonical``: ``<link>`` and ``Link:`` canonicals with an href are resolved (head
  ones against ``<base href>``); an unresolvable one fails ("invalid"), one whose href
  is not an absolute URL fails ("relative"), several distinct URLs fail ("conflict"),
  then a canonical to another hreflang alternate of the page, or to the site root from
  a page that is not the root, fails. No canonical is not applicable.
- ``hreflang``: each alternate fails when its language code (the part before the first
  "-", unstripped, case-insensitive) is not a known language and not ``x-default``, or
  when its href does not start with ``http:``/``https:``. Lighthouse takes the language
  list from axe-core (IANA registry); we take CLDR's through Babel (likely subtags and
  language aliases: every ISO 639-1 code and most ISO 639-3 ones).
- ``link-text``: followed links (no ``nofollow``), not ``javascript:``/``mailto:`` nor
  to the page itself, whose text is a full http(s) URL or on the blocklist of the
  page's language (``pilotage.seo.linktext``). Lighthouse uses each link's own language;
  we use the page's ``<html lang>``.
- ``document-title`` and ``meta-description`` read the first ``<title>`` / description,
  as ``document.title`` and Lighthouse's ``find`` do; ``image-alt`` fails an image with
  no alt attribute (``alt=""`` marks a decorative image and passes, as in axe).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urljoin, urlsplit

from babel.core import get_global
from protego import Protego

from pilotage.crawl.robots import origin_of
from pilotage.crawl.store import PageRow, RobotsRow
from pilotage.crawl.urls import normalise_url, same_site
from pilotage.errors import InvalidInput
from pilotage.seo.linktext import vague_links
from pilotage.seo.model import Issue, PageData

if TYPE_CHECKING:
    from pilotage.seo.checks import Thresholds

BOTS: tuple[str | None, ...] = (None, "Googlebot", "bingbot", "DuckDuckBot", "archive.org_bot")
_BLOCKING = {"noindex", "none"}
_UNAVAILABLE = "unavailable_after"
_HEADER_BOT = re.compile(r"^([^,:]+):")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_BAD_HOST = re.compile(r"[\s<>^|%\\\[\]@/?#]")
VALID_LANGS: frozenset[str] = frozenset(
    {key.split("_")[0].lower() for key in get_global("likely_subtags")}
    | {key.lower() for key in get_global("language_aliases") if "_" not in key}
)


class RobotsIndex:
    """robots.txt of each origin of the crawl, parsed once, for the per-bot rules."""

    def __init__(self, rows: Iterable[RobotsRow]) -> None:
        self._parsers: dict[str, Protego] = {}
        self._verdicts: dict[str, str] = {}
        for row in rows:
            self._verdicts[row.origin] = row.verdict
            if row.verdict == "parsed" and row.body:
                self._parsers[row.origin] = Protego.parse(row.body)

    def verdict(self, url: str) -> str | None:
        return self._verdicts.get(origin_of(url))

    def disallows(self, url: str, bot: str | None) -> bool:
        parser = self._parsers.get(origin_of(url))
        return parser is not None and not parser.can_fetch(url, bot or "*")


# -- is-crawlable ----------------------------------------------------------------------


def _unavailable(directive: str) -> bool:
    name, _, date = directive.partition(":")
    if name != _UNAVAILABLE or not date.strip():
        return False
    when = parse_date(date.strip())
    return when is not None and when < datetime.now(UTC)


def parse_date(text: str) -> datetime | None:
    """An ``unavailable_after`` date: ISO 8601, RFC 822 or RFC 850 (Google's formats)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text.replace("-", " "))
        except (TypeError, ValueError, IndexError):
            return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def has_blocking_directive(directives: str) -> bool:
    parts = (d.strip().lower() for d in directives.split(","))
    return any(d in _BLOCKING or _unavailable(d) for d in parts)


def _header_bot(value: str) -> str | None:
    match = _HEADER_BOT.match(value)
    if match is None or match.group(1).strip().lower() == _UNAVAILABLE:
        return None
    return match.group(1).strip()


def blocking_directives(data: PageData, bot: str | None) -> list[str]:
    """What in the page's meta tags and headers blocks ``bot`` (None: any robot)."""
    found: list[str] = []
    meta_name = bot.lower() if bot and bot.lower() in data.meta_robots else "robots"
    content = data.meta_robots.get(meta_name)
    if content is not None and has_blocking_directive(content):
        found.append(f'<meta name="{meta_name}" content="{content}">')
    for value in data.x_robots_tag:
        value = value.strip()
        prefix = _header_bot(value)
        if prefix is not None and (bot is None or prefix.lower() != bot.lower()):
            continue
        directives = value[len(prefix) + 1 :] if prefix is not None else value
        if has_blocking_directive(directives):
            found.append(f"X-Robots-Tag: {value}")
    return found


def is_noindex(data: PageData) -> bool:
    """Every bot is blocked by the page's own meta tags or headers (robots.txt aside)."""
    return all(blocking_directives(data, bot) for bot in BOTS)


def crawl_block(url: str, data: PageData, robots: RobotsIndex) -> list[str]:
    """The generic blocking directives when every bot is blocked, else []."""
    generic: list[str] = []
    for bot in BOTS:
        found = blocking_directives(data, bot)
        if robots.disallows(url, bot):
            found.append("robots.txt")
        if not found:
            return []
        if bot is None:
            generic = found
    return generic


# -- canonical and hreflang ------------------------------------------------------------


def resolve(raw: str, base: str) -> str | None:
    """``raw`` resolved against ``base`` as a browser would, or None when it cannot be.

    http(s) results are normalised as crawled URLs are; other schemes are kept.
    """
    try:
        joined = urljoin(base, raw.strip())
        parts = urlsplit(joined)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not scheme:
        return None
    if scheme in ("http", "https", "ftp", "ws", "wss"):
        host = parts.netloc.rpartition("@")[2]
        if not host or (not host.startswith("[") and _BAD_HOST.search(host.split(":")[0])):
            return None
    if scheme in ("http", "https"):
        try:
            return normalise_url(joined)
        except (InvalidInput, ValueError):
            return None
    return joined


def is_absolute(raw: str) -> bool:
    text = raw.strip()
    return bool(_SCHEME.match(text)) and resolve(text, text) is not None


class Canonicals(NamedTuple):
    """A page's canonicals: unresolvable hrefs, relative hrefs, distinct resolved URLs."""

    invalid: tuple[str, ...] = ()
    relative: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()


def canonicals(url: str, data: PageData) -> Canonicals:
    if not data.canonical and not data.canonical_header:
        return Canonicals()
    base = resolve(data.base_href, url) if data.base_href else None
    invalid: list[str] = []
    relative: list[str] = []
    unique: list[str] = []
    sources = [(raw, base or url) for raw in data.canonical]
    sources += [(raw, url) for raw in data.canonical_header]
    for raw, against in sources:
        if not raw.strip():
            continue
        resolved = resolve(raw, against)
        if resolved is None:
            invalid.append(raw)
        elif not _SCHEME.match(raw.strip()):
            relative.append(raw)
        elif resolved not in unique:
            unique.append(resolved)
    return Canonicals(tuple(invalid), tuple(relative), tuple(unique))


def canonical_problem(url: str, data: PageData, found: Canonicals | None = None) -> str | None:
    """Lighthouse's ``canonical`` verdict: the reason it fails, or None."""
    invalid, relative, unique = found or canonicals(url, data)
    if invalid:
        return f"invalid URL: {invalid[-1]}"
    if relative:
        return f"not an absolute URL: {relative[-1]}"
    if len(unique) != 1:
        return None if not unique else "conflicting URLs: " + ", ".join(unique)
    target = unique[0]
    alternates = {resolve(a.href, url) for a in data.alternates if a.hreflang}
    if url in alternates and target in alternates and url != target:
        return f"points to another hreflang alternate: {target}"
    page, canon = urlsplit(url), urlsplit(target)
    same_origin = (page.scheme, page.netloc) == (canon.scheme, canon.netloc)
    if same_origin and canon.path == "/" and page.path not in ("", "/"):
        return f"points to the site root: {target}"
    return None


def canonical_target(url: str, data: PageData, found: Canonicals | None = None) -> str | None:
    """The one valid canonical URL of the page when it names another URL, else None."""
    invalid, relative, unique = found or canonicals(url, data)
    if invalid or relative or len(unique) != 1 or unique[0] == url:
        return None
    return unique[0]


def _canonical_issues(url: str, data: PageData, root: str, found: Canonicals) -> Iterator[Issue]:
    problem = canonical_problem(url, data, found)
    if problem is not None:
        yield Issue("canonical", url, problem)
    for target in found.unique:
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https") or not same_site(target, root):
            yield Issue("canonical-not-crawlable", url, target)


def is_indexable(page: PageRow) -> bool:
    """The audit's one definition (docs/seo.md): an HTML page answered 2xx without a
    redirect, allowed by robots.txt, not blocked for Google by its meta robots or
    X-Robots-Tag, whose canonical, if any, is itself (a canonical that cannot be resolved
    to an http(s) URL is ignored, as search engines do)."""
    data = page.data
    if data is None or not page.robots_allowed or page.status // 100 != 2 or page.redirects:
        return False
    if blocking_directives(data, "Googlebot"):
        return False
    base = data.base_href or page.url
    for href in (*data.canonical, *data.canonical_header):
        try:
            target = normalise_url(href.strip(), base)
        except InvalidInput:
            continue
        if target != page.url:
            return False
    return True


def valid_hreflang(code: str) -> bool:
    if code.lower() == "x-default":
        return True
    return code.split("-")[0].lower() in VALID_LANGS


def _hreflang_issues(url: str, data: PageData) -> Iterator[Issue]:
    for alternate in data.alternates:
        if not alternate.hreflang:
            continue
        reasons = []
        if not valid_hreflang(alternate.hreflang):
            reasons.append("unexpected language code")
        if not alternate.href.lower().startswith(("http:", "https:")):
            reasons.append("relative href")
        if reasons:
            detail = f"{alternate.hreflang} {alternate.href}: {', '.join(reasons)}"
            yield Issue("hreflang", url, detail)


# -- content ---------------------------------------------------------------------------


def _link_text_issues(url: str, data: PageData) -> Iterator[Issue]:
    found = data.vague_links
    if found is None:  # a page saved before the crawl counted them
        found = vague_links(url, data.links, data.lang)
    for detail in found:
        yield Issue("link-text", url, detail)


def _title_issues(url: str, data: PageData, limits: tuple[int, int]) -> Iterator[Issue]:
    title = data.title[0].strip() if data.title else ""
    if not title:
        yield Issue("document-title", url)
    elif len(title) > limits[0]:
        yield Issue("title-too-long", url, f"{len(title)} characters: {title}")
    elif len(title) < limits[1]:
        yield Issue("title-too-short", url, f"{len(title)} characters: {title}")
    if len(data.title) > 1:
        yield Issue("title-multiple", url, " | ".join(data.title))


def _description_issues(url: str, data: PageData, limits: tuple[int, int]) -> Iterator[Issue]:
    text = data.meta_description[0].strip() if data.meta_description else ""
    if not data.meta_description:
        yield Issue("meta-description", url, "missing")
    elif not text:
        yield Issue("meta-description", url, "empty")
    elif len(text) > limits[0]:
        yield Issue("description-too-long", url, f"{len(text)} characters: {text}")
    elif len(text) < limits[1]:
        yield Issue("description-too-short", url, f"{len(text)} characters: {text}")
    if len(data.meta_description) > 1:
        yield Issue("description-multiple", url, " | ".join(data.meta_description))


def _markup_issues(url: str, data: PageData) -> Iterator[Issue]:
    h1 = data.headings.get("h1", [])
    if not any(text.strip() for text in h1):
        yield Issue("h1-missing", url)
    if len(h1) > 1:
        yield Issue("h1-multiple", url, " | ".join(h1))
    if not (data.lang or "").strip():
        yield Issue("lang-missing", url)
    if data.viewport is None:
        yield Issue("viewport-missing", url)
    for anchor in data.bad_anchors:
        yield Issue("crawlable-anchors", url, anchor)
    for image in data.images:
        if image.alt is None:
            yield Issue("image-alt", url, image.src)
    for resource in data.mixed_content:
        yield Issue("mixed-content", url, resource)
    for error in data.structured_data_errors:
        yield Issue("structured-data-invalid", url, error)


def page_issues(
    row: PageRow,
    data: PageData,
    root: str,
    robots: RobotsIndex,
    limits: Thresholds,
    found: Canonicals | None = None,
) -> Iterator[Issue]:
    """Issues of one internal HTML page that answered 200 without a redirect."""
    url = row.url
    blocked = crawl_block(url, data, robots)
    if blocked:
        yield Issue("is-crawlable", url, "; ".join(blocked))
    yield from _title_issues(url, data, (limits.title_max, limits.title_min))
    yield from _description_issues(url, data, (limits.description_max, limits.description_min))
    yield from _markup_issues(url, data)
    yield from _link_text_issues(url, data)
    yield from _hreflang_issues(url, data)
    yield from _canonical_issues(url, data, root, found or canonicals(url, data))
    if data.word_count < limits.thin_words:
        yield Issue("thin-content", url, f"{data.word_count} words")
    if row.elapsed_ms > limits.slow_ms:
        yield Issue("slow-page", url, f"{row.elapsed_ms:.0f} ms")
    if row.size > limits.heavy_bytes:
        yield Issue("heavy-page", url, f"{row.size} bytes")
