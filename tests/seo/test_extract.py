import hashlib
from pathlib import Path

import pytest

from pilotage.seo.extract import (
    HeaderLink,
    charset_of,
    decode_body,
    extract_page,
    parse_link_header,
)
from pilotage.seo.model import Alternate, Image, Link, PageData
from pilotage.seo.text import words

DATA = Path(__file__).parent.parent / "data" / "seo_extract"
FR_URL = "https://www.agence-pilote.fr/blog/audit-seo-erreurs"


def _page(name: str, url: str, headers: list[tuple[str, str]] | None = None) -> PageData:
    return extract_page(url, (DATA / name).read_bytes(), headers or [])


@pytest.fixture(scope="module")
def fr() -> PageData:
    return _page("fr_article.html", FR_URL, [("content-type", "text/html; charset=UTF-8")])


@pytest.fixture(scope="module")
def docs() -> PageData:
    return _page("en_docs_base.html", "http://127.0.0.1:8000/json.html")


# --- head -----------------------------------------------------------------------------


def test_title_ignores_svg_title(fr: PageData) -> None:
    assert fr.title == ["Audit SEO : les 10 erreurs à corriger | Agence Pilote"]


def test_every_title_is_kept() -> None:
    page = extract_page("https://a.fr/", b"<title> Un </title><title>Deux</title>", [])
    assert page.title == ["Un", "Deux"]


def test_meta_description_lang_viewport_charset(fr: PageData) -> None:
    assert fr.meta_description == [
        "Titres en double, liens cassés, balises canoniques : les erreurs qu'un audit SEO "
        "trouve le plus souvent."
    ]
    assert fr.lang == "fr-FR"
    assert fr.viewport == "width=device-width, initial-scale=1"
    assert fr.charset == "utf-8"


def test_headings_by_level(fr: PageData) -> None:
    assert fr.headings["h1"] == ["Audit SEO : les 10 erreurs à corriger"]
    assert fr.headings["h2"] == ["1. Des titres en double", "2. Des liens cassés"]
    assert fr.headings["h3"] == ["Le cas des ancres"]
    assert fr.headings["h4"] == fr.headings["h5"] == fr.headings["h6"] == []


def test_meta_robots_keyed_by_lowercased_name(fr: PageData) -> None:
    assert fr.meta_robots == {
        "robots": "index, follow, max-image-preview:large",
        "googlebot": "noarchive",
        "bingbot": "nosnippet",
    }


def test_repeated_meta_robots_are_combined() -> None:
    html = b'<meta name="robots" content="noindex"><meta name="ROBOTS" content="nofollow">'
    assert extract_page("https://a.fr/", html, []).meta_robots == {"robots": "noindex, nofollow"}


def test_canonical_and_hreflang_from_head(fr: PageData) -> None:
    assert fr.canonical == ["https://www.agence-pilote.fr/blog/audit-seo-erreurs"]
    assert fr.alternates == [
        Alternate("fr", "https://www.agence-pilote.fr/blog/audit-seo-erreurs", "head"),
        Alternate("en", "https://www.agence-pilote.fr/en/blog/seo-audit-mistakes", "head"),
        Alternate("x-default", "https://www.agence-pilote.fr/en/blog/seo-audit-mistakes", "head"),
    ]


def test_canonical_in_body_is_ignored() -> None:
    html = b"<title>t</title><p>text</p><link rel=canonical href=/body>"
    assert extract_page("https://a.fr/", html, []).canonical == []


def test_relative_canonical_kept_as_written() -> None:
    html = b"<link rel='Canonical' href='/page?b=1'>"
    assert extract_page("https://a.fr/x", html, []).canonical == ["/page?b=1"]


def test_open_graph_and_twitter_first_value_wins(fr: PageData) -> None:
    assert fr.open_graph == {
        "og:type": "article",
        "og:title": "Audit SEO : les 10 erreurs à corriger",
        "og:image": "https://www.agence-pilote.fr/img/audit.png",
    }
    assert fr.twitter == {"twitter:card": "summary_large_image", "twitter:site": "@agencepilote"}


def test_base_href_and_refresh(docs: PageData) -> None:
    assert docs.base_href == "https://docs.example.org/3/library/"
    assert docs.refresh == "30; url=https://docs.example.org/3/whatsnew.html"
    assert docs.title == ["json — JSON encoder and decoder"]


