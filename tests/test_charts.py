"""Chart specs: valid Vega-Lite, the Result's numbers as data, d3's locales in the SVG."""

from __future__ import annotations

import json
import struct
import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import vl_convert

from pilotage import charts
from pilotage.analytics import METRICS, Query, Result, Row, run_query
from pilotage.errors import InvalidInput
from tests.analytics.data import ev, load

SVG = "{http://www.w3.org/2000/svg}"
LABELS = {
    "visitors": "Visiteurs",
    "bounce_rate": "Taux de rebond",
    "visit_duration": "Durée",
    "current": "Période",
    "previous": "Période précédente",
}
# d3-format 3.1.3 locale/fr-FR.json: decimal ",", thousands U+00A0, percent U+202F "%".
FR_THOUSANDS, FR_PERCENT = "\u00a0", "\u202f%"
XSS = "<img src=x onerror=alert(1)>"


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def series(result: Result, metric: str, **options: Any) -> dict[str, Any]:
    return charts.timeseries_spec(result, metric, labels=LABELS, **options)


def by_period(spec: dict[str, Any], period: str) -> list[dict[str, Any]]:
    return [v for v in spec["data"]["values"] if v["period"] == period]


def day_result(values: list[tuple[str, int, int]]) -> Result:
    """A daily Result built by hand: (day, bounce rate %, visit duration s)."""
    rows = tuple(Row((d, ), (b, s)) for d, b, s in values)  # fmt: skip
    return Result(("bounce_rate", "visit_duration"), ("time:day",), rows, None, ("a", "b"))


@pytest.fixture(scope="module")
def compared() -> Result:
    # Day d of March 2024 has d visitors (one event each), so each series is known.
    events = [ev(datetime(2024, 3, d, 10), 100 * d + i, 100 * d + i) for d in range(1, 15)
              for i in range(d)]  # fmt: skip
    query = Query(
        "example.com",
        ("visitors",),
        (date(2024, 3, 8), date(2024, 3, 14)),
        dimensions=("time:day",),
        comparison="previous_period",
        time_labels=True,
    )
    return run_query(load(events), query)


def test_series_values_are_the_result_numbers(compared: Result) -> None:
    spec = series(compared, "visitors")
    now, then = by_period(spec, "current"), by_period(spec, "previous")
    assert [v["value"] for v in now] == list(range(8, 15)) == compared.column("visitors")
    assert [v["value"] for v in then] == list(range(1, 8))
    assert [v["x"] for v in now] == [f"2024-03-{d:02}T00:00:00Z" for d in range(8, 15)]
    # The previous week is drawn at the same x, and its tooltip shows its own date.
    assert [v["x"] for v in then] == [v["x"] for v in now]
    assert [v["date"] for v in then] == [f"2024-03-{d:02}T00:00:00Z" for d in range(1, 8)]
    assert {v["series"] for v in then} == {"Période précédente"}


def test_comparison_is_dashed_with_a_legend(compared: Result) -> None:
    line = series(compared, "visitors")["layer"][1]["encoding"]
    assert line["strokeDash"]["scale"]["domain"] == ["Période", "Période précédente"]
    assert line["strokeDash"]["scale"]["range"][1] != [1, 0]
    vega = vl_convert.vegalite_to_vega(series(compared, "visitors"))
    assert any(legend.get("strokeDash") for legend in vega.get("legends", []))


def test_without_comparison_one_series_no_legend() -> None:
    spec = series(day_result([("2024-03-01", 40, 10)]), "bounce_rate")
    assert by_period(spec, "previous") == []
    assert "legends" not in vl_convert.vegalite_to_vega(spec)


@pytest.mark.parametrize("metric", METRICS)
def test_every_metric_compiles_and_renders(metric: str) -> None:
    values = tuple(Decimal("12.50") if "revenue" in metric or "order" in metric else 7
                   for _ in METRICS)  # fmt: skip
    rows = tuple(Row((f"2024-03-0{d}",), values, values, (f"2024-02-2{d}",)) for d in (1, 2))
    result = Result(METRICS, ("time:day",), rows, None, ("a", "b"), ("c", "d"), currency="EUR")
    spec = json.loads(json.dumps(series(result, metric)))  # JSON-ready, as the page embeds it
    assert spec["$schema"] == "https://vega.github.io/schema/vega-lite/v6.json"
    assert spec["width"] == "container" and set(spec["data"]) == {"values"}
    assert vl_convert.vegalite_to_vega(spec)["marks"]
    assert charts.render_svg(spec).startswith("<svg")


@pytest.mark.parametrize(
    "spec",
    [
        charts.bar_spec([("/a", 1.5)], title="Pages", value_label="Visiteurs"),
        charts.funnel_spec([("a", 2), ("b", 1)], labels={}),
    ],
)
def test_bar_and_funnel_compile(spec: dict[str, Any]) -> None:
    assert vl_convert.vegalite_to_vega(json.loads(json.dumps(spec)))["marks"]


