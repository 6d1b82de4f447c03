"""French and English: complete catalogs, language negotiation, CLDR formats."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from pilotage import i18n

ROOT = Path(__file__).parents[2]
METHODS = [
    ("src/pilotage/web/**.py", "python"),
    ("src/pilotage/web/templates/**.html", "jinja2"),
]
OPTIONS = {"src/pilotage/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT,
        METHODS,
        options_map=OPTIONS,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_ui_string_has_a_french_translation() -> None:
    with (ROOT / "src/pilotage/locale/fr/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f, locale="fr")
    translated = {}
    for m in catalog:
        if m.id:
            key = m.id if isinstance(m.id, str) else m.id[0]
            strings = [m.string] if isinstance(m.string, str) else list(m.string)
            translated[key] = all(strings) and not m.fuzzy
    missing = sorted(s for s in _source_messages() if not translated.get(s))
    assert not missing, f"run `make messages` and translate: {missing[:5]}"
    assert len(translated) > 150


@pytest.mark.parametrize(
    ("header", "preferred", "expected"),
    [
        (None, None, "fr"),
        ("en-US,en;q=0.9", None, "en"),
        ("de-DE,de;q=0.9,en;q=0.5", None, "en"),
        ("de-DE", None, "fr"),
        ("en;q=0.2,fr;q=0.8", None, "fr"),
        ("en-US", "fr", "fr"),
        ("garbage;;,", None, "fr"),
    ],
)
def test_negotiation(header: str | None, preferred: str | None, expected: str) -> None:
    assert i18n.negotiate(header, preferred) == expected


def test_french_formats_follow_cldr() -> None:
    # CLDR French: narrow no-break space (U+202F) for thousands and before %, comma decimal.
    assert i18n.number(1234567, "fr") == "1\u202f234\u202f567"
    assert i18n.number(1234.5, "en") == "1,234.5"
    assert i18n.number(2.5, "fr", 2) == "2,50"
    assert i18n.percent(42, "fr") == "42\u00a0%"
    assert i18n.percent(42, "en") == "42%"
    assert i18n.money(Decimal("1234.5"), "EUR", "fr") == "1\u202f234,50\u00a0€"
    assert i18n.money(Decimal("1234.5"), "EUR", "en") == "€1,234.50"
    assert i18n.day(date(2026, 3, 5), "fr") == "5 mars 2026"


@pytest.mark.parametrize(
    ("seconds", "fr", "en"),
    [
        (40, "40\u202fs", "40s"),
        (185, "3\u202fmin 05\u202fs", "3m 05s"),
        (3720, "1\u202fh 02\u202fmin", "1h 02m"),
    ],
)
def test_durations(seconds: int, fr: str, en: str) -> None:
    assert i18n.duration(seconds, "fr") == fr
    assert i18n.duration(seconds, "en") == en


def test_significant_digits_for_p_values() -> None:
    assert i18n.significant(0.012345, "fr") == "0,0123"
    assert i18n.significant(0.012345, "en") == "0.0123"
    assert i18n.significant(0.5, "en") == "0.5"
    assert i18n.significant(1.234e-7, "en") == "1.23E-7"
