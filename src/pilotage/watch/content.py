"""What a monitor sees of a page: selected nodes, JSONPath values, main text, fingerprint.

Inputs are documents already fetched and decoded; nothing here touches the network.

- CSS selectors run on selectolax (lexbor), XPath 1.0 expressions on lxml.
- JSONPath runs on jsonpath-ng's extended parser (filters such as ``$.items[?price > 10]``).
- The main content of an article or product page comes from trafilatura, which drops
  menus, footers, sidebars and cookie banners; when it finds nothing (very short pages),
  the visible body text is used instead.

Every text is normalised into lines: one paragraph (block element) per line, whitespace
collapsed, blank lines dropped, so that two fetches of an unchanged page give the same
text, the same :func:`fingerprint` and an empty diff.
"""

from __future__ import annotations

import hashlib
import json

import trafilatura
from jsonpath_ng.exceptions import JSONPathError
from jsonpath_ng.ext.parser import parse as jsonpath_parse
from lxml import etree
from lxml import html as lxml_html
from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from pilotage.errors import InvalidInput

__all__ = [
    "body_text",
    "fingerprint",
    "json_select",
    "main_text",
    "normalise_lines",
    "parse_html",
    "select",
    "snapshot_text",
]

# Elements whose text a reader never sees.
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "title", "meta"})
# Elements that start a new line when rendered (HTML Living Standard, "block" rendering).
_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "option",
        "caption",
        "legend",
    }
)


def normalise_lines(text: str) -> str:
    """One non-blank line per paragraph, inner whitespace (incl. no-break spaces) collapsed."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def fingerprint(text: str) -> str:
    """SHA-256 (hex) of a snapshot text, to skip storing a snapshot that did not change."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def select(
    html: str,
    url: str,
    *,
    css: str | None = None,
    xpath: str | None = None,
    outer_html: bool = False,
) -> list[str]:
    """Texts (or outer HTML) of the nodes a CSS selector or an XPath expression matches.

    Exactly one of ``css`` and ``xpath`` is given. Texts are normalised with
    :func:`normalise_lines`; XPath results that are strings or numbers (``//a/@href``,
    ``count(//li)``) are returned as text. ``url`` only names the page in error messages.
    """
    if (css is None) == (xpath is None):
        raise InvalidInput(
            "give exactly one of a CSS selector or an XPath expression", field="selector"
        )
    if css is not None:
        return _select_css(html, url, css, outer_html)
    assert xpath is not None
    return _select_xpath(html, url, xpath, outer_html)


def _select_css(html: str, url: str, css: str, outer_html: bool) -> list[str]:
    tree = LexborHTMLParser(html)
    try:
        nodes = tree.css(css)
    except SelectolaxError:
        raise InvalidInput(f"invalid CSS selector {css!r} for {url}", field="selector") from None
    if outer_html:
        return [node.html or "" for node in nodes]
    return [_css_node_text(node) for node in nodes]


def _css_node_text(node: LexborNode) -> str:
    if (node.tag or "").lower() in _INVISIBLE:
        return normalise_lines(node.text(deep=True))
    # selectolax has no block-aware text; re-reading the matched node with lxml keeps
    # one rule for line breaks across CSS, XPath and the fallback body text.
    return body_text(node.html or "")


def _select_xpath(html: str, url: str, xpath: str, outer_html: bool) -> list[str]:
    try:
        compiled = etree.XPath(xpath)
    except etree.XPathError as exc:
        raise InvalidInput(
            f"invalid XPath expression {xpath!r} for {url}: {exc}", field="selector"
        ) from None
    root = parse_html(html)
    if root is None:
        return []
    try:
        result = compiled(root)
    except etree.XPathError as exc:
        raise InvalidInput(
            f"XPath expression {xpath!r} failed on {url}: {exc}", field="selector"
        ) from None
    items = result if isinstance(result, list) else [result]
    return [_xpath_item(item, outer_html) for item in items]


def _xpath_item(item: object, outer_html: bool) -> str:
    if isinstance(item, etree._Element):
        if outer_html:
            return str(etree.tostring(item, encoding="unicode", method="html", with_tail=False))
        return _visible_text(item, keep_root=True)
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, float) and item.is_integer():
        return str(int(item))
    return normalise_lines(str(item))


def json_select(document: str | bytes, path: str) -> list[object]:
    """Values a JSONPath expression selects in a JSON document (UTF-8/16/32 bytes or text)."""
    try:
        expression = jsonpath_parse(path)
    except (JSONPathError, ValueError) as exc:
        raise InvalidInput(
            f"invalid JSONPath {path!r}: {_one_line(exc)}", field="selector"
        ) from None
    try:
        data = json.loads(document)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise InvalidInput(f"not a JSON document: {_one_line(exc)}", field="document") from None
    return [match.value for match in expression.find(data)]


def main_text(html: str, url: str) -> str:
    """Main content of a page, boilerplate removed, normalised into lines.

    trafilatura finds the article or product text; when it returns nothing, the visible
    text of the body (scripts, styles and ``hidden`` elements removed) is used.
    """
    if html.strip():
        extracted = trafilatura.extract(
            html,
            url=url,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
        )
        text = normalise_lines(extracted or "")
        if text:
            return text
    return body_text(html)


def body_text(html: str) -> str:
    """Visible text of a whole page, one paragraph per line."""
    root = parse_html(html)
    if root is None:
        return ""
    body = root.find("body")
    return _visible_text(body if body is not None else root, keep_root=True)


def snapshot_text(html: str, url: str, *, css: str | None = None, xpath: str | None = None) -> str:
    """The text a "text" monitor stores: the selected nodes (one or more lines each), else
    the main content."""
    if css is None and xpath is None:
        return main_text(html, url)
    return normalise_lines("\n".join(select(html, url, css=css, xpath=xpath)))


def parse_html(html: str) -> lxml_html.HtmlElement | None:
    """The page as an lxml tree, or None when it holds no markup at all."""
    # lxml refuses str input that carries an XML encoding declaration; bytes avoid that.
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root: lxml_html.HtmlElement = lxml_html.document_fromstring(
            html.encode("utf-8", "replace"), parser=parser
        )
    except etree.ParserError:  # "Document is empty"
        return None
    return root


def _hidden(element: etree._Element) -> bool:
    tag = element.tag
    if not isinstance(tag, str) or tag.lower() in _INVISIBLE:
        return True
    return element.get("hidden") is not None or element.get("aria-hidden") == "true"


def _visible_text(element: etree._Element, *, keep_root: bool = False) -> str:
    """Text a reader sees in ``element``, block elements on their own lines.

    ``keep_root`` keeps the element even when it is itself invisible (a selector that
    targets a ``<script type="application/ld+json">`` wants its text).
    """
    parts: list[str] = []
    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if event == "start":
            if _hidden(node) and not (keep_root and node is element):
                walker.skip_subtree()
                continue
            if tag in _BLOCKS:
                parts.append("\n")
            parts.append(node.text or "")
        else:
            if tag in _BLOCKS:
                parts.append("\n")
            if node is not element:
                parts.append(node.tail or "")
    return normalise_lines("".join(parts))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
