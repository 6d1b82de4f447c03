"""The dashboard's charts: Vega-Lite specs from ``pilotage.charts`` with translated labels.

The page carries each spec as a JSON data block (not executed, so allowed by the
Content-Security-Policy); ``static/js/charts.js`` draws it with vega-embed.
"""

from __future__ import annotations

from typing import Any

from pilotage import charts
from pilotage.analytics import Result
from pilotage.web.dashboard import labels
from pilotage.web.dashboard.labels import Gettext


def timeseries(result: Result, metric: str, locale: str, _: Gettext) -> dict[str, Any]:
    names = {
        **labels.metrics(_),
        "current": _("This period"),
        "previous": _("Comparison period"),
        "time": _("Date"),
    }
    return charts.timeseries_spec(result, metric, labels=names, locale=locale)
