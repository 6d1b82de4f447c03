"""One HTML response (bytes + headers) -> ``PageData``, the audit's view of a page.

Parsing uses lexbor (selectolax) because the crawl is CPU-bound on it. Rules worth knowing:

- Bytes are decoded by ``pilotage.seo.text.decode_body`` (BOM, HTTP charset, ``<meta>``,
  UTF-8, windows-1252), re-exported here.
- ``<link rel=canonical|alternate>`` count only in ``<head>`` (Google ignores them in
  the body); ``<meta>`` tags count anywhere, so a ``noindex`` pushed into the body by a
  parse error is still seen.
- ``bad_anchors`` mirrors Lighthouse's ``crawlable-anchors`` audit
  (lighthouse/core/audits/seo/crawlable-anchors.js): anchors with a role, a name or a
  ``mailto:`` href are exempt; a ``file:`` href, an empty href, ``javascript:void(0)``,
  an unparsable href, or no href with an ``onclick`` (or an href-only attribute) fail.
- Microdata and RDFa go through extruct only when the page carries their markers,
  because extruct re-parses the page with lxml (tens of ms on a large page).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

import numpy as np
from selectolax.lexbor import LexborHTMLParser, LexborNode

from pilotage.crawl.urls import normalise_url
from pilotage.errors import InvalidInput
from pilotage.seo import text as textmod
from pilotage.seo.linkheader import HeaderLink, parse_link_header
from pilotage.seo.linktext import vague_links
from pilotage.seo.model import Alternate, Image, Link, PageData
from pilotage.seo.text import charset_of, decode_body

__all__ = ["HeaderLink", "charset_of", "decode_body", "extract_page", "parse_link_header"]

_HIDDEN_TAGS = ["script", "style", "noscript", "template", "svg"]
_HREF_ONLY = ("target", "download", "ping", "rel", "hreflang", "type", "referrerpolicy")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_VOID_JS = re.compile(r"javascript:void(\(|)0(\)|)")
_OG_PREFIXES = ("og:", "fb:", "article:", "product:", "book:", "profile:", "music:", "video:")
_MARKERS = "[itemscope], [typeof], [vocab], [property]"
_META_KEYS = ("name", "property", "http-equiv")
_BOT_NAMES = {"robots", "slurp", "yandex", "baiduspider", "teoma"}
_SUBRESOURCES = (
    "img[src], img[srcset], script[src], link[href], iframe[src], video[src], audio[src], "
    "source[src], source[srcset]"
)


def _attr(node: LexborNode, name: str) -> str | None:
    """Attribute value; "" for a valueless attribute, None when absent."""
    attrs = node.attributes
    if name not in attrs:
        return None
    return attrs[name] or ""


def _node_text(node: LexborNode) -> str:
    return textmod.collapse(node.text(deep=True, separator=""))


def _absolute(base: str, raw: str) -> str:
    try:
        return urljoin(base, raw.strip())
    except ValueError:
        return raw


def _http_url(base: str, raw: str) -> str | None:
    """``raw`` resolved against ``base`` when it is a valid http(s) URL, else None."""
    try:
        resolved = urljoin(base, raw.strip())
        parts = urlsplit(resolved)
        _ = parts.port  # raises on a bad port
    except ValueError:
        return None
    return resolved if parts.scheme in ("http", "https") and parts.hostname else None


def _in_foreign(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in ("svg", "math"):
            return True
        parent = parent.parent
    return False


def _head(tree: LexborHTMLParser, page: PageData, url: str) -> str:
    """Title, metas and head links; return the base URL links resolve against."""
    base: LexborNode | None = None
    for node in tree.css("title, meta, base[href]"):  # one walk of the tree, not three
        if node.tag == "meta":
            _meta(node, page)
        elif node.tag == "title" and not _in_foreign(node):
            page.title.append(_node_text(node))
        elif node.tag == "base" and base is None:
            base = node
    head = tree.head
    for link in head.css("link[rel]") if head is not None else []:
        rels = (_attr(link, "rel") or "").lower().split()
        href = _attr(link, "href") or ""
        if "canonical" in rels:
            page.canonical.append(href)
        hreflang = _attr(link, "hreflang")
        if "alternate" in rels and hreflang is not None:
            page.alternates.append(Alternate(hreflang, href, "head"))
    if base is None:
        return url
    page.base_href = _attr(base, "href")
    return _http_url(url, page.base_href or "") or url


def _meta(meta: LexborNode, page: PageData) -> None:
    attrs = meta.attributes
    if "content" not in attrs:
        return
    content = attrs["content"] or ""
    name, prop, equiv = ((attrs.get(a) or "").strip().lower() for a in _META_KEYS)
    if name == "description":
        page.meta_description.append(content.strip())
    elif name == "viewport" and page.viewport is None:
        page.viewport = content
    elif name in _BOT_NAMES or name.startswith("googlebot") or name.endswith("bot"):
        old = page.meta_robots.get(name)
        page.meta_robots[name] = f"{old}, {content}" if old else content
    if equiv == "refresh" and page.refresh is None:
        page.refresh = content
    key = prop or name
    if key.startswith("og:"):
        page.open_graph.setdefault(key, content)
    elif key.startswith("twitter:"):
        page.twitter.setdefault(key, content)


def _headers(page: PageData, headers: Sequence[tuple[str, str]]) -> None:
    links = parse_link_header(v for k, v in headers if k.lower() == "link")
    for link in links:
        if "canonical" in link.rels:
            page.canonical_header.append(link.target)
        if "alternate" in link.rels and "hreflang" in link.params:
            page.alternates.append(Alternate(link.params["hreflang"], link.target, "header"))
    page.x_robots_tag = [v.strip() for k, v in headers if k.lower() == "x-robots-tag"]


def _snippet(node: LexborNode) -> str:
    attrs = " ".join(
        name if value is None else f'{name}="{value[:80]}"'
        for name, value in node.attributes.items()
    )
    return f"<{node.tag} {attrs}>{_node_text(node)[:80]}</{node.tag}>".replace(" >", ">")


def _is_bad_anchor(attrs: dict[str, str | None], resolve: _Resolver) -> bool:
    """Lighthouse crawlable-anchors, reading the attributes a crawler can see."""
    raw = "".join((attrs.get("href") or "").split())
    if (attrs.get("role") or "").strip():
        return False
    if raw == "":
        if (attrs.get("id") or "").strip() or (attrs.get("name") or "").strip():
            return False  # an in-page target, not a link
        if "href" not in attrs:
            return "onclick" in attrs or any(a in attrs for a in _HREF_ONLY)
        return True
    if (attrs.get("name") or "").strip() and not raw.startswith("file:"):
        return False  # Lighthouse tests file: before the name exemption
    verdict = _href_verdict(raw)
    return not resolve(raw) if verdict is None else verdict


def _href_verdict(raw: str) -> bool | None:
    """Whether a non-blank, whitespace-free href is bad for an anchor with no role or
    name; None when that depends on whether it resolves to a URL."""
    if ":" not in raw:
        return None  # relative, the common case: every rule below needs a colon
    if raw.startswith("mailto:"):
        return False
    if raw.startswith("file:") or _VOID_JS.search(raw):
        return True
    # A WHATWG URL parser accepts any other scheme (tel:, ftp:…), so only relative and
    # http(s) hrefs can be unparsable; for those, normalisation failing means just that.
    scheme = _SCHEME.match(raw)
    return None if scheme is None or scheme.group(1).lower() in ("http", "https") else False


class _Resolver:
    """Per-page cache of href -> normalised URL: pages repeat the same hrefs a lot.

    The fragment is dropped before the lookup (normalisation drops it anyway), so
    ``#a``, ``#b`` and ``page.html#c`` cost one normalisation each per page, not per link.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.cache: dict[str, str] = {}

    def __call__(self, raw: str) -> str:
        key = raw.partition("#")[0]
        url = self.cache.get(key)
        if url is None:
            try:
                url = normalise_url(key, self.base)
            except (InvalidInput, ValueError):
                url = ""
            self.cache[key] = url
        return url


