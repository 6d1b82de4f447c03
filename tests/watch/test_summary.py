"""Change summaries written in the reader's language from the change's facts, and the
migration that gives the changes found before their currencies."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from pilotage.store.app import AppDB, Change
from pilotage.watch.summary import ChangeFacts, facts_of, summarise
from tests.accounts.test_migration import migrate

NNBSP, NBSP = "\u202f", "\u00a0"
DROP = ChangeFacts(
    "price", price_old="129.00", price_new="115.00", currency_old="EUR", currency_new="EUR"
)


@pytest.mark.parametrize(
    ("facts", "english", "french"),
    [
        (DROP, "Price €129.00 → €115.00 (−10.9%)",
         f"Prix : 129,00{NBSP}€ → 115,00{NBSP}€ (−10,9{NNBSP}%)"),
        (ChangeFacts("price", price_old=None, price_new="19.9", currency_new="USD"),
         "Price ? → $19.90", f"Prix : ? → 19,90{NBSP}$US"),
        (ChangeFacts("price", price_old="10", price_new="12.5"),  # no currency found
         "Price 10.00 → 12.50 (+25%)", f"Prix : 10,00 → 12,50 (+25{NNBSP}%)"),
        (ChangeFacts("availability", availability_old="in_stock",
                     availability_new="out_of_stock"),
         "Availability in stock → out of stock", "Disponibilité : en stock → en rupture"),
        (ChangeFacts("text", words_added=1234, words_removed=5, text_changed=True),
         "+1,234 / -5 words", f"+1{NNBSP}234 / -5 mots"),
        (ChangeFacts("text"), "Content changed", "Contenu modifié"),
        (ChangeFacts("feed", new_items=1), "1 new item", "1 nouvel élément"),
        (ChangeFacts("feed", new_items=3), "3 new items", "3 nouveaux éléments"),
    ],
)  # fmt: skip
def test_summaries_in_english_and_french(facts: ChangeFacts, english: str, french: str) -> None:
    assert summarise(facts, "en") == english
    assert summarise(facts, "fr") == french


def test_several_facts_make_one_line() -> None:
    both = ChangeFacts(
        "price", words_added=2, text_changed=True, price_old="10", price_new="9",
        currency_old="EUR", currency_new="EUR", availability_old="in_stock",
        availability_new="limited",
    )  # fmt: skip
    assert summarise(both, "en") == (
        "Price €10.00 → €9.00 (−10%); Availability in stock → limited stock; +2 / -0 words"
    )


def test_facts_of_a_stored_change() -> None:
    change = Change(
        summary="", added=[], removed=[], words_added=0, words_removed=0,
        price_old="129.00", price_new="115.00", currency_old="EUR", currency_new="EUR",
    )  # fmt: skip
    assert summarise(facts_of(change, "price"), "en") == "Price €129.00 → €115.00 (−10.9%)"
    feed = Change(summary="", added=["a", "b"], removed=[], words_added=0, words_removed=0)
    assert summarise(facts_of(feed, "feed"), "en") == "2 new items"
    blank_line = Change(summary="", added=[""], removed=[], words_added=0, words_removed=0)
    assert summarise(facts_of(blank_line, "text"), "en") == "+0 / -0 words"  # as stored


def test_the_migration_gives_old_changes_their_snapshots_currencies(tmp_path: Path) -> None:
    db = AppDB(f"sqlite:///{tmp_path / 'app.sqlite'}")
    migrate(db, "0003")
    with db.engine.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO sites (id, domain, timezone, currency, created_at, public) "
                "VALUES (1, 'shop.example', 'UTC', 'EUR', '2025-01-01 00:00:00', 0)"
            )
        )
        c.execute(
            sa.text(
                "INSERT INTO monitors (id, site_id, name, url, kind, every_seconds, competitor, "
                "keywords, thresholds, notify, active, created_at, next_check_at) VALUES (1, 1, "
                "'Rival', 'https://rival.example/p', 'price', 3600, '', '[]', '{}', '{}', 1, "
                "'2025-01-01 00:00:00', '2025-01-01 00:00:00')"
            )
        )
        for sid, price, currency in ((1, "129.00", "EUR"), (2, "99.00", "CHF")):
            c.execute(
                sa.text(
                    "INSERT INTO snapshots (id, monitor_id, taken_at, status, fingerprint, text, "
                    "price, currency, items) VALUES (:id, 1, '2025-01-01 00:00:00', 200, :id, '', "
                    ":price, :currency, '[]')"
                ),
                {"id": sid, "price": price, "currency": currency},
            )
        c.execute(
            sa.text(
                "INSERT INTO changes (id, monitor_id, snapshot_id, previous_id, detected_at, "
                "summary, added, removed, words_added, words_removed, price_old, price_new, "
                "significance, alerted) VALUES (1, 1, 2, 1, '2025-01-02 00:00:00', "
                "'Price 129.00 EUR → 99.00 CHF', '[]', '[]', 0, 0, '129.00', '99.00', 0.5, 1)"
            )
        )
    db.upgrade()
    with db.session() as s:
        change = s.get(Change, 1)
        assert change is not None
        assert (change.currency_old, change.currency_new) == ("EUR", "CHF")
        assert summarise(facts_of(change, "price"), "en") == (
            "Price €129.00 → CHF99.00 (−23.3%)"  # Babel writes no space after CHF
        )
    db.dispose()
