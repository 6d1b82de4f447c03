"""Analysis pages of a site: attribution of its goals to channels, and its customers.

Attribution reads the visits before each conversion from the event store
(``pilotage.attribution``) and sets every model side by side. Customers come from an
orders CSV the user uploads, or the CDNOW sample (``pilotage.customers``): visitor ids
change every day by design (privacy), so the event store cannot tell one buyer's
orders apart; the file is analysed in memory and not kept.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from pilotage import attribution, charts, customers
from pilotage.analytics import Goal
from pilotage.errors import InvalidInput, PilotageError
from pilotage.i18n import translations
from pilotage.web.context import Who, instance, prepare, site_access
from pilotage.web.dashboard import labels, panels
from pilotage.web.dashboard.state import parse_state
from pilotage.web.templating import page_locale, render

router = APIRouter(dependencies=[Depends(prepare)])
MAX_ORDERS_BYTES = 20 * 1024 * 1024
BY = ("channel", "source", "campaign")


def _spec(request: Request, who: Who, domain: str) -> panels.SiteSpec:
    with instance(request).app.session() as s:
        return panels.site_spec(s, site_access(s, who, domain, "view"))


def _goal(spec: panels.SiteSpec, name: str | None) -> Goal | None:
    if not spec.goals:
        return None
    if not name:
        return spec.goals[0]
    for goal in spec.goals:
        if goal.name == name:
            return goal
    raise InvalidInput(f"no goal '{name[:100]}' on {spec.domain}", field="goal")


def model_names(_: Any) -> dict[str, str]:
    return {
        "first_touch": _("First touch"),
        "last_touch": _("Last touch"),
        "last_non_direct": _("Last non-direct"),
        "linear": _("Linear"),
        "time_decay": _("Time decay"),
        "position_based": _("Position-based"),
        "markov": _("Markov chain"),
        "shapley": _("Shapley"),
    }


def _attribution_context(
    request: Request, who: Who, domain: str, goal: str, by: str, lookback: int
) -> dict[str, Any]:
    spec = _spec(request, who, domain)
    state = parse_state(request.query_params)
    _ = translations(page_locale(request)).gettext
    if by not in BY:
        raise InvalidInput(
            f"unknown touch label {by!r}; use channel, source or campaign", field="by"
        )
    if not 1 <= lookback <= 365:
        raise InvalidInput("the lookback window is 1 to 365 days", field="lookback")
    chosen = _goal(spec, goal)
    context: dict[str, Any] = {
        "spec": spec,
        "state": state,
        "goal": chosen,
        "by": by,
        "lookback": lookback,
        "names": model_names(_),
        "periods": labels.periods(_),
    }
    if chosen is None:
        return context
    journeys = attribution.journeys_from_store(
        instance(request).events,
        spec.domain,
        state.query_period,
        chosen,
        timezone=spec.timezone,
        lookback_days=lookback,
        by=by,  # type: ignore[arg-type]
    )
    comparison = attribution.compare(journeys)
    names = model_names(_)
    rows = [
        (channel, names[r.model], r.conversions[i])
        for r in comparison.results
        for i, channel in enumerate(r.channels)
    ]
    context.update(
        comparison=comparison,
        journeys=len(journeys.paths),
        chart=charts.grouped_bar_spec(
            rows,
            title=_("Conversions credited to each channel, by model"),
            value_label=_("Conversions"),
            series_label=_("Model"),
        ),
    )
    return context


@router.get("/sites/{domain}/attribution", response_class=HTMLResponse)
def attribution_page(
    request: Request,
    who: Who,
    domain: str,
    goal: str = "",
    by: str = "channel",
    lookback: int = 30,
) -> Response:
    context = _attribution_context(request, who, domain, goal, by, lookback)
    return render(request, "attribution.html", context)


@router.post("/sites/{domain}/attribution", response_class=HTMLResponse)
async def attribution_returns(
    request: Request,
    who: Who,
    domain: str,
    costs: Annotated[UploadFile | None, File()] = None,
    goal: Annotated[str, Form()] = "",
    by: Annotated[str, Form()] = "channel",
    lookback: Annotated[int, Form()] = 30,
    model: Annotated[str, Form()] = "markov",
    typed: Annotated[str, Form()] = "",
) -> Response:
    """The page with ROI, ROAS and CPA per channel (or campaign) from a costs CSV, sent
    as a file or typed into the form (same columns)."""
    context = _attribution_context(request, who, domain, goal, by, lookback)
    comparison = context.get("comparison")
    try:
        if costs is not None and costs.filename:
            raw = await costs.read(MAX_ORDERS_BYTES + 1)
        elif typed.strip():
            raw = typed.strip().encode()
        else:
            raise InvalidInput("choose a costs file or type the costs", field="costs")
        if len(raw) > MAX_ORDERS_BYTES:
            raise InvalidInput("the costs file is larger than 20 MB", field="costs")
        picked = [r for r in comparison.results if r.model == model] if comparison else []
        if not picked:
            raise InvalidInput(f"no result of the model {model!r} to weigh costs", field="model")
        first, last = _range_of(context["state"], context["spec"].timezone)
        table = attribution.read_costs_csv(
            raw.decode("utf-8-sig"),
            by="campaign" if by == "campaign" else "channel",
            first=first,
            last=last,
        )
        context.update(returns=attribution.returns(picked[0], table), costs=table, model=model)
    except (PilotageError, UnicodeDecodeError) as exc:
        context["costs_error"] = (
            exc.message if isinstance(exc, PilotageError) else "the file is not UTF-8 text"
        )
        return render(request, "attribution.html", context, status_code=400)
    return render(request, "attribution.html", context)


def _range_of(state: Any, timezone: str) -> tuple[date, date]:
    """The period's first and last local days, for the costs that fall in it."""
    from pilotage.analytics import periods

    rng = periods.resolve(state.query_period, timezone)
    return rng.first, rng.last


