"""Competitor benchmark: competitors x weighted criteria, scores with evidence, and the
positioning map.

A site's benchmark holds competitors (one of them may be the site's own product,
``is_self``), criteria with a weight and optionally an axis of the positioning map, and
scores from 0 to 5, each with a note and, as evidence, a snapshot of one of the site's
monitors. This module is the one model of the benchmark: the watch pages and the
planning workspace both read it through :func:`matrix` and :func:`positioning`.

Weighted score of competitor *c* (a weighted arithmetic mean)::

    S(c) = Σ_{k ∈ K(c)} w_k · s_{c,k}  /  Σ_{k ∈ K(c)} w_k

where *K(c)* are the criteria *c* has a score for. A missing score is missing, not 0:
it neither lowers nor raises S(c), since the weight sum covers the scored criteria
only. ``coverage`` = Σ_{K(c)} w_k / Σ_all w_k says how much of the weighting S(c)
rests on; a competitor with no score at all has no S and no rank. Ranks are standard
competition ranks ("1224"): equal scores share a rank and the next rank is skipped.

Positioning map: x(c) is the same weighted mean over the criteria whose axis is "x",
y(c) over those whose axis is "y"; a competitor without a score on either axis is left
off the map.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pilotage.charts import CURRENT_COLOUR, NUMBER_FORMAT, PREVIOUS_COLOUR, SCHEMA
from pilotage.errors import InvalidInput, NotFound
from pilotage.store.app import Competitor, Criterion, Monitor, Score, Site, Snapshot
from pilotage.watch.monitors import check_url

__all__ = [
    "AXES",
    "MAX_SCORE",
    "BenchCompetitor",
    "BenchCriterion",
    "Cell",
    "Matrix",
    "Point",
    "add_competitor",
    "add_criterion",
    "find_competitor",
    "find_criterion",
    "get_competitor",
    "get_criterion",
    "matrix",
    "positioning",
    "positioning_spec",
    "remove_competitor",
    "remove_criterion",
    "remove_score",
    "set_score",
    "weighted_mean",
]

_Row = TypeVar("_Row", Competitor, Criterion)
MAX_SCORE = 5.0
AXES = ("x", "y")
NAME_CHARS = 200


@dataclass(frozen=True)
class Cell:
    score: float
    note: str
    snapshot_id: int | None  # evidence: a snapshot of one of the site's monitors


@dataclass(frozen=True)
class BenchCriterion:
    id: int
    name: str
    weight: float
    axis: str | None


@dataclass(frozen=True)
class BenchCompetitor:
    id: int
    name: str
    url: str
    is_self: bool
    cells: dict[int, Cell]  # criterion id -> score; a missing key is a missing score
    weighted: float | None  # S(c), None without any score
    coverage: float  # share of the total weight that S(c) covers, 0..1
    rank: int | None


@dataclass(frozen=True)
class Matrix:
    site_id: int
    criteria: tuple[BenchCriterion, ...]
    competitors: tuple[BenchCompetitor, ...]  # in the order they were added

    def cell(self, competitor_id: int, criterion_id: int) -> Cell | None:
        for competitor in self.competitors:
            if competitor.id == competitor_id:
                return competitor.cells.get(criterion_id)
        return None

    def ranked(self) -> list[BenchCompetitor]:
        """Competitors by rank; those without a score last, in the order added."""
        unranked = len(self.competitors) + 1
        return sorted(self.competitors, key=lambda c: c.rank or unranked)


class Point(NamedTuple):
    competitor: BenchCompetitor
    x: float
    y: float


# --- editing ----------------------------------------------------------------------------


def _name(s: Session, model: type[Competitor] | type[Criterion], site: Site, name: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise InvalidInput("a name is required", field="name")
    if len(clean) > NAME_CHARS:
        raise InvalidInput(f"name {clean[:40]!r}… is over {NAME_CHARS} characters", field="name")
    taken = s.scalars(select(model.name).where(model.site_id == site.id))
    if clean.casefold() in {other.casefold() for other in taken}:
        raise InvalidInput(f"{clean!r} is already in this benchmark", field="name")
    return clean


def add_competitor(
    s: Session, site: Site, name: str, url: str = "", is_self: bool = False
) -> Competitor:
    """A competitor of ``site``; ``is_self`` marks the site's own product (one at most)."""
    clean = _name(s, Competitor, site, name)
    address = check_url(url) if url.strip() else ""
    if is_self:
        query = select(Competitor.id).where(Competitor.site_id == site.id, Competitor.is_self)
        if s.scalar(query) is not None:
            raise InvalidInput("this benchmark already has its own product", field="is_self")
    competitor = Competitor(site_id=site.id, name=clean, url=address, is_self=is_self)
    s.add(competitor)
    s.flush()
    return competitor


