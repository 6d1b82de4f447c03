"""The package's public names are exactly those of __all__, and all exist."""

from __future__ import annotations

import pilotage.analytics as analytics


def test_all_names_exist() -> None:
    assert all(hasattr(analytics, name) for name in analytics.__all__)


def test_entry_points_the_cli_and_web_use() -> None:
    needed = {
        "Query",
        "Filter",
        "And",
        "Or",
        "Not",
        "Goal",
        "Funnel",
        "Rates",
        "Result",
        "FunnelResult",
        "parse_query",
        "parse_cli",
        "run_query",
        "run_funnel",
        "DuckDBBackend",
        "resolve",
    }
    assert needed <= set(analytics.__all__)