def _segment_names(_: Any) -> Mapping[str, str]:
    return {
        "title": _("RFM segments"),
        "customers": _("customers"),
        "Champions": _("Champions"),
        "Loyal": _("Loyal"),
        "Potential loyalists": _("Potential loyalists"),
        "New": _("New"),
        "Promising": _("Promising"),
        "Need attention": _("Need attention"),
        "About to sleep": _("About to sleep"),
        "At risk": _("At risk"),
        "Can't lose them": _("Can't lose them"),
        "Hibernating": _("Hibernating"),
        "Lost": _("Lost"),
    }


@router.get("/sites/{domain}/customers", response_class=HTMLResponse)
def customers_page(request: Request, who: Who, domain: str) -> Response:
    return render(request, "customers.html", {"spec": _spec(request, who, domain)})


@router.post("/sites/{domain}/customers", response_class=HTMLResponse)
async def customers_analysis(
    request: Request,
    who: Who,
    domain: str,
    orders: Annotated[UploadFile | None, File()] = None,
    sample: Annotated[str, Form()] = "",
    columns: Annotated[str, Form()] = "",
    store: Annotated[str, Form()] = "",
    customer_property: Annotated[str, Form()] = "customer_id",
    event: Annotated[str, Form()] = "Purchase",
) -> Response:
    spec = _spec(request, who, domain)
    _ = translations(page_locale(request)).gettext
    context: dict[str, Any] = {"spec": spec}
    try:
        if sample:
            data, end = customers.cdnow_sample(), date(1997, 9, 30)
        elif store:
            data, end = _store_orders(request, spec, customer_property, event), None
        else:
            if orders is None or not orders.filename:
                raise InvalidInput("choose an orders file (CSV)", field="orders")
            raw = await orders.read(MAX_ORDERS_BYTES + 1)
            if len(raw) > MAX_ORDERS_BYTES:
                raise InvalidInput("the orders file is larger than 20 MB", field="orders")
            mapping = customers.parse_columns(columns) if columns.strip() else None
            text = io.StringIO(raw.decode("utf-8-sig"), newline="")
            data = customers.read_orders_csv(text, columns=mapping)
            end = None
        context.update(_customer_results(data, end, _))
    except (PilotageError, UnicodeDecodeError) as exc:
        message = exc.message if isinstance(exc, PilotageError) else "the file is not UTF-8 text"
        context["error"] = message
        return render(request, "customers.html", context, status_code=400)
    return render(request, "customers.html", context)


def _store_orders(
    request: Request, spec: panels.SiteSpec, customer_property: str, event: str
) -> Any:
    from pilotage.analytics import Rates

    return customers.orders_from_store(
        instance(request).events,
        spec.domain,
        rates=spec.rates or Rates(spec.currency),
        customer_property=customer_property.strip(),
        event=event.strip() or "Purchase",
        timezone=spec.timezone,
    )


