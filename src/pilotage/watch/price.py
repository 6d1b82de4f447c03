"""Price and availability of a product page, price changes and alert thresholds.

Where an offer is found, in this order:

1. a CSS selector given by the user (its text is read with :func:`parse_price`);
2. schema.org ``Offer`` / ``AggregateOffer`` in JSON-LD (any nesting: ``@graph``,
   ``Product.offers`` lists, ``priceSpecification``; ``lowPrice`` for aggregates);
3. the same in microdata (read with extruct);
4. Open Graph product tags (``product:price:amount`` / ``og:price:amount``, their
   ``:currency`` and ``product:availability``).

Availability values follow schema.org's ``ItemAvailability`` enumeration
(https://schema.org/ItemAvailability) and the Open Graph / Google Merchant spellings
("in stock", "out of stock", "preorder", "backorder", "discontinued").

Price text (:func:`parse_price`) in French and English forms. Separators: when a number
has both "." and ",", the last one is the decimal mark; a space, U+00A0, U+202F,
apostrophe or U+2019 always groups thousands. A lone "," or "." followed by exactly three
digits, after one to three digits ("1,299", "1.299"), is read as a thousands separator,
unless ``locale_hint`` names a locale whose decimal mark it is ("fr" reads "1,299" as
1.299, as in fuel prices).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from babel.core import UnknownLocaleError
from babel.numbers import get_decimal_symbol, list_currencies
from extruct.w3cmicrodata import MicrodataExtractor
from selectolax.lexbor import LexborHTMLParser

from pilotage.errors import InvalidInput
from pilotage.watch.content import parse_html, select

__all__ = [
    "Availability",
    "Offer",
    "extract_offer",
    "normalise_availability",
    "parse_price",
    "passes_threshold",
    "price_change",
]

Availability = Literal["in_stock", "out_of_stock", "preorder", "discontinued", "limited", "unknown"]
OfferSource = Literal["json-ld", "microdata", "opengraph", "selector"]


@dataclass(frozen=True)
class Offer:
    price: Decimal | None
    currency: str | None
    availability: Availability | None
    source: OfferSource


# schema.org ItemAvailability members and Open Graph / Google Merchant values, lower-case
# with everything but letters removed.
_AVAILABILITY: dict[str, Availability] = {
    "instock": "in_stock",
    "instoreonly": "in_stock",
    "onlineonly": "in_stock",
    "madetoorder": "in_stock",
    "availablefororder": "in_stock",
    "outofstock": "out_of_stock",
    "soldout": "out_of_stock",
    "oos": "out_of_stock",
    "reserved": "out_of_stock",
    "preorder": "preorder",
    "presale": "preorder",
    "backorder": "preorder",
    "discontinued": "discontinued",
    "limitedavailability": "limited",
}

# Symbols that stand for one currency. "$" alone is read as USD; "kr" (SEK/NOK/DKK/ISK)
# and "¥" for CNY are ambiguous and left to ISO codes.
_SYMBOLS: dict[str, str] = {
    "US$": "USD", "CA$": "CAD", "C$": "CAD", "AU$": "AUD", "A$": "AUD", "NZ$": "NZD",
    "HK$": "HKD", "S$": "SGD", "R$": "BRL", "MX$": "MXN", "$": "USD", "€": "EUR",
    "£": "GBP", "¥": "JPY", "₹": "INR", "₽": "RUB", "₩": "KRW", "₺": "TRY", "₪": "ILS",
    "₫": "VND", "zł": "PLN", "Kč": "CZK", "euros": "EUR", "euro": "EUR",
}  # fmt: skip
_ISO_CODES = frozenset(list_currencies())


def _symbol_pattern(symbol: str) -> str:
    # a symbol that starts or ends with a letter must not be part of a word ("Europe")
    before = r"(?<![^\W\d_])" if symbol[0].isalpha() else ""
    after = r"(?![^\W\d_])" if symbol[-1].isalpha() else ""
    return before + re.escape(symbol) + after


_CURRENCY = re.compile(
    "|".join(_symbol_pattern(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
    + r"|(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])"
)
_SPACES = re.compile(r"[\u00a0\u2007\u2009\u202f]")
_NUMBER = re.compile(r"\d{1,3}(?:[ '’.,]\d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?")
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_GROUPING = frozenset(" '’")


def parse_price(text: str, *, locale_hint: str | None = None) -> tuple[Decimal, str | None] | None:
    """The first amount in ``text`` and the ISO 4217 code of the nearest currency mark.

    ``"1 299,99 €"`` -> (Decimal("1299.99"), "EUR"); ``"CHF 1'299.90"`` -> (1299.90, "CHF").
    None when the text holds no number. Separator rules are in the module docstring.
    """
    decimal_mark = _locale_decimal(locale_hint) if locale_hint else None
    text = _SPACES.sub(" ", text)
    number = _NUMBER.search(text)
    if number is None:
        return None
    value = _to_decimal(number.group(), decimal_mark)
    return value, _nearest_currency(text, number.start(), number.end())


def _locale_decimal(locale_hint: str) -> str:
    try:
        return get_decimal_symbol(locale_hint.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise InvalidInput(f"unknown locale {locale_hint!r}", field="locale_hint") from None


def _to_decimal(token: str, decimal_mark: str | None) -> Decimal:
    marks = [(index, char) for index, char in enumerate(token) if not char.isdigit()]
    decimal_at: int | None = None
    if marks and marks[-1][1] not in _GROUPING:
        last_index, last = marks[-1]
        digits_after = len(token) - last_index - 1
        kinds = {char for _, char in marks}
        unambiguous = len(kinds) > 1 or digits_after != 3
        # a lone mark with three digits after it: "1234,567" cannot be grouping
        lone_decimal = len(marks) == 1 and (last_index > 3 or decimal_mark == last)
        if unambiguous or lone_decimal:
            decimal_at = last_index
    digits = "".join(
        "." if index == decimal_at else char
        for index, char in enumerate(token)
        if char.isdigit() or index == decimal_at
    )
    return Decimal(digits)


def _nearest_currency(text: str, start: int, end: int) -> str | None:
    # Nearest mark wins; on a tie a symbol beats a three-letter word ("TOP 12 €").
    best: tuple[int, bool, str] | None = None
    for match in _CURRENCY.finditer(text):
        mark = match.group()
        code = _SYMBOLS.get(mark) or (mark if mark in _ISO_CODES else None)
        if code is None:
            continue
        distance = start - match.end() if match.end() <= start else match.start() - end
        candidate = (distance, mark not in _SYMBOLS, code)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None


def normalise_availability(value: object) -> Availability | None:
    """schema.org URL / name or Open Graph text -> one of the six availability states."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return None
    name = re.split(r"[/:#]", value.strip())[-1]
    key = re.sub(r"[^a-z]", "", name.lower())
    return _AVAILABILITY.get(key, "unknown")