def _links(tree: LexborHTMLParser, page: PageData, base: str) -> None:
    resolve = _Resolver(base)
    # Per href, its URL and the verdict on an anchor without role or name (unless the
    # href is blank: then an id counts). Most anchors are such, many share an href.
    known: dict[str, tuple[str, bool | None]] = {}
    for node in tree.css("a, area"):
        attrs = node.attributes
        is_a = node.tag == "a"
        raw = attrs.get("href")
        if raw is None and "href" not in attrs:
            if is_a and _is_bad_anchor(attrs, resolve):
                page.bad_anchors.append(_snippet(node))
            continue
        raw = raw or ""
        if (entry := known.get(raw)) is None:
            url, squeezed = resolve(raw), "".join(raw.split())
            verdict = _href_verdict(squeezed) if squeezed else None
            if squeezed and verdict is None:
                verdict = not (url if squeezed == raw else resolve(squeezed))
            entry = known[raw] = (url, verdict)
        url, verdict = entry
        if is_a and (verdict is None or "role" in attrs or "name" in attrs):
            verdict = _is_bad_anchor(attrs, resolve)
        if is_a and verdict:
            page.bad_anchors.append(_snippet(node))
        label = " ".join(
            (node.text(deep=True, separator="") if is_a else attrs.get("alt") or "").split()
        )
        if not label and is_a:
            label = textmod.collapse(" ".join(_attr(i, "alt") or "" for i in node.css("img")))
        rel = attrs.get("rel")
        rel = " ".join(rel.lower().split()) if rel else ""
        page.links.append(Link(url, raw, label, rel, attrs.get("title") or ""))


