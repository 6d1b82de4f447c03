"""The HTTP ``Link`` header (RFC 8288): canonical and hreflang links sent as headers.

The grammar read: ``<target>`` then ``;``-separated parameters, quoted strings with
backslash escapes (a comma or semicolon inside quotes does not end a link), several
links separated by commas. Junk between parameters is skipped rather than failing the
whole header, and the first occurrence of a parameter wins (§3.3).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_PARAM = re.compile(r";\s*([^=;,\s]*)\s*(=?)\s*")
_PARAM_END = re.compile(r"[;,]")


@dataclass(frozen=True)
class HeaderLink:
    """One link of an HTTP ``Link`` header (RFC 8288 §3); param names lowercased."""

    target: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def rels(self) -> list[str]:
        return self.params.get("rel", "").lower().split()


def _quoted(value: str, pos: int) -> tuple[str, int]:
    out: list[str] = []
    pos += 1
    while pos < len(value) and value[pos] != '"':
        if value[pos] == "\\" and pos + 1 < len(value):
            pos += 1
        out.append(value[pos])
        pos += 1
    return "".join(out), pos + 1


def _link_params(value: str, pos: int) -> tuple[dict[str, str], int]:
    params: dict[str, str] = {}
    while pos < len(value):
        char = value[pos]
        if char == ",":
            return params, pos + 1
        if char != ";":
            pos += 1  # whitespace or junk between parameters
            continue
        match = _PARAM.match(value, pos)
        assert match is not None  # the pattern matches any ";"
        name, pos = match.group(1).lower(), match.end()
        param = ""
        if match.group(2) and pos < len(value) and value[pos] == '"':
            param, pos = _quoted(value, pos)
        elif match.group(2):
            end = _PARAM_END.search(value, pos)
            stop = end.start() if end else len(value)
            param, pos = value[pos:stop].strip(), stop
        params.setdefault(name, param)  # RFC 8288 §3.3: later occurrences are ignored
    return params, pos


def parse_link_header(values: Iterable[str]) -> list[HeaderLink]:
    """Every link of the given ``Link`` header values, in order."""
    links: list[HeaderLink] = []
    for value in values:
        pos = 0
        while (start := value.find("<", pos)) >= 0:
            end = value.find(">", start)
            if end < 0:
                break
            params, pos = _link_params(value, end + 1)
            links.append(HeaderLink(value[start + 1 : end].strip(), params))
    return links
