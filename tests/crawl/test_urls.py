from __future__ import annotations

import pytest

from pilotage.crawl.urls import UrlFilter, normalise_url, remove_dot_segments, same_site
from pilotage.errors import InvalidInput

CASES = [
    ("http://example.org/a#frag", "http://example.org/a"),
    ("HTTP://Example.ORG/A", "http://example.org/A"),
    ("http://example.org:80/", "http://example.org/"),
    ("https://example.org:443/x", "https://example.org/x"),
    ("https://example.org:8443/x", "https://example.org:8443/x"),
    ("http://example.org:443/x", "http://example.org:443/x"),
    ("http://example.org", "http://example.org/"),
    ("http://example.org?q=1", "http://example.org/?q=1"),
    ("http://example.org/%7euser/%41b", "http://example.org/~user/Ab"),
    ("http://example.org/a%2fb%3Fc", "http://example.org/a%2Fb%3Fc"),
    ("http://example.org/a/./b/../c", "http://example.org/a/c"),
    ("http://example.org/../../x", "http://example.org/x"),
    ("http://example.org/?b=2&a=1&b=1", "http://example.org/?b=2&a=1&b=1"),
    ("http://example.org/?q=%e9t%c3%a9", "http://example.org/?q=%E9t%C3%A9"),
    ("http://example.org/caf\u00e9 x", "http://example.org/caf%C3%A9%20x"),
    ("http://example.org/100%", "http://example.org/100%25"),
    ("http://[::1]:80/", "http://[::1]/"),
    ("http://user:p%61ss@Example.org/", "http://user:pass@example.org/"),
    ("http://b\u00fccher.example/", "http://xn--bcher-kva.example/"),
    # RFC 3986 §6.2.2 example, with http as the scheme.
    ("http://a/./b/../b/%63/%7bfoo%7d", "http://a/b/c/%7Bfoo%7D"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalise_url(raw: str, expected: str) -> None:
    assert normalise_url(raw) == expected


# RFC 3986 §5.4.1 and §5.4.2 resolution examples (base http://a/b/c/d;p?q).
RFC_RESOLUTION = [
    ("g", "http://a/b/c/g"),
    ("./g", "http://a/b/c/g"),
    ("g/", "http://a/b/c/g/"),
    ("/g", "http://a/g"),
    ("?y", "http://a/b/c/d;p?y"),
    ("g?y", "http://a/b/c/g?y"),
    ("#s", "http://a/b/c/d;p?q"),
    (";x", "http://a/b/c/;x"),
    ("", "http://a/b/c/d;p?q"),
    (".", "http://a/b/c/"),
    ("..", "http://a/b/"),
    ("../..", "http://a/"),
    ("../../../g", "http://a/g"),
    ("/./g", "http://a/g"),
    ("g.", "http://a/b/c/g."),
    ("..g", "http://a/b/c/..g"),
    ("./g/.", "http://a/b/c/g/"),
    ("g;x=1/../y", "http://a/b/c/y"),
]


@pytest.mark.parametrize(("ref", "expected"), RFC_RESOLUTION)
def test_resolution_matches_rfc_examples(ref: str, expected: str) -> None:
    assert normalise_url(ref, base="http://a/b/c/d;p?q") == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/a/b/c/./../../g", "/a/g"), ("mid/content=5/../6", "mid/6"), ("/..", "/"), ("/a/.", "/a/")],
)
def test_remove_dot_segments_rfc_examples(path: str, expected: str) -> None:
    assert remove_dot_segments(path) == expected


@pytest.mark.parametrize(
    "raw", ["ftp://example.org/", "mailto:a@example.org", "/relative", "http://", "http://h:99999/"]
)
def test_rejects_non_http_or_broken(raw: str) -> None:
    with pytest.raises(InvalidInput, match="URL"):
        normalise_url(raw)


@pytest.mark.parametrize(
    ("url", "root", "subdomains", "expected"),
    [
        ("https://example.org/x", "http://example.org/", False, True),
        ("http://www.example.org/x", "http://example.org/", False, True),
        ("http://example.org:8080/", "http://example.org/", False, True),
        ("http://blog.example.org/", "http://example.org/", False, False),
        ("http://blog.example.org/", "http://example.org/", True, True),
        ("http://badexample.org/", "http://example.org/", True, False),
        ("http://example.org.evil.com/", "http://example.org/", True, False),
    ],
)
def test_same_site(url: str, root: str, subdomains: bool, expected: bool) -> None:
    assert same_site(url, root, subdomains=subdomains) is expected


def test_url_filter() -> None:
    f = UrlFilter(include=[r"/docs/"], exclude=[r"\?page=\d+$", r"/private"])
    assert f.allows("http://a/docs/x")
    assert not f.allows("http://a/blog/x")
    assert not f.allows("http://a/docs/x?page=2")
    assert not f.allows("http://a/docs/private/x")
    assert UrlFilter().allows("http://a/anything")


def test_url_filter_rejects_bad_regex() -> None:
    with pytest.raises(InvalidInput) as info:
        UrlFilter(exclude=["("])
    assert info.value.field == "exclude"
