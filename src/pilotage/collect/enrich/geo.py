"""Country of an IP address, offline.

Data: the PyPI package ``iptocc`` (code MIT OR Apache-2.0), which embeds the five
Regional Internet Registries' extended delegation statistics (AFRINIC, APNIC, ARIN,
LACNIC, RIPE NCC), refreshed with each release. The answer is the country the block
is *registered* to, not where the device is; RIR data agrees with commercial
geolocation for about 95% of IPv4 addresses (Zander, 2012, cited by iptocc). No
network access at run time.
"""

from __future__ import annotations

import bisect
import ipaddress
import socket
from functools import lru_cache
from typing import Final

from iptocc import country_code

# RIR statistics use "EU" and "AP" for blocks registered to a region, not a country;
# they are not ISO 3166-1 country codes.
_REGIONS: Final = frozenset({"EU", "AP", "ZZ"})


# IPv4 special-purpose blocks (IANA IPv4 Special-Purpose Address Registry, RFC 6890 and
# updates), plus multicast and reserved space: never a country. Checked as integer
# intervals, since ipaddress's is_global costs ~25 µs an address and log imports look up
# hundreds of thousands of distinct addresses.
_SPECIAL_V4: Final = tuple(
    sorted(
        (int(n.network_address), int(n.broadcast_address))
        for n in map(
            ipaddress.IPv4Network,
            (
                "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24",
                "192.52.193.0/24", "192.88.99.0/24", "192.168.0.0/16", "192.175.48.0/24",
                "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",
                "240.0.0.0/4",
            ),
        )
    )
)  # fmt: skip
_STARTS: Final = tuple(lo for lo, _ in _SPECIAL_V4)


def _special_v4(packed: bytes) -> bool:
    value = int.from_bytes(packed, "big")
    i = bisect.bisect_right(_STARTS, value) - 1
    return i >= 0 and value <= _SPECIAL_V4[i][1]


@lru_cache(maxsize=65536)
def country(ip: str) -> str:
    """ISO 3166-1 alpha-2 code of the country ``ip`` is registered in, or "".

    "" for private, loopback, reserved, documentation or invalid addresses and for
    addresses no registry has assigned. Never raises.
    """
    text = ip.strip()
    try:
        packed = socket.inet_pton(socket.AF_INET, text)
    except OSError:
        return _country_v6(text)
    if _special_v4(packed):
        return ""
    code = country_code(text) or ""
    return "" if code in _REGIONS else code


def _country_v6(text: str) -> str:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return country(str(address.ipv4_mapped))
    if not address.is_global or address.is_multicast:
        return ""
    code = country_code(str(address)) or ""
    return "" if code in _REGIONS else code
