"""Readable diffs and the significance score."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path

import pytest

from pilotage.watch.content import main_text
from pilotage.watch.diff import (
    DiffLine,
    Segment,
    diff_text,
    render_html,
    render_text,
    significance,
)

DATA = Path(__file__).parents[1] / "data" / "watch"


def test_unchanged_text_has_no_diff() -> None:
    diff = diff_text("a b\nc", "a b\nc")
    assert not diff.changed
    assert diff.lines == ()
    assert (diff.words_added, diff.words_removed) == (0, 0)
    assert render_text(diff) == "" and render_html(diff) == ""


def test_added_and_removed_lines_only() -> None:
    diff = diff_text("Titre\nAncien paragraphe ici\nFin", "Titre\nFin\nNouvelle ligne")
    assert diff.removed == ("Ancien paragraphe ici",)
    assert diff.added == ("Nouvelle ligne",)
    assert diff.edited == ()
    assert (diff.words_added, diff.words_removed) == (2, 3)
    assert render_text(diff) == "- Ancien paragraphe ici\n+ Nouvelle ligne"


def test_edited_line_has_word_segments() -> None:
    diff = diff_text(
        "Intro\nL'offre Essentiel passe à 17 euros par mois",
        "Intro\nL'offre Essentiel passe à 19 euros par mois",
    )
    (line,) = diff.lines
    assert line == DiffLine(
        "edited",
        "L'offre Essentiel passe à 17 euros par mois",
        "L'offre Essentiel passe à 19 euros par mois",
        (
            Segment("equal", "L'offre Essentiel passe à"),
            Segment("removed", "17"),
            Segment("added", "19"),
            Segment("equal", "euros par mois"),
        ),
    )
    assert (diff.words_added, diff.words_removed) == (1, 1)
    assert (diff.words_old, diff.words_new) == (9, 9)
    assert render_text(diff, word_level=True) == (
        "~ L'offre Essentiel passe à [-17-] {+19+} euros par mois"
    )
    assert render_text(diff) == (
        "- L'offre Essentiel passe à 17 euros par mois\n"
        "+ L'offre Essentiel passe à 19 euros par mois"
    )


def test_unrelated_replacement_is_remove_plus_add() -> None:
    diff = diff_text("un deux trois quatre", "cinq six sept huit")
    assert [line.kind for line in diff.lines] == ["removed", "added"]
    assert (diff.words_added, diff.words_removed) == (4, 4)
    assert diff.changed_share == 1.0


def test_render_html_escapes_page_content() -> None:
    diff = diff_text(
        "prix <b>10</b>\n<script>alert(1)</script>",
        'prix <b>12</b>\n<img src=x onerror="alert(2)">',
    )
    out = render_html(diff)
    assert "<script>" not in out and "<img" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "onerror=&quot;alert(2)&quot;" in out
    assert '<p class="diff-edited">prix <del>&lt;b&gt;10&lt;/b&gt;</del>' in out


def test_render_html_marks_lines() -> None:
    diff = diff_text("a\nb", "a\nc d e f")
    assert render_html(diff) == (
        '<p class="diff-removed"><del>b</del></p>\n<p class="diff-added"><ins>c d e f</ins></p>'
    )


def test_diff_of_article_versions_shows_the_price_rise() -> None:
    url = "https://concurrent.example.fr/blog/tarifs-2027"
    before = (DATA / "article.html").read_text(encoding="utf-8")
    after = before.replace("reste à 39 euros", "passe à 45 euros")
    diff = diff_text(main_text(before, url), main_text(after, url))
    (line,) = diff.edited
    assert [s.text for s in line.segments if s.kind == "removed"] == ["reste", "39"]
    assert [s.text for s in line.segments if s.kind == "added"] == ["passe", "45"]
    assert diff.added == () and diff.removed == ()


def test_significance_is_zero_without_change_and_bounded() -> None:
    assert significance() == 0.0
    assert significance(diff=diff_text("a", "a"), price_old=Decimal(5), price_new=Decimal(5)) == 0
    full = significance(
        diff=diff_text("a", "b"),
        price_old=Decimal(1),
        price_new=Decimal(100),
        availability_old="in_stock",
        availability_new="out_of_stock",
        items_old=0,
        items_new=9,
    )
    assert full == 1.0


def test_significance_formula_by_hand() -> None:
    # words: 1 added + 1 removed over 9 + 9 words = 1/9; price: 10 % of a 20 % cap = 0.5
    diff = diff_text("a b c d e f g h 17", "a b c d e f g h 19")
    score = significance(diff=diff, price_old=Decimal(100), price_new=Decimal(90))
    assert score == pytest.approx(1 - (1 - 1 / 9) * (1 - 0.5))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("in_stock", "out_of_stock", 1.0),
        ("out_of_stock", "limited", 1.0),
        ("out_of_stock", "preorder", 0.5),
        ("in_stock", "in_stock", 0.0),
    ],
)
def test_significance_of_availability(old: str, new: str, expected: float) -> None:
    assert significance(availability_old=old, availability_new=new) == expected


def test_significance_grows_with_each_component() -> None:
    prices = [Decimal(p) for p in (100, 97, 90, 80, 50)]  # larger and larger drops
    items = [10, 9, 7, 3, 0]
    texts = ["a b c d", "a b c x", "a b y x", "z w y x"]
    grid = itertools.product(range(len(prices)), range(len(items)), range(len(texts)))
    scores = {
        (p, i, t): significance(
            diff=diff_text(texts[0], texts[t]),
            price_old=prices[0],
            price_new=prices[p],
            items_old=items[0],
            items_new=items[i],
        )
        for p, i, t in grid
    }
    for (p, i, t), score in scores.items():
        assert 0.0 <= score <= 1.0
        for step in ((1, 0, 0), (0, 1, 0), (0, 0, 1)):
            bigger = (p + step[0], i + step[1], t + step[2])
            if bigger in scores:
                assert scores[bigger] >= score
