"""`pilotage ab`: analyse an A/B test from a CSV of sufficient statistics or from the event
store, size a test.

CSV columns (header required): ``metric,variant,n,sum,sum_squares``. ``sum`` is the
number of conversions for a conversion metric (leave ``sum_squares`` empty) or the sum of
the values for a mean metric. The first row of each metric is its control. With
``--experiment NAME --site D`` the same rows come from the event store
(``pilotage.experiments.experiment_stats``) and go through the same analysis.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pilotage.cli.common import instance, print_json, print_table
from pilotage.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from pilotage.experiments import ExperimentData

app = typer.Typer(help="A/B tests: analyse results, size experiments.", no_args_is_help=True)


def _number(row: dict[str, str], key: str, line: int) -> float:
    try:
        return float(row[key])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(
            f"line {line}: {key} {row.get(key)!r} is not a number", field=key
        ) from None


def read_csv(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by metric, in file order (first row = control)."""
    if not path.exists():
        raise NotFound(f"file {str(path)!r} does not exist", field="file")
    metrics: dict[str, list[dict[str, Any]]] = {}
    with path.open(newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            ss = (row.get("sum_squares") or "").strip()
            metrics.setdefault(row.get("metric") or "", []).append(
                {
                    "variant": row.get("variant") or f"line {line}",
                    "n": _number(row, "n", line),
                    "sum": _number(row, "sum", line),
                    "sum_squares": _number(row, "sum_squares", line) if ss else None,
                }
            )
    if not metrics or any(len(v) < 2 for v in metrics.values()):
        raise InvalidInput("each metric needs a control and at least one variant", field="file")
    return metrics


def _achieved_power(rows: list[dict[str, Any]], mde: float | None, alpha: float) -> float | None:
    """Power of this test to find a relative lift of ``mde`` with the smallest arm's size
    (Bonferroni across arms, as ``pilotage ab size``); None without ``--mde``."""
    if mde is None:
        return None
    from pilotage import experiments as ex

    ctrl, arms = rows[0], len(rows)
    n = min(r["n"] for r in rows)
    if ctrl["sum_squares"] is None:
        rate = ctrl["sum"] / ctrl["n"]
        if not 0 < rate < 1:
            return None
        return float(ex.power_proportions(rate, mde, n, alpha=alpha, arms=arms)[0])
    mean = ctrl["sum"] / ctrl["n"]
    var = (ctrl["sum_squares"] - ctrl["sum"] ** 2 / ctrl["n"]) / max(ctrl["n"] - 1, 1)
    if mean == 0 or var <= 0:
        return None
    sd = var**0.5
    return float(ex.power_means(sd, abs(mde * mean), n, alpha=alpha, arms=arms)[0])


def analyze_metric(
    name: str,
    rows: list[dict[str, Any]],
    alpha: float,
    *,
    looks: int = 1,
    sequential: bool = False,
    mde: float | None = None,
) -> dict[str, Any]:
    from dataclasses import replace

    from pilotage import experiments as ex
    from pilotage.experiments.decision import error_warnings

    ctrl, rest = rows[0], rows[1:]

    def stats(sel: list[dict[str, Any]]) -> Any:
        n, s = [r["n"] for r in sel], [r["sum"] for r in sel]
        if ctrl["sum_squares"] is None:
            return ex.ProportionStats(n, s)
        return ex.MeanStats(n, s, [r["sum_squares"] for r in sel])

    a, b = stats([ctrl] * len(rest)), stats(rest)
    freq = ex.welch_test(a, b, relative=True, alpha=alpha)
    bayes = ex.gaussian_bayes(a, b, relative=True, alpha=alpha)
    srm = ex.srm_check([r["n"] for r in rows])
    names = [r["variant"] for r in rows]
    power = _achieved_power(rows, mde, alpha)
    decision = ex.decide(
        names,
        freq.p_value,
        freq.effect,
        alpha=alpha,
        srm=srm,
        looks=looks,
        sequential=sequential,
        power=power,
    )
    failed = error_warnings(names[1:], freq.error)
    if failed:
        decision = replace(decision, warnings=(*decision.warnings, *failed))
    variants = [
        {
            "variant": r["variant"],
            "n": r["n"],
            "mean": float(b.mean[i]),
            "lift": float(freq.effect[i]),
            "ci": [float(freq.ci_low[i]), float(freq.ci_high[i])],
            "p_value": float(freq.p_value[i]),
            "chance_to_win": float(bayes.chance_to_win[i]),
            "error": str(freq.error[i]) or None,
        }
        for i, r in enumerate(rest)
    ]
    return {
        "metric": name,
        "control": {"variant": ctrl["variant"], "n": ctrl["n"], "mean": float(a.mean[0])},
        "variants": variants,
        "srm_p_value": float(srm.p_value[0]),
        "decision": decision.to_dict(),
    }


def experiment_rows(data: ExperimentData) -> dict[str, list[dict[str, Any]]]:
    """The store's statistics in the shape ``read_csv`` gives (control first)."""
    from pilotage.experiments import ProportionStats

    out: dict[str, list[dict[str, Any]]] = {}
    for metric in data.metrics:
        st = metric.stats
        for i, variant in enumerate(data.variants):
            row: dict[str, Any] = {"variant": variant, "n": float(st.n[i])}
            if isinstance(st, ProportionStats):
                row.update(sum=float(st.conversions[i]), sum_squares=None)
            else:
                row.update(sum=float(st.sum[i]), sum_squares=float(st.sum_squares[i]))
            out.setdefault(metric.name, []).append(row)
    return out


def _from_store(
    experiment: str,
    site: str,
    goals: list[str],
    period: str,
    alpha: float,
    *,
    looks: int = 1,
    mde: float | None = None,
) -> list[dict[str, Any]]:
    from pilotage import sites as domain
    from pilotage.analytics.goals import find_goal
    from pilotage.analytics.parse import parse_period
    from pilotage.experiments import experiment_stats
    from pilotage.experiments.store import mixed_warning

    if not site:
        raise InvalidInput("--experiment needs --site", field="site")
    inst = instance(read_only=True)
    try:
        with inst.app.session() as s:
            row = domain.get_site(s, site)
            known, domain_name, tz = domain.analytics_goals(row), row.domain, row.timezone
        chosen = tuple(find_goal(known, name, "goal") for name in goals)
        data = experiment_stats(
            inst.events,
            domain_name,
            experiment,
            goals=chosen,
            period=parse_period(period, "period"),
            timezone=tz,
        )
    finally:
        inst.close()
    results = [
        analyze_metric(k, v, alpha, looks=looks, mde=mde) for k, v in experiment_rows(data).items()
    ]
    for res in results:
        if data.mixed:
            res["decision"]["warnings"].append(mixed_warning(data.mixed))
    return results


@app.command("analyze")
def analyze(
    file: Annotated[
        Path | None, typer.Argument(help="CSV: metric,variant,n,sum,sum_squares.")
    ] = None,
    experiment: Annotated[
        str, typer.Option(help="Read from the event store: the property naming the variant.")
    ] = "",
    site: Annotated[str, typer.Option(help="Site domain (with --experiment).")] = "",
    goal: Annotated[
        list[str], typer.Option(help="Goal to measure (repeat; with --experiment).")
    ] = [],  # noqa: B006
    period: Annotated[
        str, typer.Option(help="day, 7d, 30d, month, ..., all or FROM..TO (with --experiment).")
    ] = "30d",
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    looks: Annotated[
        int, typer.Option(help="How many times the results were looked at (peeking).")
    ] = 1,
    mde: Annotated[
        str, typer.Option(help="Smallest lift worth finding, e.g. 10%: warns when under-powered.")
    ] = "",
) -> None:
    """Welch test (relative lift), Bayesian chance to win, SRM and a decision per metric,
    with warnings for SRM, peeking (``--looks`` > 1) and too little power (``--mde``)."""
    if looks < 1:
        raise InvalidInput("--looks is at least 1", field="looks")
    wanted = _relative_mde(mde) if mde else None
    if fmt not in ("table", "json"):
        raise InvalidInput(f"unknown format '{fmt}'; use table or json", field="format")
    if (file is None) == (not experiment):
        raise InvalidInput("give either a CSV FILE or --experiment NAME", field="experiment")
    if file is not None:
        results = [
            analyze_metric(k, v, alpha, looks=looks, mde=wanted) for k, v in read_csv(file).items()
        ]
    else:
        results = _from_store(experiment, site, goal, period, alpha, looks=looks, mde=wanted)
    if fmt == "json":
        print_json(results)
        return
    for res in results:
        rows = [
            (
                v["variant"],
                f"{v['n']:g}",
                f"{v['mean']:.4g}",
                *(
                    (f"{v['lift']:+.2%}", f"[{v['ci'][0]:+.2%}, {v['ci'][1]:+.2%}]")
                    if not v["error"]
                    else (f"({v['error']})", "")
                ),
                f"{v['p_value']:.4f}",
                f"{v['chance_to_win']:.1%}",
            )
            for v in res["variants"]
        ]
        dec = res["decision"]
        title = f"{res['metric']}: {dec['status']}" + (
            f" ({dec['winner']})" if dec["winner"] else ""
        )
        header = ["variant", "n", "mean", "lift", "CI", "p-value", "chance to win"]
        print_table(title, header, rows)
        for warning in dec["warnings"]:
            typer.echo(f"warning: {warning}")


def _relative_mde(text: str) -> float:
    value, relative = _mde(text)
    if not relative or value <= 0:
        raise InvalidInput("--mde is a relative lift such as 10%", field="mde")
    return value


def _mde(text: str) -> tuple[float, bool]:
    """``10%`` is relative to the baseline; a plain number is an absolute difference."""
    try:
        if text.endswith("%"):
            return float(text[:-1]) / 100, True
        return float(text), False
    except ValueError:
        raise InvalidInput(f"--mde {text!r} is not a number or a percentage", field="mde") from None


@app.command("size")
def size(
    baseline: Annotated[float, typer.Option(help="Baseline conversion rate, e.g. 0.05.")],
    mde: Annotated[str, typer.Option(help="10% (relative) or 0.005 (absolute).")],
    power: Annotated[float, typer.Option(help="Power, e.g. 0.8.")] = 0.8,
    alpha: Annotated[float, typer.Option(help="Significance level (two-sided).")] = 0.05,
    arms: Annotated[int, typer.Option(help="Arms including control (Bonferroni).")] = 2,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Units per arm to detect an effect on a conversion rate (Evan Miller's formula)."""
    from pilotage.experiments import sample_size_proportions

    effect, relative = _mde(mde)
    n = sample_size_proportions(
        baseline, effect, relative=relative, alpha=alpha, power=power, arms=arms
    )
    per_arm = math.ceil(float(n[0]))
    out = {
        "per_arm": per_arm,
        "total": per_arm * arms,
        "baseline": baseline,
        "mde": mde,
        "relative": relative,
        "power": power,
        "alpha": alpha,
        "arms": arms,
    }
    if fmt == "json":
        print_json(out)
    else:
        print_table("Sample size", list(out), [[str(v) for v in out.values()]])
