"""Apache ``LogFormat`` strings translated into one RE2 regular expression.

DuckDB's ``regexp_extract`` runs Google's RE2, so the pattern built here keeps to the
subset RE2 and Python's ``re`` share (``(?P<name>...)`` groups, no look-around): the
same pattern parses a whole file in DuckDB and a few sample lines in Python.

Directives follow Apache's mod_log_config table
(https://httpd.apache.org/docs/2.4/mod/mod_log_config.html#formats). Each known field
becomes a named group (``ip``, ``time``, ``request``, ``status``, ``bytes``, ``referrer``,
``user_agent``, ...); the other directives are matched without capture. A field between
double quotes matches up to the closing unescaped quote (Apache writes an inner quote
as ``\\"``); a bare field matches up to the next space, or up to the next literal
character of the format (``%v:%p``).

Presets: ``common`` and ``combined`` (Apache's ``LogFormat`` lines of the same name),
``vhost_combined`` (Debian's and Apache's default for virtual hosts) and ``nginx``
(nginx's built-in ``combined`` log_format, whose fields are the same as Apache's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pilotage.errors import InvalidInput

PRESETS: dict[str, str] = {
    "combined": '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"',
    "common": '%h %l %u %t "%r" %>s %b',
    "vhost_combined": '%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"',
    # nginx: $remote_addr - $remote_user [$time_local] "$request" $status
    #        $body_bytes_sent "$http_referer" "$http_user_agent"
    "nginx": '%a - %u %t "%r" %>s %B "%{Referer}i" "%{User-Agent}i"',
}
# Tried in this order by detect_format; on a tie the first wins, so an nginx log (which
# matches the combined pattern too) is reported as "combined": both parse it the same.
DETECT_ORDER = ("vhost_combined", "combined", "nginx", "common")

TimeKind = Literal["clf", "strftime", "epoch"]

QUOTED = r'(?:[^"\\]|\\.)*'
# One directive: % [<>] [!]codes {argument} letter
_DIRECTIVE = re.compile(r"%([<>]?)(!?\d{3}(?:,\d{3})*)?(?:\{([^}]*)\})?([A-Za-z%])")

# letter -> (field, bare pattern). The field is None for directives matched uncaptured.
_SIMPLE: dict[str, tuple[str | None, str]] = {
    "h": ("ip", r"\S+"),
    "a": ("ip", r"\S+"),
    "A": (None, r"\S+"),
    "l": (None, r"\S+"),
    "u": ("user", r"\S+"),
    "s": ("status", r"\d+"),
    "b": ("bytes", r"\S+"),
    "B": ("bytes", r"\S+"),
    "O": ("bytes", r"\S+"),
    "I": (None, r"\S+"),
    "S": (None, r"\S+"),
    "D": ("duration_us", r"\d+"),
    "T": (None, r"\d+(?:\.\d+)?"),
    "v": ("vhost", r"\S+"),
    "V": ("vhost", r"\S+"),
    "p": ("port", r"\d+"),
    "U": ("path", r"[^\s?]*"),
    "q": ("query", r"(?:\?\S*)?"),
    "m": ("method", r"[A-Za-z-]+"),
    "H": ("protocol", r"\S+"),
    "r": ("request", r"\S+(?: \S+){0,2}"),
    "f": (None, r"\S+"),
    "k": (None, r"\d+"),
    "P": (None, r"\S+"),
    "X": (None, r"[-+X]"),
    "L": (None, r"\S+"),
    "R": (None, r"\S+"),
}
# Bare patterns that may stop at the next literal character of the format.
_STOPPABLE = {r"\S+", r"\S*"}
_HEADERS = {"referer": "referrer", "user-agent": "user_agent", "x-forwarded-for": "forwarded_for"}

# strftime conversions -> (regex, DuckDB strptime conversion)
_STRFTIME: dict[str, str] = {
    "d": r"\d{2}", "e": r" ?\d{1,2}", "m": r"\d{2}", "y": r"\d{2}", "Y": r"\d{4}",
    "H": r"\d{2}", "I": r"\d{2}", "M": r"\d{2}", "S": r"\d{2}", "j": r"\d{3}",
    "b": r"[A-Za-z]{3}", "h": r"[A-Za-z]{3}", "B": r"[A-Za-z]+", "a": r"[A-Za-z]{3}",
    "A": r"[A-Za-z]+", "p": r"[AP]M", "z": r"[+-]\d{4}", "Z": r"[A-Za-z]+",
    "f": r"\d+", "%": "%",
}  # fmt: skip
_STRFTIME_ALIASES = {"T": "%H:%M:%S", "F": "%Y-%m-%d", "D": "%m/%d/%y", "R": "%H:%M"}
_EPOCH_UNITS = {"sec": "s", "msec": "ms", "usec": "us"}


@dataclass(frozen=True)
class LogFormat:
    """A log format ready for DuckDB: ``regex`` is anchored at the line start and has one
    named group per field in ``fields``. ``time_kind`` says how to read the ``time``
    group: ``clf`` = ``17/May/2015:10:05:03 +0000``; ``strftime`` = DuckDB strptime
    format ``time_format``; ``epoch`` = integer in unit ``time_format`` (s, ms, us)."""

    name: str
    format: str
    regex: str
    fields: tuple[str, ...]
    time_kind: TimeKind = "clf"
    time_format: str = ""


def _escape(text: str) -> str:
    """Escape literal format text for RE2 and Python alike (no escaped spaces)."""
    return "".join("\\" + c if c in r"\.^$|?*+()[]{}" else c for c in text)


def _unwrap(fmt: str) -> str:
    """Accept the format as written in an Apache config: outer quotes, ``\\"`` and ``\\t``."""
    if '\\"' in fmt:
        fmt = fmt.strip()
        if len(fmt) >= 2 and fmt[0] == fmt[-1] == '"':
            fmt = fmt[1:-1]
        fmt = fmt.replace('\\"', '"')
    return fmt.replace("\\t", "\t").replace("\\n", "\n")