def _weight(weight: float) -> float:
    try:
        value = float(weight)
    except (TypeError, ValueError):
        raise InvalidInput(f"weight {weight!r} is not a number", field="weight") from None
    if not (math.isfinite(value) and value > 0):
        raise InvalidInput(f"weight {weight!r} must be above 0", field="weight")
    return value


def add_criterion(
    s: Session, site: Site, name: str, weight: float = 1.0, axis: str | None = None
) -> Criterion:
    """A criterion of ``site``'s benchmark; ``axis`` "x" or "y" puts it on the map."""
    clean = _name(s, Criterion, site, name)
    if axis not in (None, "", *AXES):
        raise InvalidInput(f"axis {axis!r} is not x, y or none", field="axis")
    criterion = Criterion(site_id=site.id, name=clean, weight=_weight(weight), axis=axis or None)
    s.add(criterion)
    s.flush()
    return criterion


def _score(score: float) -> float:
    try:
        value = float(score)
    except (TypeError, ValueError):
        raise InvalidInput(f"score {score!r} is not a number", field="score") from None
    if not (math.isfinite(value) and 0 <= value <= MAX_SCORE):
        raise InvalidInput(f"score {score!r} is not between 0 and 5", field="score")
    return value


def _evidence(s: Session, site_id: int, snapshot_id: int | None) -> int | None:
    if snapshot_id is None:
        return None
    query = (
        select(Snapshot.id)
        .join(Monitor, Monitor.id == Snapshot.monitor_id)
        .where(Snapshot.id == snapshot_id, Monitor.site_id == site_id)
    )
    if s.scalar(query) is None:
        raise InvalidInput(
            f"snapshot {snapshot_id} is not one of this site's monitors", field="snapshot_id"
        )
    return snapshot_id


def set_score(
    s: Session,
    competitor: Competitor,
    criterion: Criterion,
    score: float,
    note: str = "",
    snapshot_id: int | None = None,
) -> Score:
    """Set (or replace) ``competitor``'s score on ``criterion``, 0 to 5."""
    if competitor.site_id != criterion.site_id:
        raise InvalidInput(
            f"criterion {criterion.name!r} is not in {competitor.name!r}'s benchmark",
            field="criterion",
        )
    value = _score(score)
    evidence = _evidence(s, competitor.site_id, snapshot_id)
    row = s.scalar(
        select(Score).where(
            Score.competitor_id == competitor.id, Score.criterion_id == criterion.id
        )
    )
    if row is None:
        row = Score(competitor_id=competitor.id, criterion_id=criterion.id, score=value)
        s.add(row)
    row.score, row.note, row.snapshot_id = value, note.strip(), evidence
    s.flush()
    return row


def remove_score(s: Session, competitor: Competitor, criterion: Criterion) -> None:
    """Forget a score: the cell becomes missing (not 0)."""
    row = s.scalar(
        select(Score).where(
            Score.competitor_id == competitor.id, Score.criterion_id == criterion.id
        )
    )
    if row is not None:
        s.delete(row)
        s.flush()


def remove_competitor(s: Session, competitor: Competitor) -> None:
    """Delete a competitor with its scores."""
    s.execute(delete(Score).where(Score.competitor_id == competitor.id))
    s.delete(competitor)
    s.flush()


def remove_criterion(s: Session, criterion: Criterion) -> None:
    """Delete a criterion with its scores."""
    s.execute(delete(Score).where(Score.criterion_id == criterion.id))
    s.delete(criterion)
    s.flush()


def get_competitor(s: Session, competitor_id: int, site: Site) -> Competitor:
    competitor = s.get(Competitor, competitor_id)
    if competitor is None or competitor.site_id != site.id:
        raise NotFound(f"no competitor {competitor_id}", field="competitor")
    return competitor


def get_criterion(s: Session, criterion_id: int, site: Site) -> Criterion:
    criterion = s.get(Criterion, criterion_id)
    if criterion is None or criterion.site_id != site.id:
        raise NotFound(f"no criterion {criterion_id}", field="criterion")
    return criterion


def find_competitor(s: Session, site: Site, name: str) -> Competitor:
    """The site's competitor called ``name`` (case and spacing ignored)."""
    return _find(s, Competitor, site, name, "competitor")


def find_criterion(s: Session, site: Site, name: str) -> Criterion:
    """The site's criterion called ``name`` (case and spacing ignored)."""
    return _find(s, Criterion, site, name, "criterion")


def _find(s: Session, model: type[_Row], site: Site, name: str, field: str) -> _Row:
    wanted = " ".join(name.split()).casefold()
    for row in s.scalars(select(model).where(model.site_id == site.id)):
        if row.name.casefold() == wanted:
            return row
    raise NotFound(f"no {field} named {name!r}", field=field)


