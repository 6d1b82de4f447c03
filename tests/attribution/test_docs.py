"""The worked example of docs/attribution.md equals a fresh computation."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilotage.attribution import compare, journeys_of, markov

DOC = Path(__file__).parents[2] / "docs" / "attribution.md"


def tables(text: str) -> list[list[list[str]]]:
    """Markdown tables of ``text``: rows of cells, separator rows left out."""
    out: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                current.append(cells)
        elif current:
            out.append(current)
            current = []
    return out


def test_worked_example_tables() -> None:
    found = tables(DOC.read_text(encoding="utf-8"))
    inputs, conversions, values = found[1], found[2], found[3]
    rows = [(r[0], float(r[1]), float(r[2]), float(r[3])) for r in inputs[1:]]
    cmp = compare(journeys_of(rows))
    header = conversions[0]
    assert header[1:] == [r.model for r in cmp.results]
    for table, attr in ((conversions, "conversions"), (values, "value")):
        for row in table[1:]:
            i = cmp.channels.index(row[0])
            for cell, result in zip(row[1:], cmp.results, strict=True):
                assert float(cell) == pytest.approx(getattr(result, attr)[i], abs=0.005)
    effects = markov(journeys_of(rows)).removal_effects
    assert effects is not None
    assert [round(e, 2) for e in effects] == [0.60, 0.88, 0.38]
