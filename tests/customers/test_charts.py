"""Customer charts: valid Vega-Lite (compiled by vl-convert) holding the model's numbers."""

from __future__ import annotations

import json
from datetime import date

import vl_convert

from pilotage.charts import render_svg
from pilotage.customers import (
    cdnow_sample,
    clv_histogram_spec,
    cohort_heatmap_spec,
    cohort_matrix,
    customer_value,
    rfm_segments_spec,
    rfm_table,
)


def compiles(spec: dict[str, object]) -> bool:
    vega = vl_convert.vegalite_to_vega(json.loads(json.dumps(spec)))
    return bool(vega["marks"]) and render_svg(spec, locale="en").startswith("<svg")


def test_rfm_segment_bars() -> None:
    table = rfm_table(cdnow_sample())
    spec = rfm_segments_spec(table, labels={"Lost": "Perdus"})
    values = spec["data"]["values"]
    assert sum(v["value"] for v in values) == 2357
    assert values[9]["label"] == "Perdus"
    assert compiles(spec)


def test_cohort_heatmap() -> None:
    matrix = cohort_matrix(cdnow_sample())
    spec = cohort_heatmap_spec(matrix)
    assert len(spec["data"]["values"]) == 18 + 17 + 16
    assert spec["data"]["values"][0]["ratio"] == 1.0
    assert compiles(spec)


def test_clv_histogram() -> None:
    value = customer_value(cdnow_sample(), end=date(1997, 9, 30), horizon_months=12)
    spec = clv_histogram_spec(value, bins=20)
    values = spec["data"]["values"]
    assert sum(v["customers"] for v in values) == 2357
    assert values[0]["start"] == float(value.clv.min())
    assert compiles(spec)