def _strftime(spec: str) -> tuple[str, str]:
    """Regex and DuckDB strptime format for an strftime spec such as ``%d/%b/%Y:%T %z``."""
    for alias, full in _STRFTIME_ALIASES.items():
        spec = spec.replace("%" + alias, full)
    regex, i = [], 0
    while i < len(spec):
        if spec[i] == "%" and i + 1 < len(spec):
            conv = spec[i + 1]
            if conv not in _STRFTIME:
                raise InvalidInput(
                    f"unsupported time conversion %{conv} in %{{{spec}}}t", field="log_format"
                )
            regex.append(_STRFTIME[conv])
            i += 2
        else:
            regex.append(_escape(spec[i]))
            i += 1
    return "".join(regex), spec


@dataclass
class _Builder:
    fmt: str
    parts: list[str]
    fields: list[str]
    time_kind: TimeKind = "clf"
    time_format: str = ""

    def add(self, field: str | None, pattern: str) -> None:
        if field is not None and field not in self.fields:
            self.fields.append(field)
            self.parts.append(f"(?P<{field}>{pattern})")
        else:
            self.parts.append(f"(?:{pattern})")


def _time_directive(b: _Builder, arg: str | None, quoted: bool) -> None:
    first = "time" not in b.fields
    if arg is None:
        inner = QUOTED if quoted else r"[^\]]+"
        b.parts.append(r"\[")
        b.add("time", inner)
        b.parts.append(r"\]")
        return
    spec = re.sub(r"^(begin|end):", "", arg)
    if spec in _EPOCH_UNITS or spec in ("msec_frac", "usec_frac"):
        if spec in _EPOCH_UNITS and first:
            b.time_kind, b.time_format = "epoch", _EPOCH_UNITS[spec]
            b.add("time", r"\d+")
        else:
            b.add(None, r"\d+")
        return
    regex, strptime = _strftime(spec)
    if first:
        b.time_kind, b.time_format = "strftime", strptime
        b.add("time", regex)
    else:
        b.add(None, regex)