def test_rates_are_percent_axes_in_french() -> None:
    spec = series(day_result([("2024-03-01", 40, 0), ("2024-03-02", 60, 0)]), "bounce_rate")
    assert [v["value"] for v in spec["data"]["values"]] == [40, 60]
    assert f"60{FR_PERCENT}" in texts(charts.render_svg(spec))
    assert "60%" in texts(charts.render_svg(spec, locale="en"))


def test_durations_read_as_minutes_and_seconds() -> None:
    spec = series(day_result([("2024-03-01", 0, 90), ("2024-03-02", 0, 3700)]), "visit_duration")
    labels = texts(charts.render_svg(spec))
    # d3's nice ticks over [0, 3700] s are 0, 500, ..., 3500; 1000 s = 16 min 40 s.
    assert {"0 s", "16 min 40 s", "25 min", "58 min 20 s"} <= set(labels)
    hours = series(day_result([("2024-03-01", 0, 0), ("2024-03-02", 0, 9000)]), "visit_duration")
    # ticks 0, 2000, ..., 8000 s: 2000 s = 33 min 20 s, 4000 s = 1 h 6 min (40 s dropped)
    assert {"33 min 20 s", "1 h 6 min", "1 h 40 min"} <= set(texts(charts.render_svg(hours)))


def test_hours_show_the_site_clock() -> None:
    rows = tuple(Row((f"2024-03-31 {h:02}:00:00",), (h,)) for h in (1, 3, 4))
    result = Result(("visitors",), ("time:hour",), rows, None, ("2024-03-31", "2024-03-31"))
    spec = series(result, "visitors")
    assert spec["data"]["values"][1]["x"] == "2024-03-31T03:00:00Z"
    assert {"01:00", "03:00", "04:00"} <= set(texts(charts.render_svg(spec)))


def test_bars_in_french_and_english() -> None:
    spec = charts.bar_spec([("/a", 1234.5), ("/b", 20)], title="Pages", value_label="Visiteurs")
    assert f"1{FR_THOUSANDS}234,5" in texts(charts.render_svg(spec, locale="fr"))
    assert "1,234.5" in texts(charts.render_svg(spec, locale="en-US"))


def test_a_hostile_label_stays_text() -> None:
    spec = charts.bar_spec([(XSS, 3)], title="Pages", value_label="Visiteurs")
    root = ET.fromstring(charts.render_svg(spec))
    assert not [e for e in root.iter() if e.tag.endswith("img")]
    assert XSS in texts(ET.tostring(root, encoding="unicode"))


def test_funnel_conversions_from_the_first_step() -> None:
    steps = [("Accueil", 1000), ("Panier", 300), ("Achat", 77)]
    spec = charts.funnel_spec(steps, labels={"visitors": "Visiteurs"})
    assert [v["visitors"] for v in spec["data"]["values"]] == [1000, 300, 77]
    labels = texts(charts.render_svg(spec))
    assert {f"100{FR_PERCENT}", f"30{FR_PERCENT}", f"7,7{FR_PERCENT}"} <= set(labels)


def test_png_is_twice_the_export_width() -> None:
    png = charts.render_png(charts.bar_spec([("/a", 1)], title="t", value_label="v"), scale=2)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = struct.unpack(">I", png[16:20])[0]
    assert width == 2 * charts.EXPORT_WIDTH


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda r: series(r, "pageviews"), "metric"),
        (lambda r: series(r, "visitors", locale="de"), "locale"),
        (lambda r: series(Result(("visitors",), ("source",), (), None, ("a", "b")), "visitors"),
         "dimensions"),
        (lambda r: charts.funnel_spec([], labels={}), "steps"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field(compared: Result, call: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        call(compared)
    assert error.value.field == field


def test_sparkline_holds_the_series_and_renders() -> None:
    from pilotage.analytics import Result, Row
    from pilotage.charts import render_svg, sparkline_spec

    rows = tuple(Row((f"2026-03-0{d}",), (d * 10,)) for d in range(1, 4))
    result = Result(("visitors",), ("time:day",), rows, None, ("2026-03-01", "2026-03-03"))
    spec = sparkline_spec(result, "visitors", label="shop: visitors")
    assert [v["value"] for v in spec["data"]["values"]] == [10.0, 20.0, 30.0]
    assert spec["encoding"]["x"]["axis"] is None
    assert "<svg" in render_svg(spec)


def test_interval_plot_keeps_the_intervals_and_renders() -> None:
    from pilotage.charts import interval_spec, render_svg

    spec = interval_spec(
        [("B", -0.02, 0.05, 0.12), ("C", 0.01, 0.03, float("inf"))],
        title="Lift",
        value_label="relative lift",
    )
    rows = spec["data"]["values"]
    assert rows[0] == {"label": "B", "low": -0.02, "estimate": 0.05, "high": 0.12}
    assert rows[1]["high"] == pytest.approx(0.132)  # an open side drawn to the edge
    assert "<svg" in render_svg(spec)