# --- headers ----------------------------------------------------------------------------


def test_parse_link_header_several_links_quoted_params() -> None:
    links = parse_link_header(
        [
            '<https://ex.com/a>; rel="canonical", <https://ex.com/fr/>; REL=alternate; '
            'hreflang="fr"',
            '<https://ex.com/x,y>; rel=preload; title="a, b; \\"c\\"", </p.pdf>;rel="alternate canonical"',
        ]
    )
    assert links == [
        HeaderLink("https://ex.com/a", {"rel": "canonical"}),
        HeaderLink("https://ex.com/fr/", {"rel": "alternate", "hreflang": "fr"}),
        HeaderLink("https://ex.com/x,y", {"rel": "preload", "title": 'a, b; "c"'}),
        HeaderLink("/p.pdf", {"rel": "alternate canonical"}),
    ]
    assert links[3].rels == ["alternate", "canonical"]


def test_parse_link_header_first_rel_wins_and_junk_survives() -> None:
    links = parse_link_header(['<a>; rel=next; rel=prev, garbage, <b>; foo; rel="x"', "<broken"])
    assert links == [HeaderLink("a", {"rel": "next"}), HeaderLink("b", {"foo": "", "rel": "x"})]


def test_link_and_robots_headers_fill_page() -> None:
    headers = [
        (
            "link",
            '<https://ex.com/c>; rel="canonical", <https://ex.com/de/>; rel=alternate; hreflang=de',
        ),
        ("link", '<https://ex.com/c.pdf>; rel="alternate canonical"; type="application/pdf"'),
        ("x-robots-tag", "noindex"),
        ("x-robots-tag", " googlebot: nofollow "),
    ]
    page = extract_page("https://ex.com/", b"<p>x</p>", headers)
    assert page.canonical_header == ["https://ex.com/c", "https://ex.com/c.pdf"]
    assert page.alternates == [Alternate("de", "https://ex.com/de/", "header")]
    assert page.x_robots_tag == ["noindex", "googlebot: nofollow"]


# --- body: images, links, anchors --------------------------------------------------------


def test_images_absolute_with_alt_states(fr: PageData) -> None:
    assert fr.images == [
        Image("https://www.agence-pilote.fr/img/logo.svg", "Agence Pilote"),
        Image("https://www.agence-pilote.fr/img/titres.png", ""),
        Image("http://cdn.agence-pilote.fr/img/graphique.png", None, "640", "360"),
    ]


def test_valueless_alt_is_empty_not_absent() -> None:
    page = extract_page("https://a.fr/", b"<img src=x.png alt><img src=y.png>", [])
    assert [i.alt for i in page.images] == ["", None]


def test_links(fr: PageData) -> None:
    by_raw = {link.raw: link for link in fr.links}
    assert by_raw["/"] == Link("https://www.agence-pilote.fr/", "/", "Agence Pilote", "", "Accueil")
    assert by_raw["/contact#formulaire"].url == "https://www.agence-pilote.fr/contact"
    assert by_raw["../guides/liens.html"] == Link(
        "https://www.agence-pilote.fr/guides/liens.html",
        "../guides/liens.html",
        "notre guide",
        "",
        "Guide des liens",
    )
    google = by_raw["https://developers.google.com/search/docs?hl=fr"]
    assert (google.text, google.rel) == ("la documentation de Google", "nofollow noopener")
    for raw in ("javascript:void(0)", "mailto:contact@agence-pilote.fr", "tel:+33102030405"):
        assert by_raw[raw].url == ""
    assert by_raw[""].url == FR_URL  # an empty href is the page itself
    assert len(fr.links) == 12  # every <a> with an href attribute, in document order
    assert [link.raw for link in fr.links][:3] == ["/", "/services/", "/blog/"]


def test_bad_anchors_follow_lighthouse(fr: PageData) -> None:
    offenders = fr.bad_anchors
    assert len(offenders) == 4
    for needle in (
        'href="javascript:void(0)"',
        'href=""',
        'href="file:///C:',
        'onclick="ouvrir()"',
    ):
        assert sum(needle in o for o in offenders) == 1, needle
    for exempt in ('role="button"', 'name="suite"', "mailto:", "tel:"):
        assert not any(exempt in o for o in offenders), exempt