def extract_offer(html: str, url: str, *, css: str | None = None) -> Offer | None:
    """The page's offer (price, currency, availability), or None when it shows none."""
    if css is not None:
        return _selector_offer(html, url, css)
    tree = LexborHTMLParser(html)
    offer = _first_offer(_jsonld_nodes(tree), "json-ld")
    if offer is None:
        offer = _first_offer(_microdata_nodes(html, url), "microdata")
    return offer if offer is not None else _opengraph_offer(tree)


def _selector_offer(html: str, url: str, css: str) -> Offer | None:
    for text in select(html, url, css=css):
        parsed = parse_price(text)
        if parsed is not None:
            return Offer(parsed[0], parsed[1], None, "selector")
    return None


def _jsonld_nodes(tree: LexborHTMLParser) -> Iterator[dict[str, object]]:
    for script in tree.css("script[type]"):
        kind = (script.attributes.get("type") or "").strip().lower()
        if not kind.startswith("application/ld+json"):
            continue
        try:
            document = json.loads(script.text(deep=True))
        except ValueError:
            continue  # one broken block must not hide the others
        yield from _dicts(document)


def _dicts(document: object) -> Iterator[dict[str, object]]:
    """Every JSON object inside ``document``, in document order, without recursion."""
    stack: list[object] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _microdata_nodes(html: str, url: str) -> Iterator[dict[str, object]]:
    root = parse_html(html)
    if root is None:
        return
    items = MicrodataExtractor().extract_items(root, base_url=url)
    yield from _dicts([_as_jsonld(item) for item in items])


def _as_jsonld(value: object) -> object:
    """extruct's microdata shape ({"type", "properties"}) -> JSON-LD's ({"@type", ...})."""
    if isinstance(value, list):
        return [_as_jsonld(item) for item in value]
    if isinstance(value, dict) and "properties" in value:
        node: dict[str, object] = {"@type": value.get("type")}
        properties = value["properties"]
        if isinstance(properties, dict):
            node.update({key: _as_jsonld(item) for key, item in properties.items()})
        return node
    return value


