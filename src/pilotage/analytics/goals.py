"""Goals: what counts as a conversion, and the SQL condition that matches it.

A page goal matches pageviews whose pathname fits ``page_pattern``; as in Plausible
(docs "Pageview goals"), ``*`` matches any characters within one path segment and
``**`` matches across segments (``/blog/*`` matches ``/blog/a`` but not
``/blog/a/b``; ``/blog/**`` matches both). An event goal matches custom events named
``event_name`` whose properties contain every pair of ``props``. A goal with a
``currency`` is a revenue goal: the revenue of its events is summed by the revenue
metrics.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from sqlglot import exp

from pilotage.errors import InvalidInput


@dataclass(frozen=True)
class Goal:
    name: str
    kind: Literal["page", "event"]
    page_pattern: str = ""
    event_name: str = ""
    props: Mapping[str, str] = field(default_factory=dict)
    currency: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidInput("a goal needs a name", field="goal.name")
        if self.kind == "page" and not self.page_pattern.startswith("/"):
            raise InvalidInput(
                f"goal {self.name!r}: page pattern {self.page_pattern!r} must start with /",
                field="goal.page_pattern",
            )
        if self.kind == "event" and not self.event_name:
            raise InvalidInput(f"goal {self.name!r} needs an event name", field="goal.event_name")
        if self.kind not in ("page", "event"):
            raise InvalidInput(f"goal kind {self.kind!r} is not page or event", field="goal.kind")

    def __hash__(self) -> int:
        return hash((self.name, self.kind, self.page_pattern, self.event_name))


def pattern_to_regex(pattern: str) -> str:
    """An anchored RE2 regex for a Plausible-style page pattern."""
    parts = re.split(r"(\*\*|\*)", pattern)
    out = []
    for part in parts:
        if part == "**":
            out.append(".*")
        elif part == "*":
            out.append("[^/]*")
        else:
            out.append(re.escape(part))
    return "^" + "".join(out) + "$"


def prop_value(key: str) -> exp.Expr:
    """A custom property's value, '' when absent (DuckDB gives NULL, ClickHouse '')."""
    access = exp.Bracket(this=exp.column("props"), expressions=[exp.Literal.string(key)])
    return exp.Coalesce(this=access, expressions=[exp.Literal.string("")])


def page_match(pattern: str) -> exp.Expr:
    """``pathname`` fits ``pattern``, tested without a regex when none is needed.

    A pattern without ``*`` is an equality, ``/blog/**`` a prefix test and ``/p/*`` two
    LIKE tests (when the prefix holds no LIKE wildcard); all give the rows the anchored
    regex gives (RE2's ``.`` stops at a newline, hence the newline
    test) and cost far less: on 1.6M events a prefix regex takes 117 ms in DuckDB,
    ``starts_with`` 32 ms.
    """
    column, head = exp.column("pathname"), pattern.removesuffix("**")
    if "*" not in pattern:
        return column.eq(exp.Literal.string(pattern))
    segment = pattern[:-1]
    if pattern.endswith("*") and "*" not in segment and not set(segment) & set("%_\\"):
        # "/p/*": under /p/, without a further "/" (``[^/]*`` takes newlines too). Two
        # LIKEs cost half the regex (DuckDB, 1M events: 45 against 86 ms).
        under = exp.Like(this=column, expression=exp.Literal.string(segment + "%"))
        deeper = exp.Like(this=column.copy(), expression=exp.Literal.string(segment + "%/%"))
        return exp.and_(under, exp.not_(deeper), copy=False)
    if "*" not in head and "\n" not in head:
        no_newline = exp.StrPosition(this=column.copy(), substr=exp.Literal.string("\n")).eq(
            exp.Literal.number(0)
        )
        starts = exp.StartsWith(this=column, expression=exp.Literal.string(head))
        return exp.and_(starts, no_newline, copy=False)
    regex = exp.Literal.string(pattern_to_regex(pattern))
    return exp.RegexpLike(this=column, expression=regex)


def goal_condition(goal: Goal) -> exp.Expr:
    """The condition an event row must meet to complete ``goal``."""
    if goal.kind == "page":
        is_pageview = exp.column("name").eq(exp.Literal.string("pageview"))
        return exp.and_(is_pageview, page_match(goal.page_pattern), copy=False)
    conds: list[exp.Expr] = [exp.column("name").eq(exp.Literal.string(goal.event_name))]
    for key, value in sorted(goal.props.items()):
        conds.append(prop_value(key).eq(exp.Literal.string(value)))
    return exp.and_(*conds, copy=False)


def find_goal(goals: tuple[Goal, ...], name: str, field: str) -> Goal:
    for goal in goals:
        if goal.name == name:
            return goal
    known = ", ".join(g.name for g in goals) or "none"
    raise InvalidInput(f"goal {name!r} is not defined (known goals: {known})", field=field)