@pytest.mark.parametrize(
    ("anchor", "bad"),
    [
        ('<a href="https://[::1/">x</a>', True),  # unparsable host
        ('<a href="http://">x</a>', True),
        ('<a href="javascript:void 0">x</a>', True),  # whitespace removed: void0 matches
        ('<a href="javascript:history.back()">x</a>', False),  # a parsable URL to Lighthouse
        ('<a href="java script:void(0)">x</a>', True),  # whitespace is removed first
        ('<a href="file:///etc/passwd" name="n">x</a>', True),  # file: fails before name
        ('<a href="" id="top">x</a>', False),
        ('<a target="_blank">x</a>', True),
        ("<a>x</a>", False),
        ('<a href="ftp://files.example.org/">x</a>', False),
    ],
)
def test_bad_anchor_rules(anchor: str, bad: bool) -> None:
    page = extract_page("https://a.fr/", anchor.encode(), [])
    assert bool(page.bad_anchors) is bad


ANCHOR_ATTRS = ["", ' role="button"', ' role=" "', ' name="n"', ' name=""', ' id="i"', " onclick"]


def _lighthouse_verdict(href: str, bad_alone: bool, attrs: str) -> bool:
    if attrs == ' role="button"':
        return False
    if attrs == ' name="n"':
        return href.startswith("file:")  # file: fails before the name exemption
    if attrs == ' id="i"' and not href.strip():
        return False
    return bad_alone


@pytest.mark.parametrize(
    ("href", "bad_alone"),
    [
        ("p.html", False),
        ("#top", False),
        (" ", True),
        ("mailto:a@b.fr", False),
        ("file:///etc/passwd", True),
        ("javascript:void(0)", True),
        ("java script:void(0)", True),
        ("https://[::1/", True),
        ("http://", True),
        ("tel:+33102030405", False),
        ("HTTP://a.fr/p", False),
        (" p.html#x ", False),
    ],
)
def test_anchors_sharing_an_href_are_judged_alone(href: str, bad_alone: bool) -> None:
    # Verdicts are cached per href within a page: role, name and id must still count.
    anchors = [f'<a href="{href}"{attrs}>{n}</a>' for n, attrs in enumerate(ANCHOR_ATTRS)]
    expected = {
        str(n)
        for n, attrs in enumerate(ANCHOR_ATTRS)
        if _lighthouse_verdict(href, bad_alone, attrs)
    }
    for order in (anchors, anchors[::-1]):
        page = extract_page("https://a.fr/", "".join(order).encode(), [])
        bad = {snippet.removesuffix("</a>").rpartition(">")[2] for snippet in page.bad_anchors}
        assert bad == expected


def test_links_resolve_against_base_href(docs: PageData) -> None:
    by_raw = {link.raw: link for link in docs.links}
    assert by_raw["../genindex.html"].url == "https://docs.example.org/3/genindex.html"
    assert by_raw["#json.dumps"].url == "https://docs.example.org/3/library/"
    assert by_raw["#json.dumps"].text == "dumps()"
    assert by_raw["/3/tutorial/inputoutput.html#saving-structured-data-with-json"].url == (
        "https://docs.example.org/3/tutorial/inputoutput.html"
    )
    assert by_raw["../about.html"] == Link(
        "https://docs.example.org/3/about.html", "../about.html", "About the docs"
    )
    assert docs.images == [Image("https://docs.example.org/3/_static/py.svg", "Python logo")]
    assert docs.headings["h1"] == ["json — JSON encoder and decoder¶"]


def test_non_http_base_href_is_ignored() -> None:
    html = b'<base href="javascript:alert(1)"><a href="p.html">p</a>'
    page = extract_page("https://a.fr/dir/", html, [])
    assert page.base_href == "javascript:alert(1)"
    assert page.links[0].url == "https://a.fr/dir/p.html"


# --- mixed content ------------------------------------------------------------------------


def test_mixed_content_on_https_page(fr: PageData) -> None:
    assert fr.mixed_content == [
        "http://cdn.agence-pilote.fr/css/site.css",
        "http://cdn.agence-pilote.fr/img/graphique.png",
        "http://www.youtube.com/embed/abc123",
    ]


