"""A change's one-line summary, in the reader's language.

A change keeps its facts (words added and removed, old and new price with their
currencies, old and new availability, new feed items), and the summary is written from
them when shown: on the Watch page in the page's language, in alerts and feeds in the
instance's. The ``summary`` stored with each change is this text in English, written
when the change was found (the API and the CLI give it as it is).

Prices are formatted with their currency by CLDR's rules (Babel), the move in percent
relative to the old price (``pilotage.watch.price.price_change``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from pilotage import i18n
from pilotage.watch.price import price_change, stored_price

if TYPE_CHECKING:
    from pilotage.store.app.watch_models import Change

Translate = Callable[[str], str]
NTranslate = Callable[[str, str, int], str]


def _(message: str) -> str:
    return message


AVAILABILITY = {
    "in_stock": _("in stock"),
    "out_of_stock": _("out of stock"),
    "preorder": _("pre-order"),
    "discontinued": _("discontinued"),
    "limited": _("limited stock"),
    "unknown": _("unknown"),
}


@dataclass(frozen=True)
class ChangeFacts:
    kind: str  # the monitor's kind: text, price, availability, feed
    new_items: int = 0  # feed entries not seen before
    words_added: int = 0
    words_removed: int = 0
    text_changed: bool = False
    price_old: str | None = None
    price_new: str | None = None
    currency_old: str | None = None
    currency_new: str | None = None
    availability_old: str | None = None
    availability_new: str | None = None


def change_summary(change: Change, locale: str) -> str:
    """A stored change's summary in ``locale`` (its monitor's kind read from it)."""
    return summarise(facts_of(change, change.monitor.kind), locale)


def facts_of(change: Change, kind: str) -> ChangeFacts:
    """The facts a stored change keeps (``kind``: its monitor's)."""
    return ChangeFacts(
        kind=kind,
        new_items=len(change.added) if kind == "feed" else 0,
        words_added=change.words_added,
        words_removed=change.words_removed,
        # a blank line added changes the text without a word: "+0 / -0 words" then
        text_changed=kind != "feed"
        and bool(change.added or change.removed or change.words_added or change.words_removed),
        price_old=change.price_old,
        price_new=change.price_new,
        currency_old=change.currency_old,
        currency_new=change.currency_new,
        availability_old=change.availability_old,
        availability_new=change.availability_new,
    )


def summarise(facts: ChangeFacts, locale: str = "en") -> str:
    """The change in one line, e.g. "Prix 129,00 € → 115,00 € (-10,9 %)" in French."""
    translations = i18n.translations(locale)
    translate = translations.gettext
    if facts.kind == "feed":
        count = facts.new_items
        text = translations.ngettext("%(count)s new item", "%(count)s new items", count)
        return text % {"count": i18n.number(count, locale)}
    parts = []
    old, new = stored_price(facts.price_old), stored_price(facts.price_new)
    if old != new:
        values = {
            "old": _money(old, facts.currency_old, locale),
            "new": _money(new, facts.currency_new, locale),
        }
        if old and new is not None:
            values["move"] = i18n.signed(float(price_change(old, new)), locale)
            parts.append(translate(_("Price %(old)s → %(new)s (%(move)s)")) % values)
        else:
            parts.append(translate(_("Price %(old)s → %(new)s")) % values)
    if facts.availability_old != facts.availability_new:
        parts.append(
            translate(_("Availability %(old)s → %(new)s"))
            % {
                "old": _availability(facts.availability_old, translate),
                "new": _availability(facts.availability_new, translate),
            }
        )
    if facts.text_changed:
        parts.append(
            translate(_("+%(added)s / -%(removed)s words"))
            % {
                "added": i18n.number(facts.words_added, locale),
                "removed": i18n.number(facts.words_removed, locale),
            }
        )
    return "; ".join(parts) or translate(_("Content changed"))


def _money(value: Decimal | None, currency: str | None, locale: str) -> str:
    return "?" if value is None else i18n.money(value, currency, locale)


def _availability(value: str | None, translate: Translate) -> str:
    if value is None:
        return "?"
    label = AVAILABILITY.get(value)
    return translate(label) if label is not None else value