# --- the matrix ----------------------------------------------------------------------------


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Σ w·s / Σ w over (weight, score) pairs; None when there is none."""
    total = weighted = 0.0
    for weight, score in pairs:
        total += weight
        weighted += weight * score
    return weighted / total if total > 0 else None


def _ranks(scores: Sequence[float | None]) -> list[int | None]:
    """Standard competition ranks, highest first; None stays unranked."""
    # rounding keeps equal means that differ in the last bit (float sums) tied
    values = [None if v is None else round(v, 9) for v in scores]
    return [
        None if v is None else 1 + sum(1 for o in values if o is not None and o > v) for v in values
    ]


def matrix(s: Session, site: Site) -> Matrix:
    """The site's benchmark with every competitor's weighted score, coverage and rank."""
    criteria = tuple(
        BenchCriterion(c.id, c.name, c.weight, c.axis)
        for c in s.scalars(
            select(Criterion).where(Criterion.site_id == site.id).order_by(Criterion.id)
        )
    )
    weights = {c.id: c.weight for c in criteria}
    rows = list(
        s.scalars(select(Competitor).where(Competitor.site_id == site.id).order_by(Competitor.id))
    )
    cells: dict[int, dict[int, Cell]] = {row.id: {} for row in rows}
    query = select(Score).where(
        Score.competitor_id.in_(list(cells)), Score.criterion_id.in_(list(weights))
    )
    for score in s.scalars(query):
        cells[score.competitor_id][score.criterion_id] = Cell(
            score.score, score.note, score.snapshot_id
        )
    total = sum(weights.values())
    means = [
        weighted_mean((weights[k], cell.score) for k, cell in cells[r.id].items()) for r in rows
    ]
    ranks = _ranks(means)
    competitors = tuple(
        BenchCompetitor(
            id=row.id, name=row.name, url=row.url, is_self=row.is_self, cells=cells[row.id],
            weighted=mean, rank=rank,
            coverage=sum(weights[k] for k in cells[row.id]) / total if total else 0.0,
        )
        for row, mean, rank in zip(rows, means, ranks, strict=True)
    )  # fmt: skip
    return Matrix(site_id=site.id, criteria=criteria, competitors=competitors)


def _axis_mean(table: Matrix, competitor: BenchCompetitor, axis: str) -> float | None:
    return weighted_mean(
        (c.weight, competitor.cells[c.id].score)
        for c in table.criteria
        if c.axis == axis and c.id in competitor.cells
    )


def positioning(table: Matrix) -> list[Point]:
    """(competitor, x, y) of each competitor scored on both axes, in the order added."""
    points = []
    for competitor in table.competitors:
        x, y = _axis_mean(table, competitor, "x"), _axis_mean(table, competitor, "y")
        if x is not None and y is not None:
            points.append(Point(competitor, x, y))
    return points


def positioning_spec(
    points: Sequence[Point], *, x_title: str, y_title: str, title: str = ""
) -> dict[str, Any]:
    """A Vega-Lite scatter of the positioning map: both axes 0..5, the mid-lines at 2.5
    splitting it into quadrants, one labelled dot per competitor (the site's own product
    in the accent colour). Same envelope and number format as ``pilotage.charts``."""
    values = [
        {"name": p.competitor.name, "x": p.x, "y": p.y, "self": p.competitor.is_self}
        for p in points
    ]
    scale = {"domain": [0, MAX_SCORE], "nice": False}
    axis = {"format": NUMBER_FORMAT, "tickCount": 6}
    x = {"field": "x", "type": "quantitative", "title": x_title, "scale": scale, "axis": axis}
    y = {"field": "y", "type": "quantitative", "title": y_title, "scale": scale, "axis": axis}
    colour = {
        "field": "self",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": [True, False], "range": [CURRENT_COLOUR, PREVIOUS_COLOUR]},
    }
    tooltip = [
        {"field": "name", "type": "nominal", "title": " "},
        {"field": "x", "type": "quantitative", "title": x_title, "format": NUMBER_FORMAT},
        {"field": "y", "type": "quantitative", "title": y_title, "format": NUMBER_FORMAT},
    ]
    middle = MAX_SCORE / 2
    return {
        "$schema": SCHEMA,
        "description": title or f"{x_title} / {y_title}",  # the SVG's aria-label
        "width": "container",
        "height": 360,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "layer": [
            {"mark": {"type": "rule", "strokeDash": [4, 4], "aria": False},
             "encoding": {"x": {"datum": middle, "type": "quantitative", "scale": scale}}},
            {"mark": {"type": "rule", "strokeDash": [4, 4], "aria": False},
             "encoding": {"y": {"datum": middle, "type": "quantitative", "scale": scale}}},
            {"mark": {"type": "point", "filled": True, "size": 120},
             "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip}},
            {"mark": {"type": "text", "align": "left", "dx": 8, "dy": -8},
             "encoding": {"x": x, "y": y, "text": {"field": "name", "type": "nominal"}}},
        ],
        "config": {"view": {"stroke": None}},
    }  # fmt: skip
