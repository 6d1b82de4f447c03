"""A ``Query`` from command-line strings, with a small filter grammar.

    expr   := item (";" item)*                  items are AND-ed
    item   := "not(" expr ")"                   negation
            | "any(" expr ")"                   items inside are OR-ed
            | "i(" cond ")"                     case-insensitive condition
            | cond
    cond   := DIMENSION OP VALUE ("|" VALUE)*   values are OR-ed
    OP     := "==" is | "!=" is_not | "~=" contains | "!~=" contains_not
            | "=~" matches | "!=~" matches_not  (regex: the whole rest is one RE2 pattern)

A ``==`` / ``!=`` value containing ``*`` is a page pattern (``*`` within a segment,
``**`` across), as in goals: ``page==/blog/**``.
Examples: ``country==FR|DE``,
``source!=Google``, ``not(page~=blog);device==Mobile``, ``any(source==Bing;utm_source==bing)``.
Values cannot contain ``;`` or ``|`` (the JSON form can); parentheses must balance.
"""

from __future__ import annotations

import re
from typing import cast

from pilotage.analytics.filters import And, Filter, FilterExpr, Not, Op, Or
from pilotage.analytics.goals import Goal, pattern_to_regex
from pilotage.analytics.parse import COMPARISONS, METRIC_ALIASES, dimension_name, parse_period
from pilotage.analytics.query import Comparison, Direction, Query
from pilotage.analytics.revenue import Rates
from pilotage.errors import InvalidInput

CLI_OPS: dict[str, Op] = {
    "!=~": "matches_not",
    "!~=": "contains_not",
    "==": "is",
    "!=": "is_not",
    "~=": "contains",
    "=~": "matches",
}
_COND = re.compile(r"^\s*([^=!~;|()\s]+?)\s*(!=~|!~=|==|!=|~=|=~)(.*)$", re.S)


def _split(text: str) -> list[str]:
    """Split on ``;`` outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise InvalidInput(f"unbalanced ')' in filter {text!r}", field="filters")
        if char == ";" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if depth:
        raise InvalidInput(f"unbalanced '(' in filter {text!r}", field="filters")
    return [*parts, current]


def _condition(text: str, sensitive: bool = True) -> Filter:
    match = _COND.match(text)
    if not match or not match.group(3).strip():
        raise InvalidInput(f"cannot read filter {text.strip()!r}", field="filters")
    dim, op, rest = match.group(1), CLI_OPS[match.group(2)], match.group(3).strip()
    values = (rest,) if op.startswith("matches") else tuple(v.strip() for v in rest.split("|"))
    if not all(values):
        raise InvalidInput(f"empty value in filter {text.strip()!r}", field="filters")
    if op in ("is", "is_not") and any("*" in v for v in values):
        op = "matches" if op == "is" else "matches_not"
        values = tuple(pattern_to_regex(v) for v in values)
    return Filter(op, dimension_name(dim), values, sensitive)


def _item(text: str) -> FilterExpr:
    stripped = text.strip()
    for prefix in ("not(", "any(", "i("):
        if stripped.startswith(prefix) and stripped.endswith(")"):
            inner = stripped[len(prefix) : -1]
            if prefix == "i(":
                return _condition(inner, sensitive=False)
            items = parse_filter_text(inner)
            if prefix == "any(":
                return Or(items)
            return Not(items[0] if len(items) == 1 else And(items))
    return _condition(stripped)


def parse_filter_text(text: str) -> tuple[FilterExpr, ...]:
    """The AND-ed filters of a CLI filter expression ('' gives none)."""
    if not text.strip():
        return ()
    return tuple(_item(part) for part in _split(text) if part.strip())


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def _order(text: str) -> tuple[tuple[str, Direction], ...]:
    out: list[tuple[str, Direction]] = []
    for entry in _names(text):
        key, _, direction = entry.partition(":")
        if direction not in ("", "asc", "desc"):
            raise InvalidInput(f"order direction {direction!r} is not asc or desc", field="order")
        name = METRIC_ALIASES.get(key, dimension_name(key))
        out.append((name, cast(Direction, direction or "desc")))
    return tuple(out)


def parse_cli(
    site: str,
    *,
    metrics: str = "visitors",
    by: str = "",
    filters: str = "",
    period: str = "30d",
    timezone: str = "UTC",
    compare: str = "",
    order: str = "",
    limit: int | None = None,
    offset: int = 0,
    include_bots: bool = False,
    time_labels: bool = False,
    goals: tuple[Goal, ...] = (),
    rates: Rates | None = None,
) -> Query:
    """A ``Query`` from CLI-ish strings: ``metrics="visitors,pageviews"``, ``by="source"``,
    ``period="7d"`` or ``"2024-01-01..2024-01-31"``, ``compare="prev"|"yoy"``,
    ``order="visitors:desc"``."""
    if compare and compare not in COMPARISONS:
        raise InvalidInput(f"unknown comparison {compare!r}; use prev or yoy", field="compare")
    return Query(
        site=site,
        metrics=tuple(METRIC_ALIASES.get(m, m) for m in _names(metrics)),
        period=parse_period(period, "period"),
        dimensions=tuple(dimension_name(d) for d in _names(by)),
        filters=parse_filter_text(filters),
        timezone=timezone,
        comparison=cast(Comparison, COMPARISONS[compare]) if compare else None,
        order_by=_order(order),
        limit=limit,
        offset=offset,
        include_bots=include_bots,
        goals=goals,
        rates=rates,
        time_labels=time_labels,
    )
