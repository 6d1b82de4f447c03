"""Dashboard results shaped for the templates: cards, tables with filter links, chips.

Values stay raw here (numbers, strings from the store); templates format them for the
locale and escape them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pilotage.analytics import FunnelResult, Result
from pilotage.web.dashboard import labels
from pilotage.web.dashboard.labels import Gettext
from pilotage.web.dashboard.panels import HEADLINE, LOWER_IS_BETTER, Dashboard
from pilotage.web.dashboard.state import TABS, ChipFilter, State

# Dimensions whose rows cannot filter the dashboard.
NOT_FILTERABLE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Card:
    metric: str
    label: str
    value: Any
    change: float | None
    trend: str  # "good", "bad" or ""
    url: str
    active: bool


@dataclass(frozen=True)
class TableRow:
    label: str
    values: tuple[Any, ...]
    share: float  # % of the largest row, for the bar behind the label
    filter_url: str | None


@dataclass
class Table:
    key: str
    title: str
    dimension: str
    dimension_label: str
    columns: tuple[str, ...]
    metrics: tuple[str, ...]
    rows: list[TableRow] = field(default_factory=list)
    tabs: list[tuple[str, str, str, bool]] = field(default_factory=list)
    details_url: str = ""
    csv_url: str = ""
    currency: str | None = None


def _trend(metric: str, change: float | None) -> str:
    if not change:
        return ""
    better = change < 0 if metric in LOWER_IS_BETTER else change > 0
    return "good" if better else "bad"


def cards(board: Dashboard, base: str, names: dict[str, str]) -> list[Card]:
    result = board.headline
    totals = (
        result.totals if result.totals is not None else (result.rows[0] if result.rows else None)
    )
    out = []
    for i, metric in enumerate(HEADLINE):
        value = totals.metrics[i] if totals else None
        change = totals.change[i] if totals and totals.change else None
        url = board.state.url(base, metric=metric)
        active = board.state.metric == metric
        out.append(Card(metric, names[metric], value, change, _trend(metric, change), url, active))
    return out


def table(
    result: Result,
    state: State,
    base: str,
    _: Gettext,
    *,
    key: str,
    title: str,
) -> Table:
    dimension = result.dimensions[0]
    metric_names = labels.metrics(_)
    singular = labels.dimension_singular(_)
    top = max((float(r.metrics[0] or 0) for r in result.rows), default=0.0)
    view = Table(
        key=key,
        title=title,
        dimension=dimension,
        dimension_label=singular.get(dimension, dimension),
        columns=tuple(metric_names.get(m, m) for m in result.metrics),
        metrics=result.metrics,
        currency=result.currency,
    )
    for row in result.rows:
        label = row.dimensions[0]
        chip = ChipFilter(dimension, "is", label)
        can_filter = dimension not in NOT_FILTERABLE and label != ""
        view.rows.append(
            TableRow(
                label=label,
                values=row.metrics,
                share=round(float(row.metrics[0] or 0) / top * 100, 1) if top else 0.0,
                filter_url=state.with_filter(chip).url(base) if can_filter else None,
            )
        )
    tail = state.url("", **{}).lstrip("?")
    suffix = f"?{tail}" if tail else ""
    path = quote(dimension, safe=":")  # a property name may hold "/" or "?"
    view.details_url = f"{base}/details/{path}{suffix}"
    view.csv_url = f"{base}/export/{path}.csv{suffix}"
    if key == "props":
        view.dimension_label = _("Value")
    if key in TABS:
        names = labels.dimensions(_)
        view.tabs = [
            (tab, names[tab], state.with_tab(key, tab).url(base), tab == dimension)
            for tab in TABS[key]
        ]
    return view


def property_tabs(
    keys: list[str], chosen: str, state: State, base: str
) -> list[tuple[str, str, str, bool]]:
    from dataclasses import replace

    return [(k, k, replace(state, prop=k).url(base), k == chosen) for k in keys]


def chips(state: State, base: str, _: Gettext) -> list[tuple[str, str, str, str]]:
    """(dimension label, operator label, value, URL without this filter) per filter."""
    singular = labels.dimension_singular(_)
    ops = labels.operators(_)
    return [
        (
            singular.get(f.dimension, f.dimension),
            ops[f.op],
            f.value,
            state.without_filter(f).url(base),
        )
        for f in state.filters
    ]


def funnel_rows(result: FunnelResult) -> list[tuple[str, int, float, int, float]]:
    return [
        (s.name, s.visitors, s.conversion_rate, s.dropoff, s.dropoff_rate) for s in result.steps
    ]
