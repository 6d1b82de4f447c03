"""The competitor benchmark in a real app database, against scores worked out by hand.

Criteria (weight, axis): Price (2, x), Range (1, x), Service (3, y), SEO (1, none);
total weight 7. Scores:

    competitor  Price Range Service SEO   S = Σw·s / Σw (scored only)   x        y
    Us (self)     4     3      5     2    (8+3+15+2)/7 = 4              11/3     5
    Rival A       5     5      3     -    (10+5+9)/6  = 4               5        3
    Rival B       2     -      2     -    (4+6)/5     = 2               2        2
    Rival C       -     -      -     5    5/1         = 5               -        -
    Rival D       -     -      -     -    none                          -        -

Ranks "1224": C 1, Us and A 2, B 4, D none. Had missing scores counted as 0, Rival A
would have (10+5+9)/7 = 3.43 and rank below Us.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from pilotage.charts import render_svg
from pilotage.errors import InvalidInput, NotFound
from pilotage.sites import add_site, get_site
from pilotage.store.app import AppDB, Competitor, Criterion, Score, Snapshot
from pilotage.watch.benchmark import (
    Matrix,
    add_competitor,
    add_criterion,
    get_competitor,
    matrix,
    positioning,
    positioning_spec,
    remove_competitor,
    remove_criterion,
    remove_score,
    set_score,
    weighted_mean,
)
from pilotage.watch.monitors import add_monitor
from tests.watch.watch_site import app_db

CRITERIA = [("Price", 2.0, "x"), ("Range", 1.0, "x"), ("Service", 3.0, "y"), ("SEO", 1.0, None)]
SCORES = {
    "Us": {"Price": 4, "Range": 3, "Service": 5, "SEO": 2},
    "Rival A": {"Price": 5, "Range": 5, "Service": 3},
    "Rival B": {"Price": 2, "Service": 2},
    "Rival C": {"SEO": 5},
    "Rival D": {},
}


@pytest.fixture
def db(tmp_path: Path) -> Iterator[AppDB]:
    database = app_db(tmp_path)
    with database.session() as s:
        site = get_site(s, "shop.example")
        criteria = {n: add_criterion(s, site, n, weight=w, axis=a) for n, w, a in CRITERIA}
        for name, scores in SCORES.items():
            competitor = add_competitor(s, site, name, is_self=name == "Us")
            for criterion, score in scores.items():
                set_score(s, competitor, criteria[criterion], score)
    yield database
    database.dispose()


def table(db: AppDB) -> Matrix:
    with db.session() as s:
        return matrix(s, get_site(s, "shop.example"))


def by_name(s: Session, model: Any, name: str) -> Any:
    return s.query(model).filter_by(name=name).one()


def test_weighted_scores_skip_missing_cells(db: AppDB) -> None:
    competitors = {c.name: c for c in table(db).competitors}
    expected = {"Us": 4.0, "Rival A": 4.0, "Rival B": 2.0, "Rival C": 5.0, "Rival D": None}
    assert {n: c.weighted for n, c in competitors.items()} == pytest.approx(expected)
    coverage = {"Us": 7 / 7, "Rival A": 6 / 7, "Rival B": 5 / 7, "Rival C": 1 / 7, "Rival D": 0}
    assert {n: c.coverage for n, c in competitors.items()} == pytest.approx(coverage)


def test_ranks_share_ties_and_skip(db: AppDB) -> None:
    m = table(db)
    ranks = {c.name: c.rank for c in m.competitors}
    assert ranks == {"Us": 2, "Rival A": 2, "Rival B": 4, "Rival C": 1, "Rival D": None}
    assert [c.name for c in m.ranked()] == ["Rival C", "Us", "Rival A", "Rival B", "Rival D"]


def test_positioning_uses_the_axis_criteria(db: AppDB) -> None:
    points = [(p.competitor.name, p.x, p.y) for p in positioning(table(db))]
    assert points == [
        ("Us", pytest.approx(11 / 3), 5.0),
        ("Rival A", 5.0, 3.0),
        ("Rival B", 2.0, 2.0),
    ]


def test_a_score_is_replaced_then_removed(db: AppDB) -> None:
    with db.session() as s:
        b, price = by_name(s, Competitor, "Rival B"), by_name(s, Criterion, "Price")
        set_score(s, b, price, 3.5, note="cheaper since May")
        assert s.query(Score).filter_by(competitor_id=b.id, criterion_id=price.id).count() == 1
    m = table(db)
    b_row = next(c for c in m.competitors if c.name == "Rival B")
    assert b_row.weighted == pytest.approx((2 * 3.5 + 3 * 2) / 5)
    cell = b_row.cells[next(c.id for c in m.criteria if c.name == "Price")]
    assert (cell.score, cell.note) == (3.5, "cheaper since May")
    with db.session() as s:
        remove_score(s, by_name(s, Competitor, "Rival B"), by_name(s, Criterion, "Price"))
    b_row = next(c for c in table(db).competitors if c.name == "Rival B")
    assert b_row.weighted == pytest.approx(2.0) and b_row.coverage == pytest.approx(3 / 7)


def test_removing_a_criterion_reweights(db: AppDB) -> None:
    with db.session() as s:
        remove_criterion(s, by_name(s, Criterion, "Service"))
    competitors = {c.name: c for c in table(db).competitors}
    assert competitors["Us"].weighted == pytest.approx((8 + 3 + 2) / 4)
    assert competitors["Rival A"].weighted == pytest.approx((10 + 5) / 3)
    with db.session() as s:
        assert s.query(Score).count() == 3 + 2 + 1 + 1  # the 4 Service scores are gone


def test_removing_a_competitor_removes_its_scores(db: AppDB) -> None:
    with db.session() as s:
        site = get_site(s, "shop.example")
        us = by_name(s, Competitor, "Us")
        us_id = us.id
        remove_competitor(s, us)
        with pytest.raises(NotFound):
            get_competitor(s, us_id, site)
        assert s.query(Score).filter_by(competitor_id=us_id).count() == 0
    assert [c.name for c in table(db).competitors] == ["Rival A", "Rival B", "Rival C", "Rival D"]


def snapshot_of(s: Session, domain: str) -> int:
    site = get_site(s, domain)
    monitor = add_monitor(s, site, f"https://{domain}/rival")
    snapshot = Snapshot(monitor_id=monitor.id, fingerprint="f", text="Rival prices")
    s.add(snapshot)
    s.flush()
    return snapshot.id


def test_evidence_must_be_a_snapshot_of_the_same_site(db: AppDB) -> None:
    with db.session() as s:
        add_site(s, "other.example")
        mine, theirs = snapshot_of(s, "shop.example"), snapshot_of(s, "other.example")
        a, price = by_name(s, Competitor, "Rival A"), by_name(s, Criterion, "Price")
        assert set_score(s, a, price, 5, snapshot_id=mine).snapshot_id == mine
        for wrong in (theirs, 999_999):
            with pytest.raises(InvalidInput) as caught:
                set_score(s, a, price, 1, snapshot_id=wrong)
            assert caught.value.field == "snapshot_id"
        assert s.query(Score).filter_by(competitor_id=a.id, criterion_id=price.id).one().score == 5


@pytest.mark.parametrize(
    ("action", "value", "field"),
    [
        ("criterion", {"name": "Speed", "weight": 0}, "weight"),
        ("criterion", {"name": "Speed", "weight": -1}, "weight"),
        ("criterion", {"name": "Speed", "weight": float("nan")}, "weight"),
        ("criterion", {"name": "Speed", "weight": "heavy"}, "weight"),
        ("criterion", {"name": "Speed", "axis": "z"}, "axis"),
        ("criterion", {"name": "  "}, "name"),
        ("criterion", {"name": "price"}, "name"),  # "Price" exists; names ignore case
        ("competitor", {"name": ""}, "name"),
        ("competitor", {"name": "RIVAL A"}, "name"),
        ("competitor", {"name": "Rival E", "url": "ftp://rival.example/"}, "url"),
        ("competitor", {"name": "Also us", "is_self": True}, "is_self"),
        ("score", 5.5, "score"),
        ("score", -0.5, "score"),
        ("score", float("inf"), "score"),
        ("score", "good", "score"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    db: AppDB, action: str, value: Any, field: str
) -> None:
    before = table(db)
    with db.session() as s:
        site = get_site(s, "shop.example")
        with pytest.raises(InvalidInput) as caught:
            if action == "criterion":
                add_criterion(s, site, **value)
            elif action == "competitor":
                add_competitor(s, site, **value)
            else:
                set_score(s, by_name(s, Competitor, "Rival B"), by_name(s, Criterion, "SEO"), value)
        assert caught.value.field == field
    assert table(db) == before


def test_a_criterion_of_another_site_is_refused(db: AppDB) -> None:
    with db.session() as s:
        foreign = add_criterion(s, add_site(s, "other.example"), "Price")
        with pytest.raises(InvalidInput) as caught:
            set_score(s, by_name(s, Competitor, "Us"), foreign, 3)
        assert caught.value.field == "criterion"


def test_weighted_mean_of_nothing_is_none() -> None:
    assert weighted_mean([]) is None
    assert weighted_mean([(1.0, 2.0), (3.0, 4.0)]) == pytest.approx((2 + 12) / 4)


def test_positioning_map_renders_with_labels(db: AppDB) -> None:
    points = positioning(table(db))
    spec = positioning_spec(points, x_title="Prix", y_title="Service", title="Carte")
    assert spec["data"]["values"][1] == {"name": "Rival A", "x": 5.0, "y": 3.0, "self": False}
    assert spec["data"]["values"][0]["self"] is True
    svg = render_svg(spec, locale="fr")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert {"Us", "Rival A", "Rival B", "Prix", "Service"} <= set(texts)
    assert "Rival C" not in texts  # no score on either axis: not on the map
