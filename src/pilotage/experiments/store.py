"""Experiments read from the event store: sufficient statistics per variant in one query.

Definition. An experiment is named by a custom property: its NAME is the property key
and each event's value is the variant it showed (``props['checkout_button'] = 'A'``).
Within the period, robots left out:

- a visitor is *exposed* to the variants of their events carrying the property with a
  non-empty value; their first exposure is the earliest such event;
- a visitor seen in more than one variant is *mixed*: counted apart, left out of every
  metric, and reported as a warning (their assignment is broken);
- the control is the variant named ``control`` (any case), else ``A``/``a``, else the
  alphabetically first; the other variants follow alphabetically.

Metrics per exposed visitor, counting only events at or after the first exposure and
inside the period:

- conversion of a goal: 1 if any event matching the goal (``analytics.goals``) happened,
  else 0 -> :class:`ProportionStats` (n, conversions);
- revenue per visitor of a revenue goal (a goal with a currency): sum of
  ``revenue_amount`` of its matching events in the goal's currency, 0 for non-converters
  -> :class:`MeanStats` (n, sum, sum of squares); amounts in other currencies are not
  converted and not counted;
- pageviews per visitor -> :class:`MeanStats`.

One SQL statement (sqlglot tree, DuckDB or ClickHouse) returns one row per variant, plus
one for the mixed visitors, holding only those sums: no per-visitor row leaves the store.
User values (site, experiment name, goal patterns, times) enter as sqlglot literals.
:func:`analyze_experiment` runs the same tests as ``pilotage ab analyze FILE``: relative
lift by Welch's t-test, Gaussian Bayesian chance to win, SRM check and Holm decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Literal

import numpy as np
import sqlglot
from sqlglot import exp

from pilotage.analytics import Goal, Period, TimeRange, resolve
from pilotage.analytics import sql as analytics_sql
from pilotage.analytics.fetch import Backend, fetch_rows
from pilotage.analytics.goals import goal_condition, prop_value
from pilotage.errors import InvalidInput, NotFound
from pilotage.experiments.bayesian import BayesResult, gaussian_bayes
from pilotage.experiments.decision import Decision, decide, error_warnings
from pilotage.experiments.frequentist import TestResult, welch_test
from pilotage.experiments.srm import SrmResult, srm_check
from pilotage.experiments.stats import MeanStats, ProportionStats

PAGEVIEWS_METRIC = "pageviews per visitor"


@dataclass(frozen=True)
class MetricData:
    """One metric's sufficient statistics, one element per variant (control first)."""

    name: str
    kind: Literal["conversion", "mean"]
    stats: ProportionStats | MeanStats


@dataclass(frozen=True)
class ExperimentData:
    site: str
    experiment: str
    variants: tuple[str, ...]  # control first
    visitors: tuple[int, ...]  # exposed visitors per variant, mixed ones left out
    mixed: int  # visitors seen in more than one variant
    metrics: tuple[MetricData, ...]
    date_range: tuple[str, str]

    def metric(self, name: str) -> MetricData:
        for m in self.metrics:
            if m.name == name:
                return m
        known = ", ".join(m.name for m in self.metrics)
        raise NotFound(f"no metric {name!r} (known: {known})", field="metric")


@dataclass(frozen=True)
class MetricAnalysis:
    """Tests of ``variants[1:]`` against ``variants[0]``: element ``i`` is variant ``i+1``."""

    metric: str
    variants: tuple[str, ...]
    test: TestResult  # relative lift, Welch
    bayes: BayesResult  # relative lift, Gaussian model, flat prior
    srm: SrmResult
    decision: Decision


def revenue_metric(goal: Goal) -> str:
    return f"{goal.name}: revenue per visitor"


