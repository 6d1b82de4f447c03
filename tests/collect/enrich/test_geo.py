"""Country lookups of addresses whose registration is published by their owner or RIR.

- 8.8.8.8, 2001:4860:4860::8888: Google Public DNS (Google's documentation), ARIN, US.
- 1.1.1.1: APNIC and Cloudflare's resolver; 1.1.1.0/24 is registered to APNIC Labs, AU.
- 193.0.0.1, 2001:67c:2e8::1: RIPE NCC's own network in Amsterdam, NL.
- 202.12.27.33: M-root server, operated by WIDE Project, JP (root-servers.org).
- 200.160.0.8: NIC.br (registro.br), LACNIC, BR.
"""

from __future__ import annotations

import pytest

from pilotage.collect.enrich.geo import country


@pytest.mark.parametrize(
    ("ip", "code"),
    [
        ("8.8.8.8", "US"),
        ("2001:4860:4860::8888", "US"),
        ("1.1.1.1", "AU"),
        ("193.0.0.1", "NL"),
        ("2001:67c:2e8::1", "NL"),
        ("202.12.27.33", "JP"),
        ("200.160.0.8", "BR"),
        ("::ffff:8.8.8.8", "US"),  # IPv4-mapped IPv6, as dual-stack sockets report it
        (" 8.8.8.8 ", "US"),
    ],
)
def test_published_allocations(ip: str, code: str) -> None:
    assert country(ip) == code


@pytest.mark.parametrize(
    "ip",
    [
        "10.0.0.1",  # RFC 1918
        "192.168.1.20",
        "127.0.0.1",  # loopback
        "::1",
        "169.254.1.1",  # link-local
        "fe80::1",
        "100.64.0.1",  # carrier-grade NAT, RFC 6598
        "192.0.2.1",  # documentation, RFC 5737
        "2001:db8::1",  # documentation, RFC 3849
        "224.0.0.1",  # multicast
        "0.0.0.0",
        "255.255.255.255",
        "",
        "garbage",
        "999.1.1.1",
        "8.8.8.8:53",
        "-",
    ],
)
def test_private_reserved_and_invalid_give_empty(ip: str) -> None:
    assert country(ip) == ""


def test_no_special_purpose_address_gets_a_country() -> None:
    """Independent check of the fast IPv4 path against the standard library's rules."""
    import ipaddress
    import random

    rng = random.Random(7)
    for _ in range(20_000):
        address = ipaddress.IPv4Address(rng.getrandbits(32))
        if not address.is_global or address.is_multicast:
            assert country(str(address)) == "", address
