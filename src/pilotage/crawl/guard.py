"""SSRF guard: refuse URLs whose host resolves to an address that is not public.

A crawler started from a web form must not be turned against the machine it runs on
or its network. Refused: non-http(s) schemes, and any resolved address that is
private, loopback, link-local, multicast, reserved, unspecified or carrier-grade NAT
(100.64.0.0/10, RFC 6598), including those hidden in IPv4-mapped IPv6 (RFC 4291
§2.5.5.2) and the NAT64 well-known prefix 64:ff9b::/96 (RFC 6052). Every resolved
address must pass, since the HTTP client may connect to any of them.

Limit: the client resolves the name again when it connects, so a DNS server that
answers differently the second time (DNS rebinding) is not caught here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from pilotage.crawl.errors import FetchError, UrlRefused

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Sequence[str]]

ALLOWED_SCHEMES = frozenset({"http", "https"})
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def system_resolver(host: str) -> list[str]:
    """All addresses ``socket.getaddrinfo`` gives for ``host``."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def _embedded_v4(address: Address) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_class(address: Address) -> str | None:
    """The reason ``address`` is not public, or None when it is."""
    inner = _embedded_v4(address)
    if inner is not None:
        return address_class(inner)
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("carrier-grade NAT", isinstance(address, ipaddress.IPv4Address) and address in _CGNAT),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    )
    return next((name for name, hit in checks if hit), None)


class UrlGuard:
    """Checks a URL before each request; ``allow_private`` turns the address test off."""

    def __init__(self, *, allow_private: bool = False, resolver: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self.resolver = resolver or system_resolver

    def check(self, url: str) -> None:
        """Raise ``UrlRefused`` for a refused URL, ``FetchError`` if its host does not resolve."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            raise UrlRefused(f"URL {url!r}: only http and https may be fetched", field="url")
        host = parts.hostname
        if not host:
            raise UrlRefused(f"URL {url!r} has no host", field="url")
        if self.allow_private:
            return
        for text in self._resolve(host, url):
            address = ipaddress.ip_address(text.split("%", 1)[0])
            reason = address_class(address)
            if reason is not None:
                raise UrlRefused(
                    f"URL {url!r} resolves to {reason} address {address}; "
                    "private addresses need --allow-private "
                    "(PILOTAGE_WATCH_ALLOW_PRIVATE in the server)",
                    field="url",
                )

    async def acheck(self, url: str) -> None:
        """``check`` without blocking the event loop on DNS."""
        await asyncio.to_thread(self.check, url)

    def _resolve(self, host: str, url: str) -> Sequence[str]:
        try:
            addresses = self.resolver(host)
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"URL {url!r}: host {host!r} does not resolve ({exc})") from exc
        if not addresses:
            raise FetchError(f"URL {url!r}: host {host!r} has no address")
        return addresses
