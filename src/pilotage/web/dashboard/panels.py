"""What each part of the dashboard asks the query model, and the rows it shows.

Every figure on the dashboard comes from :func:`pilotage.analytics.run_query` with a
``Query`` built here, the same model the Stats API and ``pilotage stats`` use; this
module only chooses the queries and shapes their results for the templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from pilotage import sites as domain
from pilotage.analytics import (
    Backend,
    Funnel,
    FunnelResult,
    Goal,
    Query,
    Rates,
    Result,
    run_funnel,
    run_query,
)
from pilotage.analytics.properties import property_keys
from pilotage.analytics.query import Comparison
from pilotage.store.app import Site
from pilotage.web.dashboard.state import State

HEADLINE = ("visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration")
LOWER_IS_BETTER = frozenset({"bounce_rate"})
TOP_ROWS = 9
DETAIL_ROWS = 100
EXPORT_ROWS = 10_000
COMPARISONS: dict[str, Comparison] = {"prev": "previous_period", "yoy": "year_over_year"}


@dataclass(frozen=True)
class SiteSpec:
    """What the query model needs to know of a site, read once from app state."""

    domain: str
    timezone: str
    currency: str
    goals: tuple[Goal, ...] = ()
    rates: Rates | None = None
    funnels: tuple[Funnel, ...] = ()
    public: bool = False

    @property
    def revenue(self) -> bool:
        return any(g.currency for g in self.goals)


def site_spec(s: Session, site: Site) -> SiteSpec:
    del s  # the site's relationships load through its own session
    funnels = tuple(domain.analytics_funnel(site, f.name) for f in site.funnels)
    return SiteSpec(
        site.domain,
        site.timezone,
        site.currency,
        domain.analytics_goals(site),
        domain.analytics_rates(site),
        funnels,
        bool(getattr(site, "public", False)),
    )


def base_query(spec: SiteSpec, state: State, **fields: object) -> Query:
    """The query of one panel: the dashboard's period and filters, and ``fields``."""
    params: dict[str, object] = {
        "site": spec.domain,
        "period": state.query_period,
        "timezone": spec.timezone,
        "filters": tuple(f.to_filter() for f in state.filters),
        "goals": spec.goals,
        "rates": spec.rates,
    }
    params.update(fields)
    return Query(**params)  # type: ignore[arg-type]


def intervals(days: int) -> tuple[str, ...]:
    """The chart buckets that make sense for a period of ``days`` (hours up to a week,
    months from two months on)."""
    return tuple(
        name
        for name, lowest, highest in (
            ("hour", 1, 7),
            ("day", 2, 400),
            ("week", 14, 10_000),
            ("month", 60, 10_000),
        )
        if lowest <= days <= highest
    )


def interval(days: int, chosen: str = "") -> str:
    """The chosen bucket when it fits the period, else hours for a day or two, days up
    to 92 days, months beyond."""
    if chosen and chosen in intervals(days):
        return f"time:{chosen}"
    if days <= 2:
        return "time:hour"
    if days <= 92:
        return "time:day"
    return "time:month"


def _span(state: State, spec: SiteSpec, backend: Backend) -> int:
    probe = run_query(backend, base_query(spec, state, metrics=("visitors",), totals=True))
    first, last = (date.fromisoformat(d[:10]) for d in probe.date_range)
    return (last - first).days + 1


def headline(backend: Backend, spec: SiteSpec, state: State) -> Result:
    comparison = COMPARISONS.get(state.compare)
    return run_query(backend, base_query(spec, state, metrics=HEADLINE, comparison=comparison))


def timeseries(backend: Backend, spec: SiteSpec, state: State, days: int) -> Result:
    query = base_query(
        spec,
        state,
        metrics=(state.metric,),
        dimensions=(interval(days, state.interval),),
        comparison=COMPARISONS.get(state.compare),
        time_labels=True,
        totals=False,
    )
    return run_query(backend, query)


def breakdown_metrics(dimension: str) -> tuple[str, ...]:
    if dimension == "page":
        return ("visitors", "pageviews")
    if dimension in ("entry_page", "exit_page"):
        return ("visitors", "visits")
    if dimension.startswith("prop:"):
        return ("visitors", "events")
    return ("visitors",)


def breakdown(
    backend: Backend, spec: SiteSpec, state: State, dimension: str, limit: int = TOP_ROWS
) -> Result:
    query = base_query(
        spec,
        state,
        metrics=breakdown_metrics(dimension),
        dimensions=(dimension,),
        order_by=(("visitors", "desc"), (dimension, "asc")),
        limit=limit,
        totals=False,
    )
    return run_query(backend, query)


def goals(backend: Backend, spec: SiteSpec, state: State, limit: int = TOP_ROWS) -> Result | None:
    if not spec.goals:
        return None
    metrics = ["visitors", "events", "conversion_rate"]
    if spec.revenue:
        metrics += ["revenue", "average_order_value"]
    query = base_query(
        spec,
        state,
        metrics=tuple(metrics),
        dimensions=("goal",),
        order_by=(("visitors", "desc"), ("goal", "asc")),
        limit=limit,
        totals=False,
    )
    return run_query(backend, query)


def properties(backend: Backend, spec: SiteSpec, state: State) -> tuple[list[str], Result | None]:
    """The property names of the period, and the breakdown of the one chosen (or the
    most used)."""
    keys = property_keys(backend, spec.domain, state.query_period, timezone=spec.timezone)
    if not keys:
        return [], None
    chosen = state.prop if state.prop in keys else keys[0]
    return keys, breakdown(backend, spec, state, f"prop:{chosen}")


def funnel(backend: Backend, spec: SiteSpec, state: State, index: int) -> FunnelResult:
    filters = tuple(f.to_filter() for f in state.filters)
    return run_funnel(
        backend,
        spec.domain,
        state.query_period,
        spec.funnels[index],
        timezone=spec.timezone,
        filters=filters,
    )


@dataclass
class Dashboard:
    """The top of the dashboard page: headline figures and the chart. The tables load
    as fragments of their own (:data:`PANELS`), each a request, as Plausible's do."""

    spec: SiteSpec
    state: State
    headline: Result
    chart: Result
    days: int = 30


PANELS = ("sources", "pages", "locations", "devices", "goals", "props")


def panel_keys(spec: SiteSpec) -> list[str]:
    """The fragments of a site's dashboard: its tables, then one per funnel."""
    keys = [k for k in PANELS if k != "goals" or spec.goals]
    return keys + [f"funnel-{i}" for i in range(len(spec.funnels))]


def dashboard(backend: Backend, spec: SiteSpec, state: State) -> Dashboard:
    top = headline(backend, spec, state)
    first, last = (date.fromisoformat(d[:10]) for d in top.date_range)
    days = (last - first).days + 1
    return Dashboard(spec, state, top, timeseries(backend, spec, state, days), days=days)
