"""Stage 6: metrics from raw aggregates, and the ``Result`` handed to callers.

SQL returns sufficient statistics (counts and sums); the formulas live here, each
with its rounding (docs/metrics.md gives the definitions and Plausible's sources).
``Result.to_dict()`` has the shape of Plausible's Stats API v2 response:
``{"results": [{"dimensions", "metrics", "comparison"?}], "meta", "query"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeAlias

from pilotage.analytics.revenue import to_cents

MetricValue: TypeAlias = int | float | Decimal | None
Stats: TypeAlias = Mapping[str, object]
POINT_METRICS = frozenset({"bounce_rate", "conversion_rate"})


def rounded(value: float | Decimal, places: int) -> float:
    """Half away from zero, as people round (Python's round() rounds half to even)."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _num(stats: Stats, name: str) -> float:
    value = stats.get(name)
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def _ratio(num: float, den: float, scale: float, places: int) -> float:
    return rounded(num / den * scale, places) if den else 0.0


def metric_value(metric: str, stats: Stats, revenue: tuple[Decimal, int] | None) -> MetricValue:
    """One metric from the stats of a row; ``revenue`` is (converted total, orders)."""
    if metric in ("visitors", "visits", "pageviews", "events", "bot_events"):
        return int(_num(stats, metric))
    if metric == "bounce_rate":
        return int(_ratio(_num(stats, "bounces"), _num(stats, "bounce_visits"), 100, 0))
    if metric == "visit_duration":
        return int(_ratio(_num(stats, "duration_sum"), _num(stats, "session_visits"), 1, 0))
    if metric == "views_per_visit":
        return _ratio(_num(stats, "session_pageviews"), _num(stats, "session_visits"), 1, 2)
    if metric == "conversion_rate":
        return _ratio(_num(stats, "visitors"), _num(stats, "base_visitors"), 100, 2)
    total, orders = revenue if revenue is not None else (Decimal(0), 0)
    if metric == "revenue":
        return to_cents(total)
    if metric == "average_order_value":
        return to_cents(total / orders) if orders else Decimal("0.00")
    raise ValueError(metric)


def change(metric: str, new: MetricValue, old: MetricValue) -> float | None:
    """Plausible's change: percentage points for rates, else percent of the old value
    (100 when the old value is 0 and the new one is not)."""
    if new is None or old is None:
        return None
    if metric in POINT_METRICS:
        return rounded(float(new) - float(old), 1)
    if old == 0:
        return 100.0 if new else 0.0
    return rounded((float(new) - float(old)) / float(old) * 100, 1)


@dataclass(frozen=True)
class Row:
    dimensions: tuple[str, ...]
    metrics: tuple[MetricValue, ...]
    comparison: tuple[MetricValue, ...] | None = None
    comparison_dimensions: tuple[str, ...] | None = None
    change: tuple[float | None, ...] | None = None


@dataclass(frozen=True)
class Result:
    metrics: tuple[str, ...]
    dimensions: tuple[str, ...]
    rows: tuple[Row, ...]
    totals: Row | None
    date_range: tuple[str, str]
    comparison_range: tuple[str, str] | None = None
    currency: str | None = None
    warnings: tuple[str, ...] = ()
    time_labels: tuple[str, ...] | None = None
    query: Mapping[str, object] = field(default_factory=dict)

    def column(self, metric: str) -> list[MetricValue]:
        index = self.metrics.index(metric)
        return [row.metrics[index] for row in self.rows]

    def total(self, metric: str) -> MetricValue:
        row = self.totals if self.totals is not None else (self.rows[0] if self.rows else None)
        return row.metrics[self.metrics.index(metric)] if row is not None else None

    def _json_values(self, values: tuple[MetricValue, ...]) -> list[object]:
        out: list[object] = []
        for metric, value in zip(self.metrics, values, strict=True):
            if metric in ("revenue", "average_order_value") and value is not None:
                out.append({"value": float(value), "currency": self.currency})
            else:
                out.append(value)
        return out

    def _json_row(self, row: Row) -> dict[str, object]:
        body: dict[str, object] = {
            "dimensions": list(row.dimensions),
            "metrics": self._json_values(row.metrics),
        }
        if row.comparison is not None:
            body["comparison"] = {
                "dimensions": list(row.comparison_dimensions or row.dimensions),
                "metrics": self._json_values(row.comparison),
                "change": list(row.change or ()),
            }
        return body

    def to_dict(self) -> dict[str, object]:
        meta: dict[str, object] = {"imports_included": False}
        if self.warnings:
            meta["metric_warnings"] = list(self.warnings)
        if self.time_labels is not None:
            meta["time_labels"] = list(self.time_labels)
        if self.totals is not None:
            meta["totals"] = self._json_row(self.totals)
        query = {**self.query, "date_range": list(self.date_range)}
        if self.comparison_range is not None:
            query["comparison_date_range"] = list(self.comparison_range)
        return {
            "results": [self._json_row(r) for r in self.rows],
            "meta": meta,
            "query": query,
        }
