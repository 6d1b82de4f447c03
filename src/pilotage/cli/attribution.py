"""`pilotage attribution`: credit conversions to channels, from the store or a paths CSV."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pilotage.cli.common import print_json, print_table
from pilotage.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from pilotage.attribution import Comparison, Costs, Journeys, Return


def _read(path: Path, field: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"no file '{path}'", field=field) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read '{path}': {exc}", field=field) from None


def _period_days(period: str, site: str) -> tuple[date | None, date | None]:
    """The local days of ``--period`` for the site (costs outside it are left out); no
    bounds for imported paths, which carry no dates."""
    if not site:
        return None, None
    from pilotage import sites as domain
    from pilotage.analytics import periods
    from pilotage.analytics.parse import parse_period
    from pilotage.cli.common import instance

    inst = instance(read_only=True)
    try:
        with inst.app.session() as s:
            tz = domain.get_site(s, site).timezone
    finally:
        inst.close()
    if period == "all":
        return None, periods.resolve("day", tz).last
    rng = periods.resolve(parse_period(period, "period"), tz)
    return rng.first, rng.last


def _store_journeys(site: str, period: str, goal: str, lookback: int, by: str) -> Journeys:
    from pilotage import sites as domain
    from pilotage.analytics.goals import find_goal
    from pilotage.analytics.parse import parse_period
    from pilotage.attribution import journeys_from_store
    from pilotage.cli.common import instance

    if not goal:
        raise InvalidInput("--goal is needed with --site", field="goal")
    inst = instance(read_only=True)
    try:
        with inst.app.session() as s:
            site_row = domain.get_site(s, site)
            the_goal = find_goal(domain.analytics_goals(site_row), goal, "goal")
            domain_name, tz = site_row.domain, site_row.timezone
        return journeys_from_store(
            inst.events,
            domain_name,
            parse_period(period, "period"),
            the_goal,
            timezone=tz,
            lookback_days=lookback,
            by=by,  # type: ignore[arg-type]  # checked by journeys_from_store
        )
    finally:
        inst.close()


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def _returns_rows(rets: tuple[Return, ...]) -> list[dict[str, object]]:
    keys = ("key", "cost", "conversions", "value", "roi", "roas", "cpa")
    return [{k: getattr(r, k) for k in keys} for r in rets]


def _show(cmp: Comparison, rets: tuple[Return, ...] | None, costs: Costs | None, fmt: str) -> None:
    if fmt == "json":
        body = cmp.to_dict()
        if rets is not None and costs is not None:
            body["costs"] = {"by": costs.by, "currency": costs.currency}
            body["returns"] = _returns_rows(rets)
        print_json(body)
        return
    header = ["channel"]
    for r in cmp.results:
        header += [f"{r.model} conv", f"{r.model} value"]
    rows = []
    for i, channel in enumerate(cmp.channels):
        cells: list[object] = [channel]
        for r in cmp.results:
            cells += [f"{r.conversions[i]:.4g}", f"{r.value[i]:.6g}"]
        rows.append(cells)
    print_table("Attribution", header, rows)
    for model, why in cmp.skipped:
        typer.echo(f"{model}: skipped, {why}")
    if rets is not None:
        ret_rows = [[r.key, _num(r.cost), _num(r.roi), _num(r.roas), _num(r.cpa)] for r in rets]
        print_table("Return on costs", ["key", "cost", "ROI", "ROAS", "CPA"], ret_rows)


def _models(model: str) -> tuple[str, ...]:
    from pilotage.attribution import MODELS

    if model == "all":
        return MODELS
    names = tuple(m.strip() for m in model.split(",") if m.strip())
    for name in names:
        if name not in MODELS:
            raise InvalidInput(
                f"unknown model {name!r}; use all or {', '.join(MODELS)}", field="model"
            )
    return names


def attribution(
    site: Annotated[str, typer.Option(help="Site domain (journeys from the event store).")] = "",
    period: Annotated[str, typer.Option(help="30d, month, ... or FROM..TO dates.")] = "30d",
    goal: Annotated[str, typer.Option(help="Goal whose completions are the conversions.")] = "",
    paths: Annotated[
        Path | None, typer.Option(help="CSV of paths: path, conversions, value, nulls.")
    ] = None,
    model: Annotated[str, typer.Option(help="all, or comma-separated model names.")] = "all",
    by: Annotated[str, typer.Option(help="Touch label: channel, source or campaign.")] = "channel",
    lookback: Annotated[int, typer.Option(help="Lookback window in days.")] = 30,
    half_life: Annotated[float, typer.Option(help="Time-decay half-life in days.")] = 7.0,
    order: Annotated[int, typer.Option(help="Markov chain order (1 to 4).")] = 1,
    costs: Annotated[
        Path | None, typer.Option(help="CSV of costs: date, channel|campaign, cost, currency.")
    ] = None,
    roi_model: Annotated[str, typer.Option(help="Model whose credit ROI uses.")] = "markov",
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Credit conversions and value to channels with every attribution model."""
    from pilotage.attribution import compare, read_costs_csv, read_paths_csv, returns

    if fmt not in ("table", "json"):
        raise InvalidInput(f"unknown format {fmt!r}; use table or json", field="format")
    if (paths is None) == (not site):
        raise InvalidInput("give either --site (with --goal) or --paths", field="site")
    names = _models(model)
    if paths is not None:
        journeys = read_paths_csv(_read(paths, "paths"))
    else:
        journeys = _store_journeys(site, period, goal, lookback, by)
    cmp = compare(journeys, names, half_life_days=half_life, order=order)
    cost_table, rets = None, None
    if costs is not None:
        text = _read(costs, "costs")
        first, last = _period_days(period, site)
        cost_table = read_costs_csv(
            text, by="campaign" if by == "campaign" else "channel", first=first, last=last
        )
        chosen = roi_model if model == "all" else names[0]
        picked = [r for r in cmp.results if r.model.startswith(chosen)]
        if not picked:
            raise InvalidInput(f"--roi-model {chosen!r} was not run", field="roi_model")
        rets = returns(picked[0], cost_table)
    _show(cmp, rets, cost_table, fmt)
