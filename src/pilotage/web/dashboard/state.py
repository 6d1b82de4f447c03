"""The dashboard's whole state lives in its URL, so any view can be bookmarked or shared.

``?period=30d&compare=prev&metric=visitors&f=source==Google&f=country==FR&sources=channel``

- ``period``: a named period (``day``, ``7d``, ``30d``, ``month``, ``12mo``...) or
  ``custom`` with ``from`` and ``to`` dates;
- ``compare``: ``prev`` (previous period) or ``yoy`` (year before), or nothing;
- ``metric``: the metric the chart shows;
- ``f``: one filter per parameter, ``DIMENSION OP VALUE`` with OP one of ``==``,
  ``!=``, ``~=`` (contains), ``!~=``; the value is everything after the operator, taken
  as it is (it comes from a clicked row: any character may be in it);
- one parameter per tabbed panel for the tab shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from pilotage.analytics import NAMED_PERIODS, Filter
from pilotage.analytics.parse import dimension_name
from pilotage.analytics.query import is_known_dimension
from pilotage.errors import InvalidInput

PERIODS = NAMED_PERIODS
CHART_METRICS = (
    "visitors",
    "visits",
    "pageviews",
    "views_per_visit",
    "bounce_rate",
    "visit_duration",
)
TABS: dict[str, tuple[str, ...]] = {
    "sources": ("channel", "source", "referrer", "utm_source", "utm_medium", "utm_campaign"),
    "pages": ("page", "entry_page", "exit_page"),
    "locations": ("country",),
    "devices": ("device", "browser", "os"),
}
FILTER_OPS: dict[str, Literal["is", "is_not", "contains", "contains_not"]] = {
    "!~=": "contains_not",
    "==": "is",
    "!=": "is_not",
    "~=": "contains",
}
OP_TEXT = {op: text for text, op in FILTER_OPS.items()}
_FILTER = re.compile(r"^([a-z_:]+[a-z0-9_]*?|prop:[^=!~]+?)(!~=|==|!=|~=)(.*)$", re.S)
MAX_FILTERS = 10
INTERVALS = ("hour", "day", "week", "month")


@dataclass(frozen=True)
class ChipFilter:
    dimension: str
    op: Literal["is", "is_not", "contains", "contains_not"]
    value: str

    @property
    def param(self) -> str:
        return f"{self.dimension}{OP_TEXT[self.op]}{self.value}"

    def to_filter(self) -> Filter:
        return Filter(self.op, self.dimension, (self.value,), True)


@dataclass(frozen=True)
class State:
    period: str = "30d"
    first: date | None = None
    last: date | None = None
    compare: str = ""
    metric: str = "visitors"
    filters: tuple[ChipFilter, ...] = ()
    tabs: tuple[tuple[str, str], ...] = ()
    prop: str = ""  # the custom property the properties panel shows
    interval: str = ""  # the chart's buckets: hour, day, week, month ("" = by period)

    def tab(self, panel: str) -> str:
        return dict(self.tabs).get(panel, TABS[panel][0])

    @property
    def query_period(self) -> str | tuple[date, date]:
        if self.period == "custom" and self.first and self.last:
            return (self.first, self.last)
        return self.period

    def params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.period != "30d":
            out.append(("period", self.period))
        if self.period == "custom" and self.first and self.last:
            out += [("from", self.first.isoformat()), ("to", self.last.isoformat())]
        if self.compare:
            out.append(("compare", self.compare))
        if self.metric != "visitors":
            out.append(("metric", self.metric))
        out += [("f", f.param) for f in self.filters]
        out += [(panel, tab) for panel, tab in self.tabs if tab != TABS[panel][0]]
        if self.prop:
            out.append(("prop", self.prop))
        if self.interval:
            out.append(("interval", self.interval))
        return out

    def url(self, base: str, **changes: object) -> str:
        state = replace(self, **changes) if changes else self  # type: ignore[arg-type]
        query = urlencode(state.params())
        return f"{base}?{query}" if query else base

    def with_filter(self, chip: ChipFilter) -> State:
        kept = tuple(f for f in self.filters if f.dimension != chip.dimension)
        return replace(self, filters=(*kept, chip))

    def without_filter(self, chip: ChipFilter) -> State:
        return replace(self, filters=tuple(f for f in self.filters if f != chip))

    def with_tab(self, panel: str, tab: str) -> State:
        tabs = dict(self.tabs)
        tabs[panel] = tab
        return replace(self, tabs=tuple(sorted(tabs.items())))


def parse_chip(text: str) -> ChipFilter:
    match = _FILTER.match(text)
    if not match or not match.group(3):
        raise InvalidInput(f"cannot read filter {text[:100]!r}", field="f")
    dimension = dimension_name(match.group(1))
    if not is_known_dimension(dimension) or dimension.startswith("time"):
        raise InvalidInput(f"unknown filter dimension {match.group(1)!r}", field="f")
    op = FILTER_OPS[match.group(2)]
    if dimension == "goal" and op not in ("is", "is_not"):
        raise InvalidInput("a goal filter is == or !=", field="f")
    return ChipFilter(dimension, op, match.group(3))


def _date(text: str | None, field: str) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise InvalidInput(f"{field} must be a date like 2026-01-31", field=field) from None


def parse_state(params: QueryParams) -> State:
    period = params.get("period", "30d")
    first = last = None
    if period == "custom":
        first, last = _date(params.get("from"), "from"), _date(params.get("to"), "to")
        if last < first:
            raise InvalidInput("the period ends before it starts", field="to")
    elif period not in PERIODS:
        raise InvalidInput(f"unknown period {period!r}", field="period")
    compare = params.get("compare", "")
    if compare not in ("", "prev", "yoy"):
        raise InvalidInput(f"unknown comparison {compare!r}", field="compare")
    metric = params.get("metric", "visitors")
    if metric not in CHART_METRICS:
        raise InvalidInput(f"unknown chart metric {metric!r}", field="metric")
    chips = tuple(parse_chip(v) for v in params.getlist("f"))
    if len(chips) > MAX_FILTERS:
        raise InvalidInput(f"at most {MAX_FILTERS} filters", field="f")
    tabs = []
    for panel, choices in TABS.items():
        tab = params.get(panel)
        if tab is not None:
            if tab not in choices:
                raise InvalidInput(f"unknown {panel} tab {tab!r}", field=panel)
            tabs.append((panel, tab))
    prop = params.get("prop", "")
    if len(prop) > 300:
        raise InvalidInput("property name too long", field="prop")
    interval = params.get("interval", "")
    if interval not in ("", *INTERVALS):
        raise InvalidInput(f"unknown interval {interval!r}", field="interval")
    return State(period, first, last, compare, metric, chips, tuple(sorted(tabs)), prop, interval)
