"""What a monitor sees of a page; expected texts are those written in the fixtures."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from pilotage.errors import InvalidInput
from pilotage.watch.content import (
    body_text,
    fingerprint,
    json_select,
    main_text,
    normalise_lines,
    select,
    snapshot_text,
)

DATA = Path(__file__).parents[1] / "data" / "watch"
URL = "https://concurrent.example.fr/blog/tarifs-2027"


@pytest.fixture(scope="module")
def article() -> str:
    return (DATA / "article.html").read_text(encoding="utf-8")


def test_css_selects_texts_in_document_order(article: str) -> None:
    assert select(article, URL, css="nav.main-menu a") == [
        "Produits",
        "Tarifs",
        "Blog",
        "Recrutement",
        "Contact",
    ]


def test_css_text_keeps_inline_words_together_and_blocks_apart() -> None:
    html = "<div id=x><p>Prix : <b>12</b>,50 €</p><p>Livraison<br>offerte</p></div>"
    assert select(html, "u", css="#x") == ["Prix : 12,50 €\nLivraison\nofferte"]


def test_css_outer_html() -> None:
    html = '<ul><li class="a">Un</li><li>Deux</li></ul>'
    assert select(html, "u", css="li.a", outer_html=True) == ['<li class="a">Un</li>']


def test_css_on_a_script_returns_its_text() -> None:
    html = '<head><script type="application/ld+json">{"a": 1}</script></head><body></body>'
    assert select(html, "u", css="script") == ['{"a": 1}']


def test_selected_text_leaves_out_scripts_and_hidden_nodes() -> None:
    html = "<div id=x>Visible<script>var s = 1;</script><span hidden>caché</span></div>"
    assert select(html, "u", css="#x") == ["Visible"]


def test_xpath_elements_attributes_and_numbers(article: str) -> None:
    assert select(article, URL, xpath="//article/h1") == ["Nos nouveaux tarifs pour 2027"]
    assert select(article, URL, xpath="//footer//a/@href") == [
        "/mentions-legales",
        "/confidentialite",
        "/cgv",
    ]
    assert select(article, URL, xpath="count(//nav//li)") == ["5"]


def test_xpath_accepts_a_page_with_an_xml_declaration() -> None:
    html = '<?xml version="1.0" encoding="utf-8"?><html><body><p>Oui</p></body></html>'
    assert select(html, "u", xpath="//p") == ["Oui"]


@pytest.mark.parametrize(
    "selector",
    [{"css": "p["}, {"css": ""}, {"xpath": "//p["}, {"xpath": "nope()"}, {}],
)
def test_invalid_selector_is_rejected(article: str, selector: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as caught:
        select(article, URL, **selector)
    assert caught.value.field == "selector"
    assert "\n" not in caught.value.message


def test_invalid_selector_is_rejected_even_on_an_empty_page() -> None:
    # monitors validate a selector before any page was fetched
    selectors: list[dict[str, Any]] = [{"css": "p["}, {"xpath": "//p["}]
    for selector in selectors:
        with pytest.raises(InvalidInput):
            select("", "u", **selector)


def test_both_selectors_at_once_is_rejected(article: str) -> None:
    with pytest.raises(InvalidInput):
        select(article, URL, css="p", xpath="//p")


def test_empty_page_selects_nothing() -> None:
    assert select("", "u", css="p") == []
    assert select("", "u", xpath="//p") == []
    assert main_text("", "u") == ""
    assert snapshot_text("   ", "u") == ""


def test_main_text_drops_menus_banners_sidebar_and_footer(article: str) -> None:
    text = main_text(article, URL)
    lines = text.splitlines()
    assert lines[0] == "Nos nouveaux tarifs pour 2027"
    assert lines[1].startswith("À partir du 1er janvier 2027, notre offre Essentiel passe à 19")
    assert lines[-1].endswith("disponible dans votre espace client.")
    for boilerplate in ("cookies", "Recrutement", "Newsletter", "Mentions légales", "gtag"):
        assert boilerplate not in text


def test_main_text_is_one_paragraph_per_line(article: str) -> None:
    # the four <p> of the article body, each on its own line
    paragraphs = [line for line in main_text(article, URL).splitlines() if len(line) > 80]
    assert len(paragraphs) == 4
    assert all(line == " ".join(line.split()) for line in paragraphs)


def test_main_text_falls_back_to_visible_body_text() -> None:
    # too short for trafilatura to call it an article
    html = "<html><body><p>x</p><script>track()</script></body></html>"
    assert main_text(html, "u") == "x"


def test_body_text_keeps_everything_visible(article: str) -> None:
    text = body_text(article)
    assert "Recrutement" in text.splitlines()
    assert "gtag" not in text and ".cookie{" not in text


def test_snapshot_text_uses_the_selection_when_given(article: str) -> None:
    text = snapshot_text(article, URL, css="article p:nth-of-type(3)")
    assert text == (
        "L'offre Pro reste à 39 euros par mois et comprend désormais les rapports "
        "automatiques envoyés chaque lundi, sans supplément pour les équipes de plus de "
        "dix personnes."
    )


def test_normalise_lines_collapses_no_break_spaces() -> None:
    assert normalise_lines("  1\u202f299,99\u00a0€ \n\n\t b  c ") == "1 299,99 €\nb c"


def test_fingerprint_is_sha256_and_skips_unchanged_text(article: str) -> None:
    assert fingerprint("abc") == hashlib.sha256(b"abc").hexdigest()
    assert fingerprint(main_text(article, URL)) == fingerprint(main_text(article, URL))
    assert fingerprint("a") != fingerprint("b")


def test_json_select_reads_values() -> None:
    document = b'{"products": [{"name": "A", "price": 10}, {"name": "B", "price": 25.5}]}'
    assert json_select(document, "$.products[*].price") == [10, 25.5]
    assert json_select(document, "$.products[?price > 20].name") == ["B"]
    assert json_select(document, "$.missing") == []


def test_json_select_decodes_utf16_by_rfc_8259() -> None:
    document = '{"nom": "Café"}'.encode("utf-16")
    assert json_select(document, "$.nom") == ["Café"]


@pytest.mark.parametrize(
    ("document", "path", "field"),
    [
        ('{"a": 1}', "$.a[", "selector"),
        ('{"a": 1}', "$.a#", "selector"),
        ('{"a": ', "$.a", "document"),
        (b'{"a": "caf\xe9"}', "$.a", "document"),  # Latin-1 bytes are not JSON
        ("", "$", "document"),
    ],
)
def test_json_select_bad_input(document: str | bytes, path: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        json_select(document, path)
    assert caught.value.field == field
