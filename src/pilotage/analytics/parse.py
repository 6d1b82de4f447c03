"""Stage 1: a ``Query`` from a Stats-API-v2-like JSON dict, or from CLI strings.

The JSON shape mirrors Plausible's ``POST /api/v2/query`` (``site_id``, ``metrics``,
``date_range``, ``dimensions``, ``filters``, ``order_by``, ``include``,
``pagination``); Plausible's names (``event:page``, ``visit:source``,
``event:props:plan``, ``average_revenue``) are accepted beside ours. The CLI filter
grammar is documented in docs/metrics.md ("Filter expressions on the command line").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from pilotage.analytics.filters import OPS, And, Filter, FilterExpr, Not, Or
from pilotage.analytics.goals import Goal
from pilotage.analytics.periods import Period
from pilotage.analytics.query import Comparison, Direction, Plan, Query
from pilotage.analytics.revenue import Rates
from pilotage.errors import InvalidInput

PLAUSIBLE_DIMENSIONS = {
    "event:page": "page",
    "event:hostname": "hostname",
    "event:name": "event_name",
    "event:goal": "goal",
    "visit:source": "source",
    "visit:country_name": "country",
}
METRIC_ALIASES = {"average_revenue": "average_order_value"}
COMPARISONS = {
    "previous_period": "previous_period",
    "prev": "previous_period",
    "year_over_year": "year_over_year",
    "yoy": "year_over_year",
}
KNOWN_KEYS = frozenset(
    {
        "site_id",
        "site",
        "metrics",
        "date_range",
        "dimensions",
        "filters",
        "order_by",
        "include",
        "pagination",
        "timezone",
        "include_bots",
    }
)


def dimension_name(name: str) -> str:
    """Our name for a dimension given in Plausible's or our spelling."""
    if name in PLAUSIBLE_DIMENSIONS:
        return PLAUSIBLE_DIMENSIONS[name]
    if name.startswith("event:props:"):
        return "prop:" + name.removeprefix("event:props:")
    if name.startswith("visit:"):
        return name.removeprefix("visit:")
    return name


def _str_list(value: object, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{field} must be a list of strings, got {value!r}", field=field)
    return cast(list[str], value)


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError as err:
        raise InvalidInput(f"{text!r} is not an ISO date", field=field) from err


def parse_period(value: object, field: str = "date_range") -> Period:
    if isinstance(value, str):
        if ".." in value:
            first, last = value.split("..", 1)
            return (_date(first, field), _date(last, field))
        return value
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, str) for v in value)
    ):
        return (_date(value[0], field), _date(value[1], field))
    raise InvalidInput(f"invalid date range {value!r}", field=field)


def parse_filter(value: object) -> FilterExpr:
    """One filter in Plausible's JSON form: ``[op, dim, [values], {case_sensitive}?]``,
    ``["and"|"or", [filters]]`` or ``["not", filter]``."""
    if not isinstance(value, list) or not value or not isinstance(value[0], str):
        raise InvalidInput(f"invalid filter {value!r}", field="filters")
    head = value[0]
    if head in ("and", "or") and len(value) == 2 and isinstance(value[1], list):
        items = tuple(parse_filter(v) for v in value[1])
        return And(items) if head == "and" else Or(items)
    if head == "not" and len(value) == 2:
        return Not(parse_filter(value[1]))
    if head not in OPS or len(value) not in (3, 4) or not isinstance(value[1], str):
        raise InvalidInput(f"invalid filter {value!r}", field="filters")
    values = _str_list(value[2], "filters")
    options = value[3] if len(value) == 4 else {}
    if not isinstance(options, dict):
        raise InvalidInput(f"invalid filter options {options!r}", field="filters")
    sensitive = bool(options.get("case_sensitive", True))
    return Filter(head, dimension_name(value[1]), tuple(values), sensitive)


def _order_by(value: object) -> tuple[tuple[str, Direction], ...]:
    if not isinstance(value, list):
        raise InvalidInput(f"invalid order_by {value!r}", field="order_by")
    out: list[tuple[str, Direction]] = []
    for entry in value:
        if not (isinstance(entry, list) and len(entry) == 2 and entry[1] in ("asc", "desc")):
            raise InvalidInput(f"invalid order_by entry {entry!r}", field="order_by")
        key = METRIC_ALIASES.get(entry[0], dimension_name(str(entry[0])))
        out.append((key, cast(Direction, entry[1])))
    return tuple(out)


def _mapping(data: Mapping[str, object], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{key} must be an object", field=key)
    return value


def _int(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{field} must be an integer, got {value!r}", field=field)
    return value


def _comparison(include: Mapping[str, Any]) -> Comparison | None:
    spec = include.get("comparisons")
    if spec is None:
        return None
    mode = spec.get("mode") if isinstance(spec, Mapping) else spec
    if mode not in COMPARISONS:
        raise InvalidInput(f"unknown comparison {mode!r}", field="include.comparisons")
    return cast(Comparison, COMPARISONS[mode])


def parse_query(
    data: Mapping[str, object], *, goals: tuple[Goal, ...] = (), rates: Rates | None = None
) -> Query:
    """A ``Query`` from a JSON object; the goals and rates come from app state."""
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise InvalidInput(f"unknown query field {unknown[0]!r}", field=unknown[0])
    site = data.get("site_id", data.get("site"))
    if not isinstance(site, str) or not site:
        raise InvalidInput("site_id must be a non-empty string", field="site_id")
    include, pagination = _mapping(data, "include"), _mapping(data, "pagination")
    filters = data.get("filters", [])
    if not isinstance(filters, list):
        raise InvalidInput("filters must be a list", field="filters")
    timezone = data.get("timezone", "UTC")
    if not isinstance(timezone, str):
        raise InvalidInput("timezone must be a string", field="timezone")
    limit = pagination.get("limit")
    return Query(
        site=site,
        metrics=tuple(METRIC_ALIASES.get(m, m) for m in _str_list(data.get("metrics"), "metrics")),
        period=parse_period(data.get("date_range", "30d")),
        dimensions=tuple(
            dimension_name(d) for d in _str_list(data.get("dimensions", []), "dimensions")
        ),
        filters=tuple(parse_filter(f) for f in filters),
        timezone=timezone,
        comparison=_comparison(include),
        order_by=_order_by(data.get("order_by", [])),
        limit=None if limit is None else _int(limit, "pagination.limit"),
        offset=_int(pagination.get("offset", 0), "pagination.offset"),
        include_bots=bool(data.get("include_bots", False)),
        goals=goals,
        rates=rates,
        time_labels=bool(include.get("time_labels", False)),
        totals=bool(include.get("totals", True)),
    )


def filter_to_json(expr: FilterExpr) -> list[object]:
    if isinstance(expr, Filter):
        body: list[object] = [expr.op, expr.dimension, list(expr.values)]
        return body if expr.case_sensitive else [*body, {"case_sensitive": False}]
    if isinstance(expr, Not):
        return ["not", filter_to_json(expr.item)]
    return ["and" if isinstance(expr, And) else "or", [filter_to_json(i) for i in expr.items]]


def plan_to_dict(plan: Plan) -> dict[str, object]:
    """The normalised query echoed in a result (Plausible's ``query`` member)."""
    q = plan.query
    return {
        "site_id": q.site,
        "metrics": list(plan.metrics),
        "dimensions": list(plan.dimensions),
        "filters": [filter_to_json(f) for f in plan.filters],
        "order_by": [[k, d] for k, d in plan.order_by],
        "timezone": q.timezone,
        "include_bots": q.include_bots,
        "pagination": {"limit": q.limit, "offset": q.offset},
    }
