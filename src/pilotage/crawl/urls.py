"""URL normalisation, same-site test and include/exclude patterns for the crawler.

Normalisation follows RFC 3986 §6.2.2 (syntax-based) and §6.2.3 (scheme-based):
scheme and host lower-cased, percent-encoding normalised (unreserved characters
decoded, other triplets upper-cased), dot segments removed (§5.2.4), default port
dropped, empty path made "/". The fragment is dropped because it never reaches the
server, so two URLs differing only by it are one page. The query is kept byte for
byte in its order: reordering parameters can change what a server answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

from pilotage.errors import InvalidInput

DEFAULT_PORTS = {"http": 80, "https": 443}

# RFC 3986 §2.3 unreserved, §2.2 reserved.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_RESERVED = frozenset(":/?#[]@!$&'()*+,;=")
_TRIPLET = re.compile(r"%([0-9A-Fa-f]{2})")
# A component made only of unreserved and reserved characters has nothing to change.
_PLAIN = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*")


def _normalise_triplet(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def _quote_char(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def normalise_percent(component: str) -> str:
    """Decode unreserved triplets, upper-case the others, encode what may not appear raw."""
    if _PLAIN.fullmatch(component):
        return component
    out: list[str] = []
    pos = 0
    for match in _TRIPLET.finditer(component):
        out.append(_quote_unsafe(component[pos : match.start()]))
        out.append(_normalise_triplet(match))
        pos = match.end()
    out.append(_quote_unsafe(component[pos:]))
    return "".join(out)


def _quote_unsafe(text: str) -> str:
    # A "%" left here is not part of a valid triplet, so it is data: encode it.
    return "".join(c if c in _UNRESERVED or c in _RESERVED else _quote_char(c) for c in text)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, written from the algorithm's description."""
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


def _host(parts: SplitResult, url: str) -> str:
    host = parts.hostname
    if not host:
        raise InvalidInput(f"URL {url!r} has no host", field="url")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidInput(f"URL {url!r} has an invalid host name", field="url") from exc
    return f"[{host}]" if ":" in host else host


def _port(parts: SplitResult, url: str) -> int | None:
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"URL {url!r} has an invalid port", field="url") from exc
    return None if port == DEFAULT_PORTS.get(parts.scheme.lower()) else port


def _directory(base: str) -> str | None:
    """``base`` up to the last "/" of its path (what a relative path is resolved against),
    or None when it has no path."""
    address = base.split("#", 1)[0].split("?", 1)[0]
    start = address.find("://")
    if start < 0 or address.find("/", start + 3) < 0:
        return None
    return address[: address.rfind("/") + 1]


def normalise_url(url: str, base: str | None = None) -> str:
    """Return the normal form of an absolute http(s) URL, resolving it against ``base``.

    Pages of a site repeat the same links: a reference that is not empty and does not
    start with "?" or "#" resolves the same against every page of one directory, so
    those results are cached by (reference, directory).
    """
    href = url.strip()
    if base and href and href[0] not in "?#":
        directory = _directory(base)
        if directory is not None:
            return _normalise_cached(href, directory)
    return _normalise(href, base)


@lru_cache(maxsize=32768)
def _normalise_cached(href: str, directory: str) -> str:
    return _normalise(href, directory)


def _normalise(url: str, base: str | None) -> str:
    raw = urljoin(base, url) if base else url
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidInput(f"URL {url!r} is not an absolute http(s) URL", field="url")
    netloc = _host(parts, url)
    port = _port(parts, url)
    if port is not None:
        netloc = f"{netloc}:{port}"
    if parts.username is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{normalise_percent(userinfo)}@{netloc}"
    path = remove_dot_segments(normalise_percent(parts.path)) or "/"
    query = normalise_percent(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    """Lower-case host of ``url`` without port, brackets or a leading "www."."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


def same_site(url: str, root: str, *, subdomains: bool = False) -> bool:
    """True when ``url`` is on the site of ``root``.

    Scheme and port are ignored (an http -> https redirect stays on the site), and so
    is a leading "www.". With ``subdomains``, ``blog.example.org`` belongs to
    ``example.org``.
    """
    host, site = host_of(url), host_of(root)
    if not host or not site:
        return False
    return host == site or (subdomains and host.endswith("." + site))


def _compile(patterns: Sequence[str], name: str) -> tuple[re.Pattern[str], ...]:
    compiled: list[re.Pattern[str]] = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise InvalidInput(f"invalid {name} pattern {pattern!r}: {exc}", field=name) from exc
    return tuple(compiled)


@dataclass(frozen=True)
class UrlFilter:
    """Include/exclude regular expressions, searched anywhere in the normalised URL.

    A URL passes when it matches at least one include pattern (or there are none)
    and no exclude pattern.
    """

    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    _include: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    _exclude: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_include", _compile(self.include, "include"))
        object.__setattr__(self, "_exclude", _compile(self.exclude, "exclude"))

    def allows(self, url: str) -> bool:
        if self._include and not any(p.search(url) for p in self._include):
            return False
        return not any(p.search(url) for p in self._exclude)
