"""Offers, prices and thresholds; expected prices are the ones written in the fixtures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pilotage.errors import InvalidInput
from pilotage.watch.price import (
    Offer,
    extract_offer,
    normalise_availability,
    parse_price,
    passes_threshold,
    price_change,
)

DATA = Path(__file__).parents[1] / "data" / "watch"
URL = "https://shop.example.com/velos/randonneur-500"


def page(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_json_ld_offer_in_graph_with_offers_list() -> None:
    assert extract_offer(page("product_jsonld.html"), URL) == Offer(
        Decimal("1299.99"), "EUR", "in_stock", "json-ld"
    )


def test_json_ld_out_of_stock_variant_with_bare_availability_name() -> None:
    assert extract_offer(page("product_jsonld_out_of_stock.html"), URL) == Offer(
        Decimal("1199.00"), "EUR", "out_of_stock", "json-ld"
    )


def test_microdata_offer() -> None:
    assert extract_offer(page("product_microdata.html"), URL) == Offer(
        Decimal("49.90"), "EUR", "preorder", "microdata"
    )


def test_open_graph_product_tags() -> None:
    assert extract_offer(page("product_opengraph.html"), URL) == Offer(
        Decimal("89.95"), "GBP", "in_stock", "opengraph"
    )


def test_css_selector_reads_the_visible_price() -> None:
    offer = extract_offer(page("product_jsonld.html"), URL, css="p.price .amount")
    assert offer == Offer(Decimal("1299.99"), "EUR", None, "selector")
    assert extract_offer(page("product_opengraph.html"), URL, css=".price") == Offer(
        Decimal("89.95"), "GBP", None, "selector"
    )


def test_selector_without_a_price_gives_none() -> None:
    assert extract_offer(page("product_jsonld.html"), URL, css="p.price .stock") is None
    assert extract_offer(page("product_jsonld.html"), URL, css=".nothing-here") is None


def test_page_without_offer_gives_none() -> None:
    assert extract_offer(page("article.html"), URL) is None
    assert extract_offer("", URL) is None


def test_aggregate_offer_low_price_and_number_price() -> None:
    html = """<script type="application/ld+json">
    {"@context": "https://schema.org", "@type": "Product", "name": "Pneu",
     "offers": {"@type": "AggregateOffer", "lowPrice": 34.5, "highPrice": 52,
                "priceCurrency": "eur", "offerCount": 4}}</script>"""
    assert extract_offer(html, URL) == Offer(Decimal("34.5"), "EUR", None, "json-ld")


def test_price_specification_and_broken_json_ld_block() -> None:
    html = """<script type="application/ld+json">{ not json </script>
    <script type="application/ld+json">[{"@type": "WebPage"}, {"@type": ["Product"],
     "offers": {"@type": "schema:Offer", "availability": "http://schema.org/LimitedAvailability",
      "priceSpecification": {"@type": "UnitPriceSpecification", "price": "7.20",
                             "priceCurrency": "CHF"}}}]</script>"""
    assert extract_offer(html, URL) == Offer(Decimal("7.20"), "CHF", "limited", "json-ld")


def test_offer_without_price_still_reports_availability() -> None:
    html = """<script type="application/ld+json">{"@type": "Product", "offers":
      {"@type": "Offer", "availability": "https://schema.org/SoldOut"}}</script>"""
    assert extract_offer(html, URL) == Offer(None, None, "out_of_stock", "json-ld")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://schema.org/InStock", "in_stock"),
        ("http://schema.org/OutOfStock", "out_of_stock"),
        ("schema:PreOrder", "preorder"),
        ("InStock", "in_stock"),
        ("https://schema.org/Discontinued", "discontinued"),
        ("https://schema.org/BackOrder", "preorder"),
        ("out of stock", "out_of_stock"),
        ("in_stock", "in_stock"),
        ("https://schema.org/SomethingNew", "unknown"),
        ("", None),
        (None, None),
        (["https://schema.org/InStock"], "in_stock"),
    ],
)
def test_normalise_availability(value: object, expected: str | None) -> None:
    assert normalise_availability(value) == expected


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("1 299,99 €", "1299.99", "EUR"),
        ("1.299,99 EUR", "1299.99", "EUR"),
        ("€1,299.99", "1299.99", "EUR"),
        ("$ 12.50", "12.50", "USD"),
        ("12,50 €", "12.50", "EUR"),
        ("CHF 1'299.90", "1299.90", "CHF"),
        ("1\u202f299,99\u00a0€", "1299.99", "EUR"),
        ("1\u00a0299,99 €", "1299.99", "EUR"),
        ("Prix : 39 euros par mois", "39", "EUR"),
        ("£89.95", "89.95", "GBP"),
        ("CA$ 20", "20", "CAD"),
        ("1,299", "1299", None),  # three digits after a lone comma: thousands
        ("1234,567", "1234.567", None),  # four digits before: cannot be thousands
        ("12.345.678,90 €", "12345678.90", "EUR"),
        ("TOP 12 €", "12", "EUR"),
        ("Europe : 12 $", "12", "USD"),  # "euro" inside a word is not a currency
        ("PLN 5", "5", "PLN"),  # "TOP" (Tongan pa'anga code) is a word here
    ],
)
def test_parse_price(text: str, amount: str, currency: str | None) -> None:
    assert parse_price(text) == (Decimal(amount), currency)


def test_parse_price_locale_hint_settles_the_ambiguous_comma() -> None:
    assert parse_price("1,299 €", locale_hint="fr_FR") == (Decimal("1.299"), "EUR")
    assert parse_price("1,299 €", locale_hint="en") == (Decimal("1299"), "EUR")
    with pytest.raises(InvalidInput) as caught:
        parse_price("1,299", locale_hint="xx_NOPE")
    assert caught.value.field == "locale_hint"


@pytest.mark.parametrize("text", ["", "Rupture de stock", "€"])
def test_parse_price_without_number(text: str) -> None:
    assert parse_price(text) is None


def test_price_change_in_percent() -> None:
    assert price_change(Decimal(200), Decimal(180)) == Decimal(-10)
    assert float(price_change(Decimal("1299.99"), Decimal("1199.00"))) == pytest.approx(
        (1199.00 - 1299.99) / 1299.99 * 100
    )
    with pytest.raises(InvalidInput):
        price_change(Decimal(0), Decimal(5))


@pytest.mark.parametrize(
    ("old", "new", "kwargs", "expected"),
    [
        ("100", "90", {"drop_pct": "10"}, True),
        ("100", "91", {"drop_pct": "10"}, False),
        ("100", "110", {"drop_pct": "10"}, False),
        ("100", "110", {"rise_pct": "10"}, True),
        ("120", "99", {"below": "100"}, True),
        ("99", "95", {"below": "100"}, False),  # was already under: no second alert
        (None, "95", {"below": "100"}, True),
        ("100", "101", {"above": "100"}, True),
        ("100", "101", {"drop_pct": "50", "above": "100"}, True),
        ("100", "100", {}, False),
        ("100", "99", {}, True),
    ],
)
def test_passes_threshold(
    old: str | None, new: str, kwargs: dict[str, str], expected: bool
) -> None:
    limits = {key: Decimal(value) for key, value in kwargs.items()}
    previous = Decimal(old) if old is not None else None
    assert passes_threshold(previous, Decimal(new), **limits) is expected


def test_threshold_percent_must_be_positive() -> None:
    with pytest.raises(InvalidInput) as caught:
        passes_threshold(Decimal(10), Decimal(9), drop_pct=Decimal(-10))
    assert caught.value.field == "drop_pct"
