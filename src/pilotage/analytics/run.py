"""Stage 5: run a plan's statements on a backend and merge their rows into a ``Result``.

A ``Backend`` (``fetch.py``) is anything with a ``dialect`` ("duckdb" or "clickhouse")
and a ``fetch(sql)`` returning rows (tuples) or a pyarrow table. ``DuckDBBackend`` wraps
a DuckDB connection; a ClickHouse client can be wrapped the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pilotage.analytics import periods, sql, topn
from pilotage.analytics.conditions import TIME_FORMATS
from pilotage.analytics.fetch import Backend, fetch_rows
from pilotage.analytics.optimise import optimise
from pilotage.analytics.parse import plan_to_dict
from pilotage.analytics.query import Part, Plan, Query
from pilotage.analytics.result import Result, Row, change, metric_value
from pilotage.analytics.revenue import Rates, convert
from pilotage.analytics.validate import build

Key = tuple[str, ...]
NONE_LABEL = "(none)"


__all__ = ["Backend", "DuckDBBackend", "fetch_rows", "run_plan", "run_query"]


class DuckDBBackend:
    dialect = "duckdb"

    def __init__(self, con: Any) -> None:
        self.con = con

    def fetch(self, sql: str, params: Sequence[object] | None = None) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self.con.execute(sql, list(params or [])).fetchall()
        return rows


@dataclass
class Fetched:
    """The rows of all parts of a plan for one time range, keyed by dimension values."""

    keys: dict[Key, None] = field(default_factory=dict)
    stats: dict[Key, dict[str, object]] = field(default_factory=dict)
    lookup: dict[Key, dict[str, object]] = field(default_factory=dict)
    base: dict[Key, dict[str, object]] = field(default_factory=dict)
    revenue: dict[Key, list[tuple[str, date | None, Decimal, int]]] = field(default_factory=dict)


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _label(value: object, dim: str) -> str:
    if dim.startswith("time:") and isinstance(value, date):  # datetime is a date too
        return value.strftime(TIME_FORMATS[dim.split(":", 1)[1]])
    text = "" if value is None else str(value)
    return text if text else NONE_LABEL


def _fetch_part(
    backend: Backend, plan: Plan, part: Part, rng: periods.TimeRange, out: Fetched
) -> None:
    st = sql.statement(plan, part, rng)
    text = sql.generate(st.tree, backend.dialect)
    if topn.applies(plan, part):
        got = topn.fetch_top(backend, plan, part, rng, text)
    else:
        got = fetch_rows(backend, text)
    for row in got:
        key = tuple(_label(v, d) for v, d in zip(row, part.dimensions, strict=False))
        extras = row[st.dimensions : st.dimensions + st.extras]
        stats = dict(zip(st.stats, row[st.dimensions + st.extras :], strict=True))
        if part.role == "revenue":
            day = _day(extras[1]) if len(extras) > 1 else None
            amount = Decimal(str(stats["revenue_sum"] or 0))
            count = int(stats["revenue_count"] or 0)  # type: ignore[call-overload]
            out.revenue.setdefault(key, []).append((str(extras[0] or ""), day, amount, count))
            out.keys.setdefault(key)
            continue
        target = {"lookup": out.lookup, "base": out.base}.get(part.role, out.stats)
        target.setdefault(key, {}).update(stats)
        if part.role in ("main", "bots"):
            out.keys.setdefault(key)


def fetch_plan(backend: Backend, plan: Plan, rng: periods.TimeRange) -> Fetched:
    out = Fetched()
    for part in plan.parts:
        _fetch_part(backend, plan, part, rng, out)
    return out


def _row_stats(plan: Plan, fetched: Fetched, key: Key) -> dict[str, object]:
    stats = dict(fetched.stats.get(key, {}))
    stats.update(fetched.lookup.get(key, {}))
    base_key = tuple(v for d, v in zip(plan.dimensions, key, strict=True) if d != "goal")
    stats.update(fetched.base.get(base_key, {}))
    return stats


def metric_rows(plan: Plan, fetched: Fetched, warnings: list[str]) -> dict[Key, tuple[Any, ...]]:
    rates = plan.query.rates or (Rates(plan.currency) if plan.currency else None)
    rows: dict[Key, tuple[Any, ...]] = {}
    keys = list(fetched.keys)
    if not plan.dimensions and not keys:
        keys = [()]
    for key in keys:
        revenue = None
        if rates is not None:
            sums = fetched.revenue.get(key, [])
            total, missing = convert([(c, d, a) for c, d, a, _ in sums], rates)
            orders = sum(n for c, _, _, n in sums if (c or NONE_LABEL) not in missing)
            revenue = (total, orders)
            warnings.extend(
                f"revenue: no rate from {cur} to {rates.currency}; left out"
                for cur in sorted(missing)
            )
        stats = _row_stats(plan, fetched, key)
        rows[key] = tuple(metric_value(m, stats, revenue) for m in plan.metrics)
    return rows


def _fill_time(plan: Plan, rows: dict[Key, tuple[Any, ...]], labels: tuple[str, ...]) -> None:
    empty = tuple(metric_value(m, {}, None) for m in plan.metrics)
    for label in labels:
        rows.setdefault((label,), empty)


def _sort_value(value: object) -> tuple[int, Any]:
    return (0, 0) if value is None else (1, value)


def order_rows(plan: Plan, rows: list[Row]) -> list[Row]:
    ordered = sorted(rows, key=lambda r: r.dimensions)
    for key, direction in reversed(plan.order_by):
        if key in plan.dimensions:
            i = plan.dimensions.index(key)
            ordered.sort(key=lambda r: r.dimensions[i], reverse=direction == "desc")
        else:
            j = plan.metrics.index(key)
            ordered.sort(key=lambda r: _sort_value(r.metrics[j]), reverse=direction == "desc")
    return ordered


def _page(plan: Plan, rows: list[Row]) -> list[Row]:
    if plan.push_down:
        return rows
    q = plan.query
    end = None if q.limit is None else q.offset + q.limit
    return rows[q.offset : end]


def _aligner(plan: Plan) -> dict[str, str]:
    """Current time bucket -> bucket of the comparison range at the same position."""
    t, comparison = plan.time_dimension, plan.comparison
    if t is None or comparison is None:
        return {}
    granularity = t.split(":", 1)[1]  # type: ignore[assignment]
    now = periods.bucket_labels(plan.range, granularity)  # type: ignore[arg-type]
    then = periods.bucket_labels(comparison, granularity)  # type: ignore[arg-type]
    return dict(zip(now, then, strict=False))


def _compare(
    backend: Backend, plan: Plan, rows: dict[Key, tuple[Any, ...]], warnings: list[str]
) -> list[Row]:
    if plan.comparison is None:
        return [Row(k, v) for k, v in rows.items()]
    unpaged = replace(plan, push_down=False)  # compared rows may be outside the top N
    then = metric_rows(unpaged, fetch_plan(backend, unpaged, plan.comparison), warnings)
    empty = tuple(metric_value(m, {}, None) for m in plan.metrics)
    align = _aligner(plan)
    t = plan.dimensions.index(plan.time_dimension) if plan.time_dimension else -1
    out = []
    for key, now_values in rows.items():
        ckey = key
        if t >= 0:
            ckey = (*key[:t], align.get(key[t], ""), *key[t + 1 :])
        old = then.get(ckey, empty)
        diff = tuple(change(m, n, o) for m, n, o in zip(plan.metrics, now_values, old, strict=True))
        out.append(Row(key, now_values, old, ckey, diff))
    return out


def _totals(backend: Backend, plan: Plan) -> Row | None:
    if not plan.query.totals or not plan.dimensions or "goal" in plan.dimensions:
        return None
    query = replace(plan.query, time_labels=False, limit=None, offset=0)
    bare = replace(plan, query=query, dimensions=(), order_by=(), parts=(), push_down=False)
    result = run_plan(backend, optimise(bare))
    return result.rows[0] if result.rows else None


def run_plan(backend: Backend, plan: Plan) -> Result:
    """Fetch, compute, compare, order and page: the result of an optimised plan."""
    warnings: list[str] = []
    rows = metric_rows(plan, fetch_plan(backend, plan, plan.range), warnings)
    labels = None
    if plan.time_dimension is not None:
        granularity = plan.time_dimension.split(":", 1)[1]
        labels = periods.bucket_labels(plan.range, granularity)  # type: ignore[arg-type]
        if plan.query.time_labels and plan.dimensions == (plan.time_dimension,):
            _fill_time(plan, rows, labels)
    ordered = _page(plan, order_rows(plan, _compare(backend, plan, rows, warnings)))
    cmp = plan.comparison
    return Result(
        metrics=plan.metrics,
        dimensions=plan.dimensions,
        rows=tuple(ordered),
        totals=_totals(backend, plan),
        date_range=(plan.range.first.isoformat(), plan.range.last.isoformat()),
        comparison_range=(cmp.first.isoformat(), cmp.last.isoformat()) if cmp else None,
        currency=plan.currency,
        warnings=tuple(dict.fromkeys(warnings)),
        time_labels=labels if plan.query.time_labels else None,
        query=plan_to_dict(plan),
    )


def first_day(backend: Backend, query: Query) -> date | None:
    """The site's first local day with data (for the ``all`` period)."""
    text = sql.generate(sql.first_day_statement(query.site), backend.dialect)
    rows = fetch_rows(backend, text)
    value = rows[0][0] if rows else None
    if not isinstance(value, datetime):
        return None
    return periods.today(value, query.timezone)


def run_query(backend: Backend, query: Query, *, now: datetime | None = None) -> Result:
    """Parse-free entry point: validate, optimise, run and format ``query``."""
    first = first_day(backend, query) if query.period == "all" else None
    return run_plan(backend, optimise(build(query, now, first)))
