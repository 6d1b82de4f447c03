"""Chart definitions shared by the dashboard (vega-embed) and reports (vl-convert).

Each ``*_spec`` function turns analytics results (or a watched price history) into a
Vega-Lite v6 specification: a plain JSON-ready dict with the data inline under
``data.values``, never a URL. The browser draws it with ``static/js/charts.js``;
``render_svg`` / ``render_png`` draw the same dict on the server. Values from the store
(page paths, source names) are data in the spec: Vega draws them as SVG text and
vega-embed's tooltip handler escapes them.

Dates: the analytics labels are local times of the site ("2024-03-31",
"2024-03-31 03:00:00"); they are written as UTC instants and drawn with UTC time units,
so a chart shows the site's clock whatever the time zone of the browser or server.
Numbers and dates follow d3's fr-FR / en-US locales (d3-format and d3-time-format
locale files), which vl-convert bundles and charts.js carries for the browser.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal

import vl_convert

from pilotage.analytics import Result, Row
from pilotage.analytics.result import MetricValue, rounded
from pilotage.errors import InvalidInput

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
D3Locale = Literal["fr-FR", "en-US"]
D3_LOCALES: dict[str, D3Locale] = {"fr": "fr-FR", "en": "en-US"}
CURRENT_COLOUR = "#4f46e5"
PREVIOUS_COLOUR = "#9ca3af"
THRESHOLD_COLOUR = "#b3261e"
EXPORT_WIDTH = 640  # "container" has no container on the server
NUMBER_FORMAT = ",.2~f"
RATE_METRICS = frozenset({"bounce_rate", "conversion_rate"})
COUNT_METRICS = frozenset({"visitors", "visits", "pageviews", "events", "bot_events"})
MONEY_METRICS = frozenset({"revenue", "average_order_value"})

TIME_UNITS = {
    "hour": "utcyearmonthdatehours",
    "day": "utcyearmonthdate",
    "week": "utcyearmonthdate",
    "month": "utcyearmonth",
}
# granularity -> (axis format, tooltip format), per language (d3-time-format directives)
TIME_FORMATS = {
    "fr": {
        "hour": ("%H:%M", "%A %-d %B %Y, %H:%M"),
        "day": ("%-d %b", "%A %-d %B %Y"),
        "week": ("%-d %b", "%-d %B %Y"),
        "month": ("%b %Y", "%B %Y"),
    },
    "en": {
        "hour": ("%-I %p", "%A, %B %-d, %Y, %-I %p"),
        "day": ("%b %-d", "%A, %B %-d, %Y"),
        "week": ("%b %-d", "%B %-d, %Y"),
        "month": ("%b %Y", "%B %Y"),
    },
}
MAX_TICKS = 8
BAR_STEP = 24  # pixels per bar row


def language(locale: str) -> str:
    """``"fr"`` or ``"en"`` from a locale name such as ``"fr"``, ``"fr-FR"`` or ``"en_GB"``."""
    lang = locale.replace("_", "-").split("-", 1)[0].lower()
    if lang not in D3_LOCALES:
        raise InvalidInput(f"locale {locale!r} has no chart formats; use fr or en", field="locale")
    return lang


def _number(value: MetricValue) -> float | None:
    return None if value is None else float(value)


def _utc(label: str) -> datetime:
    try:
        return datetime.fromisoformat(label).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"time label {label!r} is not a date", field="dimensions") from None


def _instant(label: str) -> str:
    """An analytics time label as an ISO instant in UTC (the site's clock, see above)."""
    return _utc(label).isoformat().replace("+00:00", "Z")


def _datetime(label: str) -> dict[str, int | bool]:
    """A Vega-Lite DateTime; Vega-Lite turns it into ``utc(y, m, d, h, ...)``, which Vega's
    expression interpreter evaluates (it misreads the one-argument ``datetime(ms)``)."""
    t = _utc(label)
    return {"year": t.year, "month": t.month, "date": t.day, "hours": t.hour, "utc": True}


def _granularity(result: Result) -> str:
    time_dims = [d for d in result.dimensions if d.startswith("time")]
    if len(result.dimensions) != 1 or not time_dims:
        raise InvalidInput(
            f"a time-series chart needs one time dimension, not {result.dimensions!r}",
            field="dimensions",
        )
    granularity = time_dims[0].partition(":")[2] or "day"
    if granularity not in TIME_UNITS:
        raise InvalidInput(f"time granularity {granularity!r} is not charted", field="dimensions")
    return granularity


def _series_rows(result: Result, index: int, labels: Mapping[str, str]) -> list[dict[str, Any]]:
    current, previous = labels.get("current", "current"), labels.get("previous", "previous")
    values: list[dict[str, Any]] = []
    for row in result.rows:
        x = _instant(row.dimensions[0])
        value = _number(row.metrics[index])
        values.append({"x": x, "date": x, "period": "current", "series": current, "value": value})
        values.extend(_comparison_point(row, index, x, previous))
    return values


def _comparison_point(row: Row, index: int, x: str, series: str) -> list[dict[str, Any]]:
    if row.comparison is None:
        return []
    then = (row.comparison_dimensions or ("",))[0]
    return [
        {
            "x": x,
            "date": _instant(then) if then else None,
            "period": "previous",
            "series": series,
            "value": _number(row.comparison[index]),
        }
    ]


def _duration_expr(v: str) -> str:
    """A Vega expression writing ``v`` seconds as "1 h 5 min", "2 min 3 s", "1 min", "40 s"."""
    hours, minutes, seconds = f"floor({v} / 3600)", f"floor({v} % 3600 / 60)", f"round({v} % 60)"
    return (
        f"{v} == null ? '' : {v} >= 3600 ? {hours} + ' h' + "
        f"({minutes} ? ' ' + {minutes} + ' min' : '') : {v} >= 60 ? floor({v} / 60) + ' min' + "
        f"({seconds} ? ' ' + {seconds} + ' s' : '') : round({v}) + ' s'"
    )


def _value_channels(metric: str, title: str) -> tuple[list[dict[str, Any]], dict[str, Any], Any]:
    """(transforms, y encoding, tooltip entry) showing ``metric`` in its own unit."""
    y: dict[str, Any] = {"field": "value", "type": "quantitative", "title": title}
    if metric in RATE_METRICS:
        ratio = "datum.value == null ? null : datum.value / 100"
        transforms = [{"calculate": ratio, "as": "ratio"}]
        y |= {"field": "ratio", "axis": {"format": "~%"}}
        return (
            transforms,
            y,
            {"field": "ratio", "type": "quantitative", "title": title, "format": ".2~%"},
        )
    if metric == "visit_duration":
        transforms = [{"calculate": _duration_expr("datum.value"), "as": "duration"}]
        y["axis"] = {"labelExpr": _duration_expr("datum.value")}
        return transforms, y, {"field": "duration", "type": "nominal", "title": title}
    y["axis"] = {"format": NUMBER_FORMAT}
    if metric in COUNT_METRICS:
        y["axis"] |= {"tickMinStep": 1}
    return (
        [],
        y,
        {"field": "value", "type": "quantitative", "title": title, "format": NUMBER_FORMAT},
    )


def _ticks(result: Result) -> list[dict[str, int | bool]]:
    labels = [row.dimensions[0] for row in result.rows]
    step = max(1, -(-len(labels) // MAX_TICKS))
    return [_datetime(label) for label in labels[::step]]


def _time_encoding(result: Result, granularity: str, lang: str, title: str) -> dict[str, Any]:
    axis_format, _ = TIME_FORMATS[lang][granularity]
    return {
        "field": "x",
        "type": "temporal",
        "timeUnit": TIME_UNITS[granularity],
        "title": title,
        "axis": {"format": axis_format, "values": _ticks(result), "labelOverlap": True},
    }


def _date_title(labels: Mapping[str, str]) -> str:
    return labels.get("date") or labels.get("time") or "Date"


def _metric_title(result: Result, metric: str, labels: Mapping[str, str]) -> str:
    title = labels.get(metric, metric)
    if metric in MONEY_METRICS and result.currency:
        return f"{title} ({result.currency})"
    return title


def _series_tooltip(
    granularity: str, lang: str, labels: Mapping[str, str], value_tip: dict[str, Any]
) -> list[dict[str, Any]]:
    date = {
        "field": "date",
        "type": "temporal",
        "timeUnit": TIME_UNITS[granularity],
        "format": TIME_FORMATS[lang][granularity][1],
        "title": _date_title(labels),
    }
    period = {"field": "series", "type": "nominal", "title": labels.get("period", "Period")}
    return [date, period, value_tip]


def _series_layers(
    labels: Mapping[str, str], compared: bool, tooltip: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Area under the current period, a line per period (dashed for the comparison),
    and points carrying the tooltips."""
    domain = [labels.get("current", "current"), labels.get("previous", "previous")]
    legend = {"orient": "top", "title": None, "symbolType": "stroke"} if compared else None
    series = {"field": "series", "type": "nominal", "legend": legend}
    colour = series | {"scale": {"domain": domain, "range": [CURRENT_COLOUR, PREVIOUS_COLOUR]}}
    dash = series | {"scale": {"domain": domain, "range": [[1, 0], [6, 4]]}}
    return [
        {
            "transform": [{"filter": {"field": "period", "equal": "current"}}],
            "mark": {"type": "area", "color": CURRENT_COLOUR, "opacity": 0.12},
        },
        {
            "mark": {"type": "line", "strokeWidth": 2},
            "encoding": {"color": colour, "strokeDash": dash},
        },
        {
            "mark": {"type": "point", "filled": True, "size": 36},
            "encoding": {"color": colour, "tooltip": tooltip},
        },
    ]


def _chart(
    description: str, height: int, values: list[dict[str, Any]], **parts: Any
) -> dict[str, Any]:
    """The envelope every chart shares: schema, container width, inline data."""
    return {
        "$schema": SCHEMA,
        "description": description,  # the SVG's aria-label
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        **parts,
        "config": {"view": {"stroke": None}},
    }


def _quantity(field: str, title: str, fmt: str = NUMBER_FORMAT) -> dict[str, Any]:
    return {"field": field, "type": "quantitative", "title": title, "format": fmt}


def _position(text_def: dict[str, Any], **axis: Any) -> dict[str, Any]:
    """A position channel from a text/tooltip definition: its format goes to the axis."""
    rest = {k: v for k, v in text_def.items() if k != "format"}
    return rest | {"axis": {"format": text_def["format"], **axis}}


def timeseries_spec(
    result: Result, metric: str, *, labels: Mapping[str, str], locale: str = "fr"
) -> dict[str, Any]:
    """An area and line chart of ``metric`` over time, with the comparison period as a
    dashed line when ``result`` has one. ``labels`` holds the translated texts: the
    metric's name, ``"current"``, ``"previous"``, and optionally ``"date"`` (or ``"time"``)
    and ``"period"``."""
    if metric not in result.metrics:
        raise InvalidInput(
            f"metric {metric!r} is not in the result {result.metrics!r}", field="metric"
        )
    lang, granularity = language(locale), _granularity(result)
    title = _metric_title(result, metric, labels)
    transforms, y, value_tip = _value_channels(metric, title)
    compared = any(row.comparison is not None for row in result.rows)
    tooltip = _series_tooltip(granularity, lang, labels, value_tip)
    x = _time_encoding(result, granularity, lang, _date_title(labels))
    return _chart(
        f"{title}, {result.date_range[0]} – {result.date_range[1]}",
        240,
        _series_rows(result, result.metrics.index(metric), labels),
        transform=transforms,
        encoding={"x": x, "y": y},
        layer=_series_layers(labels, compared, tooltip),
    )


def sparkline_spec(result: Result, metric: str, *, label: str) -> dict[str, Any]:
    """A small area of ``metric`` over time, without axes (the sites list): the shape
    of the period at a glance; ``label`` describes it for screen readers."""
    if metric not in result.metrics:
        raise InvalidInput(f"metric {metric!r} is not in the result", field="metric")
    index = result.metrics.index(metric)
    values = [
        {"x": _instant(row.dimensions[0]), "value": _number(row.metrics[index])}
        for row in result.rows
    ]
    return _chart(
        label,
        36,
        values,
        background=None,
        mark={"type": "area", "line": True, "opacity": 0.35},
        encoding={
            "x": {"field": "x", "type": "temporal", "axis": None},
            "y": {"field": "value", "type": "quantitative", "axis": None},
        },
    )


def interval_spec(
    rows: Sequence[tuple[str, float, float, float]],
    *,
    title: str,
    value_label: str,
    percent: bool = True,
) -> dict[str, Any]:
    """An interval plot: per ``(label, low, estimate, high)`` a line from low to high and
    a point at the estimate, with the no-effect line at 0 (A/B lifts and their intervals).
    Infinite bounds (one-sided tests) are drawn to the edge of the finite ones."""
    finite = [v for _, lo, est, hi in rows for v in (lo, est, hi) if math.isfinite(v)]
    edge = max((abs(v) for v in finite), default=1.0) * 1.1 or 1.0
    values = [
        {
            "label": label,
            "low": low if math.isfinite(low) else -edge,
            "estimate": estimate,
            "high": high if math.isfinite(high) else edge,
        }
        for label, low, estimate, high in rows
    ]
    fmt = ".1%" if percent else ",.2f"
    x = {"field": "low", "type": "quantitative", "title": value_label, "axis": {"format": fmt}}
    return _chart(
        title,
        max(80, 40 * len(rows)),
        values,
        layer=[
            # Marks stay out of the accessibility tree (aria: false): the chart's
            # description names it, and the table beside it holds the numbers.
            {
                "mark": {"type": "rule", "strokeDash": [4, 4], "aria": False},
                "encoding": {"x": {"datum": 0}},
            },
            {
                "mark": {"type": "rule", "strokeWidth": 3, "aria": False},
                "encoding": {
                    "y": {"field": "label", "type": "nominal", "title": None, "sort": None},
                    "x": x,
                    "x2": {"field": "high"},
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 80, "aria": False},
                "encoding": {
                    "y": {"field": "label", "type": "nominal", "sort": None},
                    "x": {"field": "estimate", "type": "quantitative"},
                    "tooltip": [
                        {"field": "label", "type": "nominal", "title": " "},
                        {"field": "estimate", "type": "quantitative", "format": fmt},
                        {"field": "low", "type": "quantitative", "format": fmt},
                        {"field": "high", "type": "quantitative", "format": fmt},
                    ],
                },
            },
        ],
    )


def grouped_bar_spec(
    rows: Sequence[tuple[str, str, float]], *, title: str, value_label: str, series_label: str
) -> dict[str, Any]:
    """Bars of ``(category, series, value)``: one group per category, one bar per series
    (attribution models side by side per channel)."""
    values = [{"category": c, "series": s, "value": float(v)} for c, s, v in rows]
    return _chart(
        title,
        max(160, 22 * len({c for c, _, _ in rows}) * max(1, len({s for _, s, _ in rows})) // 2),
        values,
        mark={"type": "bar", "tooltip": True},
        encoding={
            "y": {"field": "category", "type": "nominal", "title": None, "sort": None},
            "yOffset": {"field": "series", "type": "nominal", "sort": None},
            "x": _quantity("value", value_label, ",.1f"),
            "color": {"field": "series", "type": "nominal", "title": series_label, "sort": None},
        },
    )


def bar_spec(rows: Sequence[tuple[str, float]], *, title: str, value_label: str) -> dict[str, Any]:
    """Horizontal bars, one per (label, value) in the given order, each with its value."""
    value = _quantity("value", value_label)
    top = max((float(v) for _, v in rows), default=0.0)
    # Room right of the longest bar for its value label (a fifth of the axis).
    scale = {"domainMax": top * 1.2} if top > 0 else {}
    label = {"field": "label", "type": "nominal", "sort": None, "title": None}
    return _chart(
        title,
        BAR_STEP * max(1, len(rows)),  # a {"step": n} height makes Vega-Lite 6.5 warn
        [{"label": name, "value": float(v)} for name, v in rows],
        title=title,
        encoding={
            "y": label | {"axis": {"labelLimit": 240}},
            "x": _position(value, tickCount=5) | {"scale": scale},
            "tooltip": [label | {"title": title}, value],
        },
        layer=[
            {"mark": {"type": "bar", "color": CURRENT_COLOUR}},
            {"mark": {"type": "text", "align": "left", "dx": 4}, "encoding": {"text": value}},
        ],
    )


def funnel_spec(steps: Sequence[tuple[str, int]], *, labels: Mapping[str, str]) -> dict[str, Any]:
    """Bars of visitors per funnel step, each labelled with its conversion from step 1.

    Conversion = visitors of the step / visitors of step 1, in %, 2 decimals (as
    ``FunnelStep.conversion_rate``). ``labels``: ``"step"``, ``"visitors"``,
    ``"conversion"`` and optionally ``"title"``."""
    if not steps:
        raise InvalidInput("a funnel chart needs at least one step", field="steps")
    first = steps[0][1]
    values = [
        {"step": name, "visitors": n, "conversion": rounded(n / first * 100, 2) if first else 0.0}
        for name, n in steps
    ]
    conversion = _quantity("ratio", labels.get("conversion", "conversion"), ".2~%")
    visitors = _quantity("visitors", labels.get("visitors", "visitors"))
    step = {"field": "step", "type": "nominal", "sort": None, "title": labels.get("step", "step")}
    room = {"domainMax": max(n for _, n in steps) * 1.1 or 1}  # for the labels above the bars
    return _chart(
        labels.get("title", visitors["title"]),
        240,
        values,
        transform=[{"calculate": "datum.conversion / 100", "as": "ratio"}],
        encoding={
            "x": step | {"axis": {"labelAngle": 0}},
            "y": _position(visitors, tickMinStep=1) | {"scale": room},
            "tooltip": [step, visitors, conversion],
        },
        layer=[
            {"mark": {"type": "bar", "color": CURRENT_COLOUR}},
            {
                "mark": {"type": "text", "baseline": "bottom", "dy": -4},
                "encoding": {"text": conversion},
            },
        ],
    )


def _moment_axis(moments: Sequence[datetime], lang: str) -> dict[str, Any]:
    """At most about ``MAX_TICKS`` ticks: whole days over two days or more, else the
    moments themselves (a monitor's check times)."""
    span = (moments[-1] - moments[0]).total_seconds() if moments else 0
    granularity = "day" if span >= 2 * 86400 else "hour"
    ticks = list(moments)
    if granularity == "day":  # every midnight inside the period
        first = datetime(moments[0].year, moments[0].month, moments[0].day)
        days = range(0 if first == moments[0] else 1, (moments[-1] - first).days + 1)
        ticks = [first + timedelta(days=n) for n in days]
    step = max(1, -(-len(ticks) // MAX_TICKS))
    values = [
        {"year": m.year, "month": m.month, "date": m.day, "hours": m.hour,
         "minutes": m.minute, "utc": True}
        for m in ticks[::step]
    ]  # fmt: skip
    return {"format": TIME_FORMATS[lang][granularity][0], "values": values, "labelOverlap": True}


def price_spec(
    points: Sequence[tuple[datetime, float]],
    limits: Sequence[tuple[str, float]],
    *,
    zone: tzinfo,
    locale: str,
    price_title: str,
    time_title: str,
) -> dict[str, Any]:
    """A step line of a monitored price over its check times (naive UTC instants, shown
    on the clock of ``zone``), with each ``(label, price)`` limit as a dashed rule."""
    lang = language(locale)
    local = [m.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) for m, _ in points]
    values = [
        {"t": moment.isoformat() + "Z", "price": price}
        for moment, (_, price) in zip(local, points, strict=True)
    ]
    moment = {"field": "t", "type": "temporal", "timeUnit": "utcyearmonthdatehoursminutes",
              "title": time_title}  # fmt: skip
    x = moment | {"axis": _moment_axis(local, lang)}
    price = _quantity("price", price_title)
    y = _position(price) | {"scale": {"zero": False}}
    tooltip = [moment | {"format": TIME_FORMATS[lang]["hour"][1]}, price]
    rules = {"values": [{"label": label, "price": value} for label, value in limits]}
    rule_y = {"field": "price", "type": "quantitative"}
    return _chart(
        price_title,
        280,
        values,
        layer=[
            {"mark": {"type": "line", "color": CURRENT_COLOUR, "interpolate": "step-after"},
             "encoding": {"x": x, "y": y}},
            {"mark": {"type": "point", "filled": True, "color": CURRENT_COLOUR},
             "encoding": {"x": x, "y": y, "tooltip": tooltip}},
            # The labels name the thresholds; the rules stay out of the accessibility tree
            # (an empty rule layer would otherwise be an unnamed graphics symbol).
            {"data": rules, "mark": {"type": "rule", "strokeDash": [6, 4],
                                     "color": THRESHOLD_COLOUR, "aria": False},
             "encoding": {"y": rule_y}},
            {"data": rules, "mark": {"type": "text", "align": "left", "dy": -6, "x": 2,
                                     "color": THRESHOLD_COLOUR},
             "encoding": {"y": rule_y, "text": {"field": "label", "type": "nominal"}}},
        ],
    )  # fmt: skip


def _for_export(spec: Mapping[str, Any], width: int) -> dict[str, Any]:
    out = dict(spec)
    if out.get("width") == "container":
        out["width"] = width
    return out


def render_svg(spec: Mapping[str, Any], *, locale: str = "fr", width: int = EXPORT_WIDTH) -> str:
    """The chart as SVG text, numbers and dates in ``locale`` (``"fr"`` or ``"en"``)."""
    d3 = D3_LOCALES[language(locale)]
    svg: str = vl_convert.vegalite_to_svg(
        _for_export(spec, width), format_locale=d3, time_format_locale=d3
    )
    return svg


def render_png(
    spec: Mapping[str, Any], *, scale: float = 2, locale: str = "fr", width: int = EXPORT_WIDTH
) -> bytes:
    """The chart as PNG bytes at ``scale`` times its CSS pixel size."""
    d3 = D3_LOCALES[language(locale)]
    png: bytes = vl_convert.vegalite_to_png(
        _for_export(spec, width), scale=scale, format_locale=d3, time_format_locale=d3
    )
    return png
