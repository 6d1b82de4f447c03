from __future__ import annotations

import asyncio

import pytest

from pilotage.crawl.errors import FetchError, UrlRefused
from pilotage.crawl.guard import UrlGuard, system_resolver
from pilotage.errors import Forbidden

# Address -> refusal reason expected from the IANA special-purpose registries
# (RFC 1918, 1122, 3927, 4193, 4291, 5737, 6052, 6598, 6890); None = public.
ADDRESSES = [
    ("93.184.215.14", None),
    ("8.8.8.8", None),
    ("2001:4860:4860::8888", None),
    ("::ffff:8.8.8.8", None),
    ("100.128.0.1", None),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("127.0.0.1", "loopback"),
    ("127.9.9.9", "loopback"),
    ("::1", "loopback"),
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("fc00::1", "private"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("64:ff9b::7f00:1", "loopback"),
    ("192.0.2.1", "private"),
]


def resolving_to(*addresses: str) -> UrlGuard:
    return UrlGuard(resolver=lambda host: list(addresses))


@pytest.mark.parametrize(("address", "reason"), ADDRESSES)
def test_address_table(address: str, reason: str | None) -> None:
    guard = resolving_to(address)
    if reason is None:
        guard.check("http://example.org/")
    else:
        with pytest.raises(UrlRefused, match=reason) as info:
            guard.check("http://example.org/page")
        assert "http://example.org/page" in info.value.message
        assert isinstance(info.value, Forbidden)


def test_one_bad_address_among_many_is_refused() -> None:
    with pytest.raises(UrlRefused, match="private"):
        resolving_to("8.8.8.8", "10.0.0.1").check("https://example.org/")


def test_allow_private_skips_the_address_test() -> None:
    UrlGuard(allow_private=True, resolver=lambda h: ["127.0.0.1"]).check("http://localhost/")


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/", "gopher://x/", "http:///x"]
)
def test_refuses_other_schemes_even_when_private_allowed(url: str) -> None:
    with pytest.raises(UrlRefused):
        UrlGuard(allow_private=True).check(url)


def test_unresolvable_host_is_a_fetch_error() -> None:
    def fail(host: str) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(FetchError, match=r"nowhere\.invalid"):
        UrlGuard(resolver=fail).check("http://nowhere.invalid/")


def test_real_resolver_refuses_loopback_literal() -> None:
    assert system_resolver("127.0.0.1") == ["127.0.0.1"]
    with pytest.raises(UrlRefused, match="loopback"):
        asyncio.run(UrlGuard().acheck("http://127.0.0.1:8000/"))