def test_mixed_content_srcset_script_and_base() -> None:
    html = (
        b'<base href="http://old.example.org/"><img src="https://a.fr/ok.png" '
        b'srcset="https://a.fr/1x.png 1x, http://cdn.example.org/2x.png 2x">'
        b'<script src="lib.js"></script><video><source src="//cdn.example.org/v.mp4"></video>'
    )
    page = extract_page("https://a.fr/", html, [])
    # A protocol-relative URL takes the scheme of the (http) base.
    assert page.mixed_content == [
        "http://cdn.example.org/2x.png",
        "http://old.example.org/lib.js",
        "http://cdn.example.org/v.mp4",
    ]


def test_no_mixed_content_on_http_page() -> None:
    page = extract_page("http://a.fr/", b'<img src="http://cdn.example.org/x.png">', [])
    assert page.mixed_content == []


# --- text ---------------------------------------------------------------------------------


def test_visible_text_excludes_hidden_parts(fr: PageData) -> None:
    assert "L'audit d'un site révèle souvent les mêmes défauts." in fr.text
    for hidden in ("caché", "Activez", "Gabarit", "Icône", "svg", "dataLayer", "display"):
        assert hidden not in fr.text, hidden
    assert "  " not in fr.text and "\n" not in fr.text


def test_word_count_hash_and_simhash_follow_the_text(fr: PageData) -> None:
    assert fr.word_count == len(words(fr.text)) > 50
    normalised = " ".join(fr.text.split()).lower()
    assert fr.text_hash == hashlib.sha1(normalised.encode()).hexdigest()
    assert fr.simhash != 0


def test_word_count_of_a_tiny_page() -> None:
    html = "<title>Non compté</title><p>L'audit coûte <b>300</b> €.</p>".encode()
    page = extract_page("https://a.fr/", html, [])
    assert page.text == "L'audit coûte 300 €."
    assert page.word_count == 4  # l, audit, coûte, 300


def test_empty_body() -> None:
    page = extract_page("https://a.fr/", b"", [])
    assert (page.title, page.links, page.word_count, page.text_hash, page.simhash) == (
        [],
        [],
        0,
        "",
        0,
    )


# --- structured data ----------------------------------------------------------------------


def test_json_ld_parsed_and_syntax_error_recorded(fr: PageData) -> None:
    assert [item["@type"] for item in fr.json_ld] == ["BlogPosting"]
    assert fr.json_ld[0]["author"]["name"] == "Élodie Martin"
    assert len(fr.structured_data_errors) == 1
    assert fr.structured_data_errors[0].startswith("JSON-LD block 2: ")


def test_json_ld_array_and_absurd_nesting() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    html = (
        '<script type="application/ld+json">[{"@type": "A"}, {"@type": "B"}]</script>'
        f'<script type="Application/LD+JSON; charset=utf-8">{deep}</script>'
        '<script type="application/ld+json"></script>'
    ).encode()
    page = extract_page("https://a.fr/", html, [])
    assert page.json_ld == [{"@type": "A"}, {"@type": "B"}]
    assert [e.split(":")[0] for e in page.structured_data_errors] == [
        "JSON-LD block 2",
        "JSON-LD block 3",
    ]


def test_og_only_page_skips_extruct(fr: PageData) -> None:
    assert fr.microdata == [] and fr.rdfa == []


def test_microdata_and_rdfa_of_schema_org_example() -> None:
    page = _page("en_product_schemaorg.html", "https://shop.example.com/p/1")
    assert page.structured_data_errors == []
    (product,) = page.microdata
    assert product["type"] == "https://schema.org/Product"
    props = product["properties"]
    assert props["name"] == 'Kenmore White 17" Microwave'
    assert props["offers"]["properties"]["price"] == "1000.00"
    assert props["offers"]["properties"]["priceCurrency"] == "USD"
    assert props["aggregateRating"]["properties"]["ratingValue"] == "3.5"
    assert props["review"]["properties"]["author"] == "Ellie"
    products = [n for n in page.rdfa if "https://schema.org/Product" in n.get("@type", [])]
    assert products[0]["https://schema.org/name"] == [{"@value": 'Kenmore White 17" Microwave'}]
    offers = [n for n in page.rdfa if "https://schema.org/Offer" in n.get("@type", [])]
    assert offers[0]["https://schema.org/price"] == [{"@value": "1000.00"}]


def test_structured_false_skips_extruct() -> None:
    page = extract_page(
        "https://shop.example.com/p/1",
        (DATA / "en_product_schemaorg.html").read_bytes(),
        [],
        structured=False,
    )
    assert page.microdata == [] and page.rdfa == []
    assert page.title == ['Kenmore White 17" Microwave']


