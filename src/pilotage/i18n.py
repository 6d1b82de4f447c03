"""French and English: the language of a request, its Babel catalog, and locale formats.

The language is the user's setting, else the best match of the browser's
Accept-Language, else French (Pilotage's users are French-speaking first). Catalogs are
the ``.po`` files under ``pilotage/locale``; they are compiled in memory when first used,
so the repository holds no binary ``.mo`` file (``make messages`` extracts and updates
them). Numbers, dates and currencies follow the locale's CLDR conventions through Babel.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
CATALOGS = Path(__file__).parent / "locale"


@cache
def translations(locale: str) -> Translations:
    po = CATALOGS / locale / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """The user's own setting first, then the browser's preferences in q order."""
    if preferred in LOCALES:
        return preferred
    for tag in _accepted(accept_language or ""):
        try:
            language = Locale.parse(tag, sep="-").language
        except (ValueError, UnknownLocaleError):
            continue
        if language in LOCALES:
            return language
    return DEFAULT_LOCALE


def _accepted(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > 0:
            weighted.append((-q, index, tag.replace("_", "-")))
    return [tag for _, _, tag in sorted(weighted)]


def number(value: int | float | Decimal | None, locale: str, places: int | None = None) -> str:
    if value is None:
        return "—"
    if places is not None:
        return numbers.format_decimal(value, format=f"#,##0.{'0' * places}", locale=locale)
    return numbers.format_decimal(value, locale=locale)


def percent(points: float | int | None, locale: str, places: int = 0) -> str:
    """``points`` is a value out of 100 (bounce rate 42 -> "42 %")."""
    if points is None:
        return "—"
    pattern = Locale.parse(locale).percent_formats[None].pattern  # "#,##0 %" in French
    if places:
        pattern = pattern.replace("0", "0." + "0" * places, 1)
    return numbers.format_percent(float(points) / 100, format=pattern, locale=locale)


def duration(seconds: int | float | None, locale: str) -> str:
    """Hours, minutes and seconds as people read them: "1 h 02 min", "3 min 05 s", "40 s"."""
    if seconds is None:
        return "—"
    total = round(float(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if locale == "fr":
        units, gap = ("h", "min", "s"), "\u202f"
    else:
        units, gap = ("h", "m", "s"), ""
    if h:
        return f"{h}{gap}{units[0]} {m:02d}{gap}{units[1]}"
    if m:
        return f"{m}{gap}{units[1]} {s:02d}{gap}{units[2]}"
    return f"{s}{gap}{units[2]}"


def money(amount: Decimal | float | None, currency: str | None, locale: str) -> str:
    if amount is None:
        return "—"
    if not currency:
        return number(amount, locale, 2)
    return numbers.format_currency(amount, currency, locale=locale)


def day(value: date | str, locale: str, style: str = "medium") -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return dates.format_date(value, format=style, locale=locale)


def signed(change: float | None, locale: str, points: bool = False) -> str:
    """A comparison delta: "+12,5 %" or, for rates, "+3 pts"."""
    if change is None:
        return ""
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    magnitude = numbers.format_decimal(abs(change), format="#,##0.#", locale=locale)
    unit = "\u202fpts" if points else "\u202f%"
    if locale == "en":
        unit = " pts" if points else "%"
    return f"{sign}{magnitude}{unit}"


def significant(value: float | None, locale: str, digits: int = 3) -> str:
    """A small number such as a p-value, to ``digits`` significant digits ("0,0123")."""
    if value is None:
        return "—"
    text = f"{float(value):.{digits}g}"
    if "e" in text:
        return numbers.format_scientific(value, format="0.##E0", locale=locale)
    return numbers.format_decimal(float(text), format="0.##########", locale=locale)