# The shape of the statement; {columns} hold only names we generate (g0, c0, r0...), every
# user value is a placeholder replaced by a sqlglot literal or a goal condition tree. No
# alias repeats a column name of its own SELECT: ClickHouse would let it shadow the column.
_TEMPLATE = """
WITH e AS (
  SELECT visitor_id, ts, name = 'pageview' AS pv, revenue_amount, revenue_currency,
    :variant_value AS variant{flags}
  FROM events
  WHERE site = :site AND ts >= :start AND ts < :end AND NOT is_bot
), x AS (
  SELECT visitor_id, MIN(variant) AS arm, COUNT(DISTINCT variant) AS arms,
    MIN(ts) AS since
  FROM e WHERE variant <> '' GROUP BY visitor_id
), v AS (
  SELECT CASE WHEN x.arms > 1 THEN NULL ELSE x.arm END AS variant,
    SUM(CASE WHEN e.pv AND e.ts >= x.since THEN 1 ELSE 0 END) AS pageviews{per_visitor}
  FROM x JOIN e ON e.visitor_id = x.visitor_id
  GROUP BY x.visitor_id, x.arm, x.arms
)
SELECT variant, COUNT(*) AS n, SUM(pageviews) AS pv_sum,
  SUM(pageviews * pageviews) AS pv_squares{sums}
FROM v GROUP BY variant
"""


def _goal_columns(goals: Sequence[Goal]) -> tuple[str, str, str]:
    flags, per_visitor, sums = [], [], []
    for i, goal in enumerate(goals):
        after = f"e.g{i} AND e.ts >= x.since"
        flags.append(f", :goal{i} AS g{i}")
        per_visitor.append(f", MAX(CASE WHEN {after} THEN 1 ELSE 0 END) AS c{i}")
        sums.append(f", SUM(c{i}) AS c{i}_sum")
        if goal.currency is not None:
            amount = "COALESCE(e.revenue_amount, 0)"
            cond = f"{after} AND e.revenue_currency = :currency{i}"
            per_visitor.append(f", SUM(CASE WHEN {cond} THEN {amount} ELSE 0 END) AS r{i}")
            sums.append(
                f", SUM(r{i}) AS r{i}_sum,"
                f" SUM(CAST(r{i} AS DOUBLE) * CAST(r{i} AS DOUBLE)) AS r{i}_squares"
            )
    return "".join(flags), "".join(per_visitor), "".join(sums)


def experiment_statement(
    site: str, experiment: str, goals: Sequence[Goal], rng: TimeRange
) -> exp.Expr:
    """``SELECT variant, n, pv_sum, pv_squares, c0_sum[, r0_sum, r0_squares]...``."""
    flags, per_visitor, sums = _goal_columns(goals)
    text = _TEMPLATE.format(flags=flags, per_visitor=per_visitor, sums=sums)
    values: dict[str, exp.Expr] = {
        "variant_value": prop_value(experiment),
        "site": exp.Literal.string(site),
        "start": exp.Literal.string(rng.start.isoformat(sep=" ")),
        "end": exp.Literal.string(rng.end.isoformat(sep=" ")),
    }
    for i, goal in enumerate(goals):
        values[f"goal{i}"] = goal_condition(goal)
        if goal.currency is not None:
            values[f"currency{i}"] = exp.Literal.string(goal.currency)
    return exp.replace_placeholders(sqlglot.parse_one(text, read="duckdb"), **values)


def _period(
    backend: Backend, site: str, period: Period, timezone: str, now: datetime | None
) -> TimeRange:
    first = None
    if period == "all":
        text = analytics_sql.generate(analytics_sql.first_day_statement(site), backend.dialect)
        rows = fetch_rows(backend, text)
        if rows and isinstance(rows[0][0], datetime):
            first = resolve("day", timezone, rows[0][0]).first
    return resolve(period, timezone, now, first)


def control_order(variants: Sequence[str]) -> tuple[str, ...]:
    """The control first (``control``, else ``A``, case-insensitive, else the first by
    name), then the others by name."""
    ordered = sorted(variants)
    for wanted in ("control", "a"):
        hits = [v for v in ordered if v.casefold() == wanted]
        if hits:
            ordered.remove(hits[0])
            return (hits[0], *ordered)
    return tuple(ordered)


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def _metrics(goals: Sequence[Goal], rows: list[tuple[object, ...]]) -> tuple[MetricData, ...]:
    columns = list(zip(*rows, strict=True))

    def col(k: int) -> list[float]:
        return [_number(v) for v in columns[k]]

    n = col(1)
    out = [MetricData(PAGEVIEWS_METRIC, "mean", MeanStats(n, col(2), col(3)))]
    k = 4
    for goal in goals:
        out.append(MetricData(goal.name, "conversion", ProportionStats(n, col(k))))
        k += 1
        if goal.currency is not None:
            stats = MeanStats(n, col(k), col(k + 1))
            out.append(MetricData(revenue_metric(goal), "mean", stats))
            k += 2
    return tuple(out)