# --- encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "http_charset", "expected"),
    [
        ("Café crème à Noël".encode("latin-1"), None, ("Café crème à Noël", "cp1252")),
        (b"caf\xe9 \xff \x80", None, ("café ÿ €", "cp1252")),  # invalid UTF-8
        ("Noël".encode(), None, ("Noël", "utf-8")),
        (b"\x80", "ISO-8859-1", ("€", "cp1252")),  # WHATWG: latin1 label means windows-1252
        ("é".encode(), "windows-1252", ("Ã©", "cp1252")),  # HTTP charset obeyed as written
        (b'<meta charset="utf-8">caf\xe9', None, ('<meta charset="utf-8">caf\ufffd', "utf-8")),
        (b'<meta charset="x-nonsense">\xc3\xa9', None, ('<meta charset="x-nonsense">é', "utf-8")),
        (b'<meta charset="utf-16">\xc3\xa9', None, ('<meta charset="utf-16">é', "utf-8")),
        (b"\xc3\xa9", "rot13", ("é", "utf-8")),  # not a text encoding: ignored
        (b"\xc3\xa9", "idna", ("é", "utf-8")),
        (b"\xef\xbb\xbf\xc3\xa9", "iso-8859-1", ("é", "utf-8")),  # the BOM wins
        (b"\xff\xfe" + "é".encode("utf-16-le"), None, ("é", "utf-16-le")),
    ],
)
def test_decode_body(body: bytes, http_charset: str | None, expected: tuple[str, str]) -> None:
    assert decode_body(body, http_charset) == expected


def test_http_equiv_declaration_in_first_2kb_only() -> None:
    head = b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">'
    assert decode_body(head + b"\xa4", None) == (head.decode() + "€", "iso8859-15")
    late = b" " * 2048 + head
    assert decode_body(late + b"\xa4", None)[1] == "cp1252"


@pytest.mark.parametrize(
    ("value", "charset"),
    [
        ("text/html; charset=UTF-8", "UTF-8"),
        ('text/html;CHARSET="iso-8859-1"', "iso-8859-1"),
        ("text/html", None),
        (None, None),
        ("text/html; charset=", None),
    ],
)
def test_charset_of(value: str | None, charset: str | None) -> None:
    assert charset_of(value) == charset


def test_content_type_charset_used_by_extract_page() -> None:
    body = "<title>Père Noël</title>".encode("cp1252")
    page = extract_page(
        "https://a.fr/", body, [("content-type", "text/html; charset=windows-1252")]
    )
    assert (page.title, page.charset) == (["Père Noël"], "cp1252")
    assert extract_page("https://a.fr/", body, [], charset="utf-8").title == ["P\ufffdre No\ufffdl"]


# --- malformed input ------------------------------------------------------------------------


def test_page_without_head() -> None:
    html = b'<title>Sans head</title><meta name="description" content="d"><link rel=canonical href=/c><p>Texte'
    page = extract_page("https://a.fr/", html, [])
    assert (page.title, page.meta_description, page.canonical) == (["Sans head"], ["d"], ["/c"])
    assert page.text == "Texte"


def test_unclosed_tags() -> None:
    html = b'<html><head><title>T</title><body><div><p>Un <b>deux <a href="/x">trois<p>quatre'
    page = extract_page("https://a.fr/", html, [])
    assert words(page.text) == ["un", "deux", "trois", "quatre"]
    # As in a browser, the open <a> is reopened inside the next <p> (adoption agency).
    assert [(link.url, link.text) for link in page.links] == [
        ("https://a.fr/x", "trois"),
        ("https://a.fr/x", "quatre"),
    ]


def test_huge_attributes() -> None:
    long_path = "a" * 1_000_000
    html = f'<a href="/{long_path}" title="{"t" * 500_000}">x</a><img src="i.png" alt="{"b" * 200_000}">'
    page = extract_page("https://a.fr/", html.encode(), [])
    assert page.links[0].url == f"https://a.fr/{long_path}"
    assert len(page.images[0].alt or "") == 200_000


def test_binary_garbage_does_not_crash() -> None:
    body = bytes(range(256)) * 40
    page = extract_page("https://a.fr/", body, [("content-type", "text/html; charset=bogus")])
    assert page.charset == "cp1252"
