"""The typed objects passed between the stages of the query pipeline.

``Query`` is what a caller asks (the CLI, the web app, a stored KPI); ``Plan`` is a
validated query with its period resolved to UTC ranges, which the optimiser refines
(``Part``: one aggregate SQL statement over one table) before the SQL stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pilotage.analytics.filters import FilterExpr
from pilotage.analytics.goals import Goal
from pilotage.analytics.periods import Period, TimeRange
from pilotage.analytics.revenue import Rates

Comparison = Literal["previous_period", "year_over_year"]
Direction = Literal["asc", "desc"]
Table = Literal["events", "sessions"]
Role = Literal["main", "lookup", "base", "revenue", "bots"]

METRICS = (
    "visitors",
    "visits",
    "pageviews",
    "views_per_visit",
    "bounce_rate",
    "visit_duration",
    "events",
    "conversion_rate",
    "revenue",
    "average_order_value",
    "bot_events",
)
SESSION_ONLY_METRICS = frozenset({"bounce_rate", "visit_duration", "views_per_visit"})
EITHER_METRICS = frozenset({"visitors", "visits"})
REVENUE_METRICS = frozenset({"revenue", "average_order_value"})

# Dimension name -> column of the events table. Visit attributes are also on sessions.
VISIT_DIMENSIONS: dict[str, str] = {
    "entry_page": "entry_page",
    "source": "referrer_source",
    "referrer": "referrer",
    "channel": "channel",
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
    "utm_content": "utm_content",
    "utm_term": "utm_term",
    "device": "device",
    "browser": "browser",
    "browser_version": "browser_version",
    "os": "os",
    "os_version": "os_version",
    "country": "country",
}
EVENT_DIMENSIONS: dict[str, str] = {
    "page": "pathname",
    "hostname": "hostname",
    "event_name": "name",
}
SESSION_ONLY_DIMENSIONS = frozenset({"exit_page"})
TIME_DIMENSIONS = ("time", "time:hour", "time:day", "time:week", "time:month")


def is_visit_level(dimension: str) -> bool:
    """True when the sessions table can answer for ``dimension`` directly."""
    return (
        dimension in VISIT_DIMENSIONS
        or dimension in SESSION_ONLY_DIMENSIONS
        or dimension.startswith("time")
    )


def is_known_dimension(dimension: str) -> bool:
    return (
        is_visit_level(dimension)
        or dimension in EVENT_DIMENSIONS
        or dimension == "goal"
        or (dimension.startswith("prop:") and len(dimension) > len("prop:"))
    ) and (not dimension.startswith("time") or dimension in TIME_DIMENSIONS)


@dataclass(frozen=True)
class Query:
    """What to count, over which period, split and filtered how.

    ``period`` is a named period or two local dates; ``filters`` are AND-ed;
    ``goals`` are the site's goals (they live in app state); ``rates`` converts
    revenue to the site currency.
    """

    site: str
    metrics: tuple[str, ...] = ("visitors",)
    period: Period = "30d"
    dimensions: tuple[str, ...] = ()
    filters: tuple[FilterExpr, ...] = ()
    timezone: str = "UTC"
    comparison: Comparison | None = None
    order_by: tuple[tuple[str, Direction], ...] = ()
    limit: int | None = None
    offset: int = 0
    include_bots: bool = False
    goals: tuple[Goal, ...] = ()
    rates: Rates | None = None
    time_labels: bool = False
    totals: bool = True


@dataclass(frozen=True)
class Part:
    """One aggregate statement: ``stats`` over ``table`` grouped by ``dimensions``.

    ``role`` says how its rows are used: ``main`` rows make the result's rows;
    ``lookup`` rows (session metrics of a page breakdown, grouped by entry page) and
    ``base`` rows (conversion-rate denominators, goal filters dropped) are looked up
    by dimension values; ``revenue`` rows are per currency; ``bots`` count robot events.
    """

    table: Table
    stats: tuple[str, ...]
    dimensions: tuple[str, ...]
    role: Role = "main"


@dataclass(frozen=True)
class Plan:
    query: Query
    metrics: tuple[str, ...]
    dimensions: tuple[str, ...]
    filters: tuple[FilterExpr, ...]
    range: TimeRange
    comparison: TimeRange | None = None
    order_by: tuple[tuple[str, Direction], ...] = ()
    parts: tuple[Part, ...] = ()
    push_down: bool = False  # ORDER BY / LIMIT done in SQL (one part, raw stats only)
    currency: str | None = None  # currency of revenue figures

    @property
    def time_dimension(self) -> str | None:
        return next((d for d in self.dimensions if d.startswith("time")), None)
