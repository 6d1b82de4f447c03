"""Country of an IP address, offline.

Data: the PyPI package ``iptocc`` (code MIT OR Apache-2.0), which embeds the five
Regional Internet Registries' extended delegation statistics (AFRINIC, APNIC, ARIN,
LACNIC, RIPE NCC), refreshed with each release. The answer is the country the block
is *registered* to, not where the device is; RIR data agrees with commercial
geolocation for about 95% of IPv4 addresses (Zander, 2012, cited by iptocc). No
network access at run time.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Final

from iptocc import country_code

# RIR statistics use "EU" and "AP" for blocks registered to a region, not a country;
# they are not ISO 3166-1 country codes.
_REGIONS: Final = frozenset({"EU", "AP", "ZZ"})


@lru_cache(maxsize=65536)
def country(ip: str) -> str:
    """ISO 3166-1 alpha-2 code of the country ``ip`` is registered in, or "".

    "" for private, loopback, reserved, documentation or invalid addresses and for
    addresses no registry has assigned. Never raises.
    """
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        return ""
    code = country_code(str(address)) or ""
    return "" if code in _REGIONS else code
