"""Fixtures of the analytics tests: a DuckDB store loaded with the seeded sample."""

from __future__ import annotations

from typing import Any

import pytest

from pilotage.analytics import DuckDBBackend

from .data import load, sample_events


@pytest.fixture(scope="module")
def sample() -> list[dict[str, Any]]:
    return sample_events()


@pytest.fixture(scope="module")
def backend(sample: list[dict[str, Any]]) -> DuckDBBackend:
    return load(sample)
