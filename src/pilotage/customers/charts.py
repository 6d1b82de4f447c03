"""Vega-Lite specs of the customer models: RFM segments, cohort heatmap, CLV histogram.

Same envelope as ``pilotage.charts`` (schema, container width, inline data), so the
dashboard draws them with vega-embed and reports with ``pilotage.charts.render_svg``.
``labels`` carries the translated texts; English defaults are used for missing keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pilotage import charts
from pilotage.customers.clv import CustomerValue
from pilotage.customers.cohorts import CohortMatrix
from pilotage.customers.rfm import RfmTable
from pilotage.errors import InvalidInput

CELL = 28  # pixels per cohort row
NO_LABELS: Mapping[str, str] = {}


def rfm_segments_spec(table: RfmTable, *, labels: Mapping[str, str] = NO_LABELS) -> dict[str, Any]:
    """Horizontal bars: customers per RFM segment, in the segment order of ``SEGMENTS``;
    segment names are translated through ``labels`` when present."""
    rows = [(labels.get(name, name), float(n)) for name, n in table.segment_counts()]
    return charts.bar_spec(
        rows,
        title=labels.get("title", "RFM segments"),
        value_label=labels.get("customers", "customers"),
    )


def cohort_heatmap_spec(
    matrix: CohortMatrix, *, labels: Mapping[str, str] = NO_LABELS
) -> dict[str, Any]:
    """Rectangles coloured by the share of each cohort still buying k months later."""
    if not matrix.cohorts:
        raise InvalidInput("a cohort heatmap needs at least one cohort", field="orders")
    values = [cell | {"ratio": cell["percent"] / 100} for cell in matrix.cells()]
    cohort = {"field": "cohort", "type": "ordinal", "title": labels.get("cohort", "cohort")}
    offset = {"field": "offset", "type": "ordinal", "title": labels.get("offset", "month")}
    share = {
        "field": "ratio",
        "type": "quantitative",
        "title": labels.get("retention", "retention"),
        "format": ".1~%",
    }
    customers = {
        "field": "customers",
        "type": "quantitative",
        "title": labels.get("customers", "customers"),
    }
    return charts._chart(
        labels.get("title", "Cohort retention"),
        CELL * len(matrix.cohorts),
        values,
        title=labels.get("title", "Cohort retention"),
        encoding={
            "x": offset | {"axis": {"labelAngle": 0}},
            "y": cohort,
            "tooltip": [cohort, offset, customers, share],
        },
        layer=[
            {
                "mark": {"type": "rect"},
                "encoding": {
                    "color": {
                        "field": "ratio",
                        "type": "quantitative",
                        "title": share["title"],
                        "scale": {"scheme": "blues", "domain": [0, 1]},
                        "legend": {"format": "~%"},
                    }
                },
            },
            {
                "mark": {"type": "text", "fontSize": 9},
                "encoding": {
                    "text": share,
                    "color": {
                        "condition": {"test": "datum.ratio > 0.5", "value": "white"},
                        "value": "black",
                    },
                },
            },
        ],
    )


def clv_histogram_spec(
    value: CustomerValue, *, bins: int = 30, labels: Mapping[str, str] = NO_LABELS
) -> dict[str, Any]:
    """Customers per CLV bin; bins are computed here (numpy) so the data are the counts."""
    if bins < 1:
        raise InvalidInput(f"bins {bins} must be at least 1", field="bins")
    counts, edges = np.histogram(value.clv, bins=bins)
    values = [
        {"start": float(lo), "end": float(hi), "customers": int(n)}
        for lo, hi, n in zip(edges[:-1], edges[1:], counts, strict=True)
    ]
    clv_title = labels.get("clv", f"CLV over {value.horizon_months} months")
    start = {"field": "start", "type": "quantitative", "title": clv_title, "bin": {"binned": True}}
    customers = {
        "field": "customers",
        "type": "quantitative",
        "title": labels.get("customers", "customers"),
    }
    return charts._chart(
        labels.get("title", "Customer lifetime value"),
        240,
        values,
        title=labels.get("title", "Customer lifetime value"),
        mark={"type": "bar", "color": charts.CURRENT_COLOUR},
        encoding={
            "x": start | {"axis": {"format": charts.NUMBER_FORMAT}},
            "x2": {"field": "end"},
            "y": customers | {"axis": {"tickMinStep": 1}},
            "tooltip": [
                {"field": "start", "type": "quantitative", "title": clv_title, "format": ",.2f"},
                {"field": "end", "type": "quantitative", "format": ",.2f"},
                customers,
            ],
        },
    )
