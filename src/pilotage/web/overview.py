"""GET /: the sites and their last 30 days at a glance, until the dashboard arrives.

A site with no traffic in the last 30 days (an imported old log, say) shows the 30 days
that end with its last visit instead, and says so.

Rendered on the server from the same query model as the CLI; every value coming from
the store or app state is escaped.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from pilotage.instance import Instance

METRICS = ("visitors", "visits", "pageviews", "bounce_rate", "visit_duration")
LABELS = ("Période", "Visiteurs", "Visites", "Pages vues", "Rebond %", "Durée (s)")


def _period(instance: Instance, site: str) -> str:
    last = instance.events.scalar('SELECT max("end") FROM sessions WHERE site = ?', [site])
    if last is None or last.date() >= date.today() - timedelta(days=29):
        return "30d"
    return f"{last.date() - timedelta(days=29)}..{last.date()}"


def overview_rows(instance: Instance) -> list[tuple[str, list[object]]]:
    from pilotage import sites as domain
    from pilotage.analytics import parse_cli, run_query

    rows: list[tuple[str, list[object]]] = []
    with instance.app.session() as s:
        specs = [(site.domain, site.timezone) for site in domain.list_sites(s)]
    for site, tz in specs:
        period = _period(instance, site)
        query = parse_cli(site, metrics=",".join(METRICS), period=period, timezone=tz)
        result = run_query(instance.events, query)
        shown = "30 derniers jours" if period == "30d" else " → ".join(result.date_range)
        rows.append((site, [shown, *(result.total(m) for m in METRICS)]))
    return rows


def render(rows: list[tuple[str, list[object]]]) -> str:
    head = "".join(f"<th>{escape(label)}</th>" for label in LABELS)
    body = "".join(
        f"<tr><th scope='row'>{escape(site)}</th>"
        + "".join(f"<td>{escape(str(v))}</td>" for v in values)
        + "</tr>"
        for site, values in rows
    )
    empty = "" if rows else "<p>Aucun site : <code>pilotage sites add exemple.fr</code></p>"
    return (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
        "<title>Pilotage</title><style>body{font-family:system-ui;margin:2rem}"
        "table{border-collapse:collapse}th,td{padding:.4rem .8rem;border-bottom:1px solid #ddd;"
        "text-align:right}th[scope=row]{text-align:left}</style></head><body><main>"
        "<h1>Pilotage</h1>"
        f"<table><thead><tr><th>Site</th>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"{empty}</main></body></html>"
    )