def _images(tree: LexborHTMLParser, page: PageData, base: str) -> None:
    for img in tree.css("img"):
        src = _attr(img, "src")
        page.images.append(
            Image(
                _absolute(base, src) if src else "",
                _attr(img, "alt"),
                _attr(img, "width"),
                _attr(img, "height"),
            )
        )


def _subresource_urls(node: LexborNode) -> list[str]:
    if node.tag == "link":
        rels = (_attr(node, "rel") or "").lower().split()
        return [_attr(node, "href") or ""] if "stylesheet" in rels else []
    urls = [_attr(node, "src") or ""]
    srcset = _attr(node, "srcset") or ""
    urls += [c.split()[0] for c in srcset.split(",") if c.strip()]
    return urls


def _mixed_content(tree: LexborHTMLParser, page: PageData, url: str, base: str) -> None:
    if not url.lower().startswith("https:"):
        return
    seen: set[str] = set()
    for node in tree.css(_SUBRESOURCES):
        for raw in _subresource_urls(node):
            resolved = _absolute(base, raw) if raw.strip() else ""
            if resolved.lower().startswith("http:") and resolved not in seen:
                seen.add(resolved)
                page.mixed_content.append(resolved)


def _mime(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def _json_ld(tree: LexborHTMLParser, page: PageData) -> None:
    scripts = tree.css("script[type]")
    blocks = [s for s in scripts if _mime(_attr(s, "type")) == "application/ld+json"]
    for index, script in enumerate(blocks, start=1):
        source = script.text(deep=True).strip()
        source = source.removeprefix("<!--").removesuffix("-->").strip()
        try:
            data = json.loads(source)
        except (ValueError, RecursionError) as exc:  # RecursionError: absurd nesting
            page.structured_data_errors.append(f"JSON-LD block {index}: {exc}")
            continue
        page.json_ld.extend(data if isinstance(data, list) else [data])


def _has_rdfa(markers: Iterable[LexborNode]) -> bool:
    for node in markers:
        attrs = node.attributes
        if "typeof" in attrs or "vocab" in attrs:
            return True
        if "property" not in attrs:
            continue  # an itemscope
        prop = (attrs["property"] or "").strip().lower()
        if node.tag != "meta" or not prop.startswith((*_OG_PREFIXES, "twitter:")):
            return True
    return False


def _embedded(tree: LexborHTMLParser, page: PageData, html: str, base: str) -> None:
    """Microdata and RDFa via extruct, only on pages that carry their markers."""
    markers = tree.css(_MARKERS)  # one walk of the tree for both syntaxes
    syntaxes = ["microdata"] if any("itemscope" in n.attributes for n in markers) else []
    if _has_rdfa(markers):
        syntaxes.append("rdfa")
    if not syntaxes:
        return
    import extruct  # type: ignore[import-untyped]  # heavy import, paid only when needed

    try:
        found: dict[str, list[Any]] = extruct.extract(html, base_url=base, syntaxes=syntaxes)
    except Exception as exc:  # a third-party parser on hostile input: report, never crash
        page.structured_data_errors.append(f"{'/'.join(syntaxes)}: {exc}")
        return
    page.microdata = found.get("microdata", [])
    page.rdfa = found.get("rdfa", [])


def _visible_text(tree: LexborHTMLParser) -> str:
    """Body text without scripts, styles, templates, SVG or ``hidden`` elements.

    Mutates the tree, so it runs last.
    """
    for node in tree.css("[hidden]"):
        node.decompose()
    tree.strip_tags(_HIDDEN_TAGS, recursive=True)
    body = tree.body
    return textmod.collapse(body.text(deep=True, separator=" ")) if body is not None else ""


def extract_page(
    url: str,
    body: bytes,
    headers: Sequence[tuple[str, str]],
    *,
    charset: str | None = None,
    structured: bool = True,
) -> PageData:
    """Extract a ``PageData`` from one HTML response.

    ``headers`` are (lowercased name, value) pairs, repeated headers kept. ``charset``
    overrides the Content-Type charset. ``structured=False`` skips microdata/RDFa.
    """
    return extract_with_words(url, body, headers, charset=charset, structured=structured)[0]


def extract_with_words(
    url: str,
    body: bytes,
    headers: Sequence[tuple[str, str]],
    *,
    charset: str | None = None,
    structured: bool = True,
) -> tuple[PageData, list[str], np.ndarray]:
    """``extract_page``, the words of the page's text (``pilotage.seo.text.words``) and
    their hashes (``token_hashes``), which the crawl's workers count into keyword terms
    without tokenising or hashing twice."""
    if charset is None:
        charset = charset_of(next((v for k, v in headers if k.lower() == "content-type"), None))
    html, encoding = decode_body(body, charset)
    tree = LexborHTMLParser(html)
    page = PageData(charset=encoding)
    base = _head(tree, page, url)
    _headers(page, headers)
    root = tree.root
    if root is not None and root.tag == "html":
        page.lang = _attr(root, "lang")
    levels = [f"h{n}" for n in range(1, 7)]
    page.headings = {level: [] for level in levels}
    for heading in tree.css(", ".join(levels)):
        page.headings[str(heading.tag)].append(_node_text(heading))
    _images(tree, page, base)
    _links(tree, page, base)
    _mixed_content(tree, page, url, base)
    page.vague_links = vague_links(url, page.links, page.lang)
    _json_ld(tree, page)
    if structured:
        _embedded(tree, page, html, base)
    page.text = _visible_text(tree)
    tokens = textmod.words(page.text)
    page.word_count = len(tokens)
    page.text_hash = textmod.text_hash(page.text)
    hashes = textmod.token_hashes(tokens)
    page.simhash = textmod.simhash(tokens, hashes)
    return page, tokens, hashes
