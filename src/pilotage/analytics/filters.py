"""Filter expressions of a query: conditions and their and / or / not combinators.

A condition mirrors a Plausible Stats API v2 filter ``[op, dimension, clauses]``: its
values are OR-ed for the positive operators (``is``, ``contains``, ``matches``) and
none may hold for the negative ones (``is_not``, ``contains_not``, ``matches_not``).
A query's top-level filters are AND-ed. Regular expressions follow RE2 syntax, which
both DuckDB (``regexp_matches``) and ClickHouse (``match``) implement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, TypeAlias

Op = Literal["is", "is_not", "contains", "contains_not", "matches", "matches_not"]
OPS: tuple[Op, ...] = ("is", "is_not", "contains", "contains_not", "matches", "matches_not")
NEGATIVE_OPS = frozenset({"is_not", "contains_not", "matches_not"})


@dataclass(frozen=True)
class Filter:
    """One condition: ``dimension op values``; case-insensitive when ``case_sensitive`` is off."""

    op: Op
    dimension: str
    values: tuple[str, ...]
    case_sensitive: bool = True


@dataclass(frozen=True)
class And:
    items: tuple[FilterExpr, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[FilterExpr, ...]


@dataclass(frozen=True)
class Not:
    item: FilterExpr


FilterExpr: TypeAlias = Filter | And | Or | Not


def conditions(expr: FilterExpr) -> Iterator[tuple[Filter, int]]:
    """Every condition of ``expr`` with its depth (0 = the expression itself)."""
    stack: list[tuple[FilterExpr, int]] = [(expr, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Filter):
            yield node, depth
        elif isinstance(node, Not):
            stack.append((node.item, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in node.items)


def dimensions_of(expr: FilterExpr) -> frozenset[str]:
    return frozenset(cond.dimension for cond, _ in conditions(expr))


def all_dimensions(filters: tuple[FilterExpr, ...]) -> frozenset[str]:
    found: set[str] = set()
    for expr in filters:
        found |= dimensions_of(expr)
    return frozenset(found)


def is_goal_filter(expr: FilterExpr) -> bool:
    return isinstance(expr, Filter) and expr.dimension == "goal"


def without_goals(filters: tuple[FilterExpr, ...]) -> tuple[FilterExpr, ...]:
    """The top-level filters that are not goal conditions (conversion-rate denominators)."""
    return tuple(f for f in filters if not is_goal_filter(f))


def toplevel(filters: tuple[FilterExpr, ...], dimension: str) -> tuple[Filter, ...]:
    return tuple(f for f in filters if isinstance(f, Filter) and f.dimension == dimension)
