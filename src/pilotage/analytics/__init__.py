"""Web analytics: one query model from a ``Query`` to a ``Result``.

The pipeline, one plain function per stage (Plausible's stats pipeline):
``parse_query`` / ``parse_cli`` -> ``build`` (validate, resolve the period) ->
``optimise`` -> ``sql.statement`` / ``sql.generate`` (DuckDB or ClickHouse) ->
``run_plan`` -> ``Result``. ``run_query`` chains the stages after parsing;
``run_funnel`` counts a funnel. Metric definitions: docs/metrics.md.
"""

from pilotage.analytics.cli_grammar import parse_cli, parse_filter_text
from pilotage.analytics.filters import And, Filter, FilterExpr, Not, Or
from pilotage.analytics.funnels import Funnel, FunnelResult, FunnelStep, run_funnel
from pilotage.analytics.goals import Goal, pattern_to_regex
from pilotage.analytics.optimise import optimise
from pilotage.analytics.parse import parse_filter, parse_query
from pilotage.analytics.periods import NAMED_PERIODS, Period, TimeRange, comparison_range, resolve
from pilotage.analytics.query import METRICS, Plan, Query
from pilotage.analytics.result import Result, Row
from pilotage.analytics.revenue import Rate, Rates
from pilotage.analytics.run import Backend, DuckDBBackend, run_plan, run_query
from pilotage.analytics.validate import build

__all__ = [
    "METRICS",
    "NAMED_PERIODS",
    "And",
    "Backend",
    "DuckDBBackend",
    "Filter",
    "FilterExpr",
    "Funnel",
    "FunnelResult",
    "FunnelStep",
    "Goal",
    "Not",
    "Or",
    "Period",
    "Plan",
    "Query",
    "Rate",
    "Rates",
    "Result",
    "Row",
    "TimeRange",
    "build",
    "comparison_range",
    "optimise",
    "parse_cli",
    "parse_filter",
    "parse_filter_text",
    "parse_query",
    "pattern_to_regex",
    "resolve",
    "run_funnel",
    "run_plan",
    "run_query",
]