def _field_directive(b: _Builder, letter: str, arg: str | None, quoted: bool, stop: str) -> None:
    if letter in "ieonC":
        field = _HEADERS.get((arg or "").lower()) if letter == "i" else None
        pattern = r"\S*"
    elif letter in _SIMPLE:
        field, pattern = _SIMPLE[letter]
    else:
        raise InvalidInput(f"unknown log format directive %{letter}", field="log_format")
    if quoted:
        pattern = QUOTED
    elif pattern in _STOPPABLE and stop and not stop.isspace():
        pattern = f"[^\\s{_escape(stop)}]" + pattern[-1]
    b.add(field, pattern)


def compile_format(fmt: str, name: str = "custom") -> LogFormat:
    """Translate an Apache LogFormat string into a :class:`LogFormat`.

    Raises InvalidInput naming the first unknown directive, or when the format has no
    directive at all."""
    text = _unwrap(fmt)
    b = _Builder(fmt=text, parts=["^"], fields=[])
    pos = 0
    for m in _DIRECTIVE.finditer(text):
        b.parts.append(_escape(text[pos : m.start()]))
        pos = m.end()
        letter, arg = m.group(4), m.group(3)
        quoted = m.start() > 0 and text[m.start() - 1] == '"' and text[pos : pos + 1] == '"'
        if letter == "%":
            b.parts.append("%")
        elif letter == "t":
            _time_directive(b, arg, quoted)
        else:
            _field_directive(b, letter, arg, quoted, text[pos : pos + 1])
    stray = re.search(r"%(?![<>]?(!?\d{3}(,\d{3})*)?(\{[^}]*\})?[A-Za-z%])", text)
    if stray is not None:
        raise InvalidInput(
            f"incomplete log format directive at {text[stray.start() :]!r}", field="log_format"
        )
    # GoAccess accepts a line cut inside its last quoted field (the real sample log has
    # one), so the closing quote that ends the format is not required. Leaving it out
    # also lets RE2 stop at the last field, which parses a third faster.
    tail = text[pos:]
    b.parts.append("" if tail == '"' else _escape(tail))
    if not b.fields:
        raise InvalidInput(f"log format {fmt!r} has no field to read", field="log_format")
    return LogFormat(name, text, "".join(b.parts), tuple(b.fields), b.time_kind, b.time_format)


def capture_only(regex: str, keep: Iterable[str]) -> str:
    """``regex`` with only the named groups in ``keep`` capturing (the others become
    ``(?:...)``). Literal text is escaped by compile_format, so ``(?P<`` is always ours."""
    kept = set(keep)
    return re.sub(r"\(\?P<(\w+)>", lambda m: m.group(0) if m.group(1) in kept else "(?:", regex)


def resolve_format(fmt: str) -> LogFormat:
    """A preset name (``combined``, ``common``, ``vhost_combined``, ``nginx``) or a
    LogFormat string; anything else raises InvalidInput."""
    key = fmt.strip().lower()
    if key in PRESETS:
        return compile_format(PRESETS[key], name=key)
    if "%" not in fmt:
        names = ", ".join(PRESETS)
        raise InvalidInput(
            f"unknown log format {fmt!r}: use one of {names} or a LogFormat string",
            field="log_format",
        )
    return compile_format(fmt)


def detect_format(sample_lines: Iterable[str]) -> str:
    """Name of the preset that parses the most sample lines (ties: DETECT_ORDER).

    Raises InvalidInput when no preset parses any line."""
    lines = [line for line in sample_lines if line.strip()]
    best, best_count = "", 0
    for name in DETECT_ORDER:
        pattern = re.compile(resolve_format(name).regex)
        count = sum(1 for line in lines if pattern.match(line))
        if count > best_count:
            best, best_count = name, count
    if not best:
        raise InvalidInput("no known log format parses these lines", field="log_format")
    return best