def _types(node: dict[str, object]) -> set[str]:
    kinds = node.get("@type")
    names = kinds if isinstance(kinds, list) else [kinds]
    return {re.split(r"[/:#]", name)[-1] for name in names if isinstance(name, str)}


def _first_offer(nodes: Iterator[dict[str, object]], source: OfferSource) -> Offer | None:
    """The first offer with a price, else the first offer with an availability."""
    fallback: Offer | None = None
    for node in nodes:
        kinds = _types(node)
        if not kinds & {"Offer", "AggregateOffer"}:
            continue
        offer = _offer_from(node, source, aggregate="AggregateOffer" in kinds)
        if offer.price is not None:
            return offer
        if fallback is None and offer.availability is not None:
            fallback = offer
    return fallback


def _offer_from(node: dict[str, object], source: OfferSource, *, aggregate: bool) -> Offer:
    spec = node.get("priceSpecification")
    if isinstance(spec, list):
        spec = spec[0] if spec else None
    fields = [node, spec] if isinstance(spec, dict) else [node]
    keys = ("lowPrice", "price") if aggregate else ("price",)
    raw = next((f[k] for f in fields for k in keys if f.get(k) not in (None, "")), None)
    parsed = _price_value(raw)
    currency = next((f["priceCurrency"] for f in fields if f.get("priceCurrency")), None)
    code = currency.strip().upper() if isinstance(currency, str) else None
    return Offer(
        price=parsed[0] if parsed else None,
        currency=code or (parsed[1] if parsed else None),
        availability=normalise_availability(node.get("availability")),
        source=source,
    )


def _price_value(raw: object) -> tuple[Decimal, str | None] | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return Decimal(str(raw)), None
    if isinstance(raw, str):
        # schema.org asks for a plain number with "." as decimal mark: "1.299" is 1.299.
        if _PLAIN_NUMBER.fullmatch(raw.strip()):
            return Decimal(raw.strip()), None
        return parse_price(raw)
    return None


def _opengraph_offer(tree: LexborHTMLParser) -> Offer | None:
    tags: dict[str, str] = {}
    for meta in tree.css("meta[content]"):
        key = meta.attributes.get("property") or meta.attributes.get("name") or ""
        tags.setdefault(key.strip().lower(), meta.attributes.get("content") or "")
    amount = tags.get("product:price:amount") or tags.get("og:price:amount")
    currency = tags.get("product:price:currency") or tags.get("og:price:currency")
    availability = normalise_availability(
        tags.get("product:availability") or tags.get("og:availability")
    )
    parsed = _price_value(amount) if amount else None
    if parsed is None and availability is None:
        return None
    return Offer(
        price=parsed[0] if parsed else None,
        currency=currency.strip().upper() if currency else (parsed[1] if parsed else None),
        availability=availability,
        source="opengraph",
    )


def stored_price(text: str | None) -> Decimal | None:
    """A price as snapshots and changes store it (a decimal string), None if absent."""
    try:
        return None if text is None else Decimal(text)
    except InvalidOperation:
        return None


def price_change(old: Decimal, new: Decimal) -> Decimal:
    """Change from ``old`` to ``new`` in percent of ``old`` (-10 means a 10 % drop)."""
    if old == 0:
        raise InvalidInput("a change in percent needs a non-zero old price", field="price")
    return (new - old) / old * 100


def passes_threshold(
    old: Decimal | None,
    new: Decimal,
    *,
    drop_pct: Decimal | None = None,
    rise_pct: Decimal | None = None,
    below: Decimal | None = None,
    above: Decimal | None = None,
) -> bool:
    """Whether a price move deserves an alert; any one condition given is enough.

    - ``drop_pct=10``: the price fell by 10 % or more; ``rise_pct`` likewise upwards;
    - ``below=100``: the price went under 100 (it was at or over 100, or unknown);
      ``above`` likewise, so a price that stays under the bar alerts once, not each time.

    With no condition, any change alerts. ``old`` is None for the first price seen.
    """
    for name, pct in (("drop_pct", drop_pct), ("rise_pct", rise_pct)):
        if pct is not None and pct <= 0:
            raise InvalidInput(f"{name} must be above 0, got {pct}", field=name)
    if all(limit is None for limit in (drop_pct, rise_pct, below, above)):
        return old != new
    change = price_change(old, new) if old is not None and old != 0 else None
    return (
        (drop_pct is not None and change is not None and change <= -drop_pct)
        or (rise_pct is not None and change is not None and change >= rise_pct)
        or (below is not None and new < below and (old is None or old >= below))
        or (above is not None and new > above and (old is None or old <= above))
    )