def experiment_stats(
    backend: Backend,
    site: str,
    experiment: str,
    *,
    goals: Sequence[Goal] = (),
    period: Period = "30d",
    timezone: str = "UTC",
    now: datetime | None = None,
) -> ExperimentData:
    """Per-variant sufficient statistics of ``experiment`` (a property key) on ``site``.

    NotFound (field ``experiment``) when no event of the period carries the property;
    InvalidInput when fewer than two variants have unmixed visitors.
    """
    if not experiment:
        raise InvalidInput("an experiment needs a name (its property key)", field="experiment")
    names = [g.name for g in goals]
    if len(set(names)) != len(names):
        raise InvalidInput(f"goals are repeated: {', '.join(names)}", field="goal")
    rng = _period(backend, site, period, timezone, now)
    tree = experiment_statement(site, experiment, goals, rng)
    rows = fetch_rows(backend, analytics_sql.generate(tree, backend.dialect))
    dates = (rng.first.isoformat(), rng.last.isoformat())
    if not rows:
        raise NotFound(
            f"no event of {site} carries the property {experiment!r} in {dates[0]}..{dates[1]}",
            field="experiment",
        )
    mixed = sum(int(_number(r[1])) for r in rows if r[0] is None)
    by_variant = {str(r[0]): r for r in rows if r[0] is not None}
    if len(by_variant) < 2:
        raise InvalidInput(
            f"experiment {experiment!r} has {len(by_variant)} variant(s) with visitors "
            f"({', '.join(by_variant) or 'none'}) and {mixed} mixed visitor(s); "
            "it needs at least two",
            field="experiment",
        )
    variants = control_order(list(by_variant))
    ordered = [by_variant[v] for v in variants]
    return ExperimentData(
        site=site,
        experiment=experiment,
        variants=variants,
        visitors=tuple(int(_number(r[1])) for r in ordered),
        mixed=mixed,
        metrics=_metrics(goals, ordered),
        date_range=dates,
    )


def _take(stats: ProportionStats | MeanStats, index: list[int]) -> ProportionStats | MeanStats:
    if isinstance(stats, ProportionStats):
        return ProportionStats(stats.n[index], stats.conversions[index])
    return MeanStats(stats.n[index], stats.sum[index], stats.sum_squares[index])


def mixed_warning(mixed: int) -> str:
    return f"{mixed} visitor(s) saw more than one variant and are left out"


def _analyze(data: ExperimentData, metric: MetricData, alpha: float) -> MetricAnalysis:
    """Every treatment against the control, as ``pilotage ab analyze`` does for a CSV."""
    treatments = list(range(1, len(data.variants)))
    a = _take(metric.stats, [0] * len(treatments))
    b = _take(metric.stats, treatments)
    test = welch_test(a, b, relative=True, alpha=alpha)
    bayes = gaussian_bayes(a, b, relative=True, alpha=alpha)
    srm = srm_check(np.asarray(data.visitors, dtype=np.float64))
    decision = decide(data.variants, test.p_value, test.effect, alpha=alpha, srm=srm)
    failed = error_warnings(data.variants[1:], test.error)
    if failed:
        decision = replace(decision, warnings=(*decision.warnings, *failed))
    if data.mixed:
        decision = replace(decision, warnings=(*decision.warnings, mixed_warning(data.mixed)))
    return MetricAnalysis(metric.name, data.variants, test, bayes, srm, decision)


def analyze_experiment(data: ExperimentData, *, alpha: float = 0.05) -> tuple[MetricAnalysis, ...]:
    """One :class:`MetricAnalysis` per metric of ``data``, in its order."""
    return tuple(_analyze(data, m, alpha) for m in data.metrics)
