"""`pilotage stats` and `pilotage funnels`: the query model from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from pilotage.cli.common import instance, print_csv, print_json, print_table
from pilotage.errors import InvalidInput

if TYPE_CHECKING:
    from pilotage.analytics import FunnelResult, Result

funnels_app = typer.Typer(help="Funnels: ordered goals within a time window.", no_args_is_help=True)
Format = Annotated[str, typer.Option("--format", help="table, json or csv.")]
SiteOpt = Annotated[str, typer.Option(help="Site domain.")]
PeriodOpt = Annotated[
    str, typer.Option(help="day, 7d, 28d, 30d, month, 6mo, 12mo, year, all or FROM..TO dates.")
]


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json", "csv"):
        raise InvalidInput(f"unknown format '{fmt}'; use table, json or csv", field="format")


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:g}"
    return value


def show_result(result: Result, fmt: str, title: str) -> None:
    if fmt == "json":
        print_json(result.to_dict())
        return
    compare = any(r.comparison is not None for r in result.rows)
    header = [*(result.dimensions or ["total"]), *result.metrics]
    if compare:
        header += [f"{m} Δ%" for m in result.metrics]
    rows = []
    for r in result.rows:
        cells = [*(r.dimensions or ("",)), *(_cell(v) for v in r.metrics)]
        if compare:
            cells += [_cell(c) for c in (r.change or (None,) * len(result.metrics))]
        rows.append(cells)
    if fmt == "csv":
        print_csv(header, rows)
    else:
        print_table(f"{title} · {result.date_range[0]} → {result.date_range[1]}", header, rows)


def stats(
    site: SiteOpt,
    period: PeriodOpt = "30d",
    metrics: Annotated[
        str, typer.Option(help="Comma-separated metrics.")
    ] = "visitors,visits,pageviews,bounce_rate,visit_duration",
    by: Annotated[
        str, typer.Option(help="Comma-separated dimensions, e.g. source or time:day.")
    ] = "",
    filter: Annotated[str, typer.Option(help="Filter, e.g. 'page==/blog/*;country==FR|BE'.")] = "",
    compare: Annotated[str, typer.Option(help="previous (prev) or yoy.")] = "",
    order: Annotated[str, typer.Option(help="metric:desc")] = "",
    limit: Annotated[int | None, typer.Option(help="Rows at most.")] = None,
    bots: Annotated[bool, typer.Option("--bots", help="Count robots too.")] = False,
    fmt: Format = "table",
) -> None:
    """Metrics of a site, optionally broken down by dimensions."""
    from pilotage import sites as domain
    from pilotage.analytics import parse_cli, run_query

    _check_format(fmt)
    inst = instance(read_only=True)
    with inst.app.session() as s:
        site_row = domain.get_site(s, site)
        query = parse_cli(
            site_row.domain,
            metrics=metrics,
            by=by,
            filters=filter,
            period=period,
            timezone=site_row.timezone,
            compare="prev" if compare == "previous" else compare,
            order=order,
            limit=limit,
            include_bots=bots,
            goals=domain.analytics_goals(site_row),
            rates=domain.analytics_rates(site_row),
        )
    result = run_query(inst.events, query)
    inst.close()
    show_result(result, fmt, site)


@funnels_app.command("add")
def funnels_add(
    name: Annotated[str, typer.Argument(help="Funnel name.")],
    steps: Annotated[list[str], typer.Argument(help="Goal names, in order (2 to 8).")],
    site: SiteOpt,
    window: Annotated[int, typer.Option(help="Hours the visitor has to go through.")] = 24,
) -> None:
    """Add a funnel made of existing goals."""
    from pilotage import sites as domain

    if window < 1:
        raise InvalidInput("--window must be at least one hour", field="window")
    with instance().app.session() as s:
        domain.add_funnel(s, domain.get_site(s, site), name, steps, window * 3600)
    typer.echo(f"Added funnel '{name}' ({len(steps)} steps) to {site}.")


@funnels_app.command("show")
def funnels_show(
    name: Annotated[str, typer.Argument(help="Funnel name.")],
    site: SiteOpt,
    period: PeriodOpt = "30d",
    filter: Annotated[str, typer.Option(help="Filter expression.")] = "",
    fmt: Format = "table",
) -> None:
    """Visitors reaching each step, conversion and drop-off."""
    from pilotage import sites as domain
    from pilotage.analytics import parse_filter_text, run_funnel
    from pilotage.analytics.parse import parse_period

    _check_format(fmt)
    inst = instance(read_only=True)
    with inst.app.session() as s:
        site_row = domain.get_site(s, site)
        funnel = domain.analytics_funnel(site_row, name)
        tz = site_row.timezone
    filters = parse_filter_text(filter) if filter else ()
    result = run_funnel(
        inst.events,
        site_row.domain,
        parse_period(period, "period"),
        funnel,
        timezone=tz,
        filters=filters,
    )
    inst.close()
    show_funnel(result, fmt)


def show_funnel(result: FunnelResult, fmt: str) -> None:
    keys = ["name", "visitors", "conversion_rate", "dropoff", "dropoff_rate"]
    rows = [
        (st.name, st.visitors, st.conversion_rate, st.dropoff, st.dropoff_rate)
        for st in result.steps
    ]
    if fmt == "json":
        print_json(
            {
                "funnel": result.name,
                "date_range": list(result.date_range),
                "all_visitors": result.all_visitors,
                "conversion_rate": result.conversion_rate,
                "steps": [dict(zip(keys, r, strict=True)) for r in rows],
            }
        )
        return
    header = ["step", "visitors", "conversion %", "drop-off", "drop-off %"]
    if fmt == "csv":
        print_csv(header, rows)
    else:
        title = f"Funnel {result.name} · {result.date_range[0]} → {result.date_range[1]}"
        print_table(title, header, rows)