def _customer_results(data: Any, end: date | None, _: Any) -> dict[str, Any]:
    table = customers.rfm_table(data)
    matrix = customers.cohort_matrix(data)
    names = _segment_names(_)
    out: dict[str, Any] = {
        "segments": [(names.get(n, n), c) for n, c in table.segment_counts()],
        "rfm_chart": customers.rfm_segments_spec(table, labels=names),
        "cohort_chart": customers.cohort_heatmap_spec(
            matrix, labels={"title": _("Share of each cohort buying again, by month")}
        ),
        "customers_count": len(table.rows()),
    }
    try:
        value = customers.customer_value(data, end=end)
    except InvalidInput as exc:  # RFM and cohorts stand without the lifetime model
        out["clv_error"] = exc.message
        return out
    out.update(
        clv_chart=customers.clv_histogram_spec(
            value, labels={"title": _("Customer lifetime value, next 12 months")}
        ),
        bgnbd=value.bgnbd,
        gammagamma=value.gammagamma,
        top=sorted(value.rows(), key=lambda r: -float(r["clv"]))[:20],
    )
    return out


def _value(metric: Any, i: int) -> float:
    """A variant's value of a metric: a conversion rate or a mean per visitor."""
    stats = metric.stats
    if metric.kind == "conversion":
        n, k = float(stats.n[i]), float(stats.conversions[i])
        return k / n if n else 0.0
    n, total = float(stats.n[i]), float(stats.sum[i])
    return total / n if n else 0.0


def _experiment_rows(data: Any, analyses: Any) -> list[dict[str, Any]]:
    rows = []
    for metric, analysis in zip(data.metrics, analyses, strict=True):
        variants = []
        for i, name in enumerate(data.variants):
            row: dict[str, Any] = {"variant": name, "n": int(metric.stats.n[i])}
            row["value"] = _value(metric, i)
            if i:
                j = i - 1
                row.update(
                    lift=float(analysis.test.effect[j]),
                    low=float(analysis.test.ci_low[j]),
                    high=float(analysis.test.ci_high[j]),
                    p=float(analysis.test.p_value[j]),
                    win=float(analysis.bayes.chance_to_win[j]),
                    error=str(analysis.test.error[j]),
                )
            variants.append(row)
        rows.append({"metric": metric, "variants": variants, "decision": analysis.decision})
    return rows


@router.get("/sites/{domain}/experiments", response_class=HTMLResponse)
def experiments_page(request: Request, who: Who, domain: str, experiment: str = "") -> Response:
    from pilotage import experiments
    from pilotage.analytics.properties import property_keys

    spec = _spec(request, who, domain)
    state = parse_state(request.query_params)
    _ = translations(page_locale(request)).gettext
    events = instance(request).events
    keys = property_keys(events, spec.domain, state.query_period, timezone=spec.timezone, limit=30)
    chosen = experiment or next((k for k in keys if k == "checkout_form"), keys[0] if keys else "")
    context: dict[str, Any] = {
        "spec": spec,
        "state": state,
        "keys": keys,
        "experiment": chosen,
        "periods": labels.periods(_),
    }
    if chosen:
        try:
            data = experiments.experiment_stats(
                events,
                spec.domain,
                chosen,
                goals=spec.goals,
                period=state.query_period,
                timezone=spec.timezone,
            )
        except PilotageError as exc:
            context["error"] = exc.message
            return render(request, "experiments.html", context)
        analyses = experiments.analyze_experiment(data)
        every = _experiment_rows(data, analyses)
        # A metric that stayed at zero in every variant after exposure (a goal reached
        # before it, say) has nothing to compare: it is named apart, not a table of zeros.
        rows = [r for r in every if any(v["value"] for v in r["variants"])]
        context["idle"] = [r["metric"].name for r in every if r not in rows]
        context.update(data=data, rows=rows, srm=analyses[0].srm if analyses else None)
        context["errors"] = {
            "baseline_zero": _("no conversion in the control: the relative lift is undefined"),
            "zero_variance": _("no variance in an arm yet: the test cannot be computed"),
        }
        points = [
            (f"{row['metric'].name} · {v['variant']}", v["low"], v["lift"], v["high"])
            for row in rows
            for v in row["variants"][1:]
            if not v.get("error")
        ]
        context["chart"] = charts.interval_spec(
            points,
            title=_("Relative lift against the control, with 95 % intervals"),
            value_label=_("Relative lift"),
        )
    return render(request, "experiments.html", context)
