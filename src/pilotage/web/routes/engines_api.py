"""The analysis engines over the Stats API: experiments and attribution of a site.

``POST /api/v2/experiments`` and ``POST /api/v2/attribution`` take the same bearer keys
(scope ``stats:read``) and the same site rules as ``/api/v2/query``; the numbers are
those of ``pilotage ab analyze --experiment`` and ``pilotage attribution --site``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from pilotage import attribution, experiments
from pilotage.analytics.goals import find_goal
from pilotage.analytics.parse import parse_period
from pilotage.errors import InvalidInput
from pilotage.web.context import instance
from pilotage.web.routes.stats_api import authorised_site

router = APIRouter(prefix="/api/v2", tags=["Stats API"])


def _text(body: dict[str, Any], name: str, default: str | None = None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{name} must be a non-empty string", field=name)
    return value


def _number(value: float) -> float | None:
    return value if value == value and abs(value) != float("inf") else None  # NaN, inf


@router.post("/experiments", summary="Analyse an A/B test of a site")
def experiment(
    request: Request,
    body: Annotated[
        dict[str, Any],
        Body(examples=[{"site_id": "boutique.example", "experiment": "checkout_form"}]),
    ],
) -> JSONResponse:
    """Variants of the custom property ``experiment`` over ``date_range`` (default 30d):
    per metric (pageviews per visitor, each goal's conversion and revenue), each
    treatment's relative lift against the control with its interval, p-value, chance to
    win, and the decision. Definitions: docs/experiments.md."""
    site, (timezone, goals, _rates) = authorised_site(request, body.get("site_id"), "stats:read")
    data = experiments.experiment_stats(
        instance(request).events,
        site,
        _text(body, "experiment"),
        goals=goals,
        period=parse_period(body.get("date_range", "30d")),
        timezone=timezone,
    )
    metrics = []
    for analysis in experiments.analyze_experiment(data):
        treatments = [
            {
                "variant": variant,
                "relative_lift": _number(float(analysis.test.effect[i])),
                "ci": [
                    _number(float(analysis.test.ci_low[i])),
                    _number(float(analysis.test.ci_high[i])),
                ],
                "p_value": _number(float(analysis.test.p_value[i])),
                "chance_to_win": _number(float(analysis.bayes.chance_to_win[i])),
                "error": str(analysis.test.error[i]) or None,
            }
            for i, variant in enumerate(analysis.variants[1:])
        ]
        metrics.append(
            {
                "metric": analysis.metric,
                "treatments": treatments,
                "decision": analysis.decision.to_dict(),
            }
        )
    return JSONResponse(
        {
            "site_id": site,
            "experiment": data.experiment,
            "date_range": list(data.date_range),
            "variants": list(data.variants),
            "visitors": list(data.visitors),
            "mixed_visitors": data.mixed,
            "metrics": metrics,
        }
    )


@router.post("/attribution", summary="Attribute a goal's conversions to channels")
def attribute(
    request: Request,
    body: Annotated[
        dict[str, Any], Body(examples=[{"site_id": "boutique.example", "goal": "Achat"}])
    ],
) -> JSONResponse:
    """Every model side by side (first and last touch, last non-direct, linear, time
    decay, position-based, Markov chain, Shapley) for ``goal`` over ``date_range``
    (default 30d), by ``by`` (channel, source or campaign) with a ``lookback_days``
    window (default 30), a time-decay ``half_life_days`` (7) and a Markov ``order`` (1).
    Definitions: docs/attribution.md."""
    site, (timezone, goals, _rates) = authorised_site(request, body.get("site_id"), "stats:read")
    goal = find_goal(goals, _text(body, "goal"), "goal")
    lookback = body.get("lookback_days", 30)
    if not isinstance(lookback, int) or isinstance(lookback, bool):
        raise InvalidInput("lookback_days must be a whole number of days", field="lookback_days")
    journeys = attribution.journeys_from_store(
        instance(request).events,
        site,
        parse_period(body.get("date_range", "30d")),
        goal,
        timezone=timezone,
        lookback_days=lookback,
        by=_text(body, "by", "channel"),  # type: ignore[arg-type]
    )
    half_life = body.get("half_life_days", 7.0)
    order = body.get("order", 1)
    if not isinstance(half_life, int | float) or isinstance(half_life, bool) or half_life <= 0:
        raise InvalidInput("half_life_days must be a positive number", field="half_life_days")
    if not isinstance(order, int) or isinstance(order, bool):
        raise InvalidInput("order must be a whole number (1 to 4)", field="order")
    comparison = attribution.compare(journeys, half_life_days=float(half_life), order=order)
    return JSONResponse({"site_id": site, **comparison.to_dict()})


@router.post("/customers", summary="Customers of a site from its purchase events")
def customers_of_site(
    request: Request,
    body: Annotated[
        dict[str, Any],
        Body(examples=[{"site_id": "boutique.example", "customer_property": "customer_id"}]),
    ],
) -> JSONResponse:
    """Orders are the ``event`` (default Purchase) events with a revenue and the custom
    property ``customer_property`` (default customer_id) naming the customer, over
    ``date_range`` (default all). Answers the RFM segments and the cohort retention
    matrix, and with ``"clv": true`` the BG/NBD and Gamma-Gamma fits and each customer's
    lifetime value over 12 months. Definitions: docs/customers.md."""
    from pilotage import customers
    from pilotage.analytics import Rates

    site, (timezone, _goals, rates) = authorised_site(request, body.get("site_id"), "stats:read")
    orders = customers.orders_from_store(
        instance(request).events,
        site,
        rates=rates or Rates("EUR"),
        customer_property=_text(body, "customer_property", "customer_id"),
        event=_text(body, "event", "Purchase"),
        period=parse_period(body.get("date_range", "all")),
        timezone=timezone,
    )
    table = customers.rfm_table(orders)
    out: dict[str, Any] = {
        "site_id": site,
        "orders": len(orders),
        "segments": [{"segment": n, "customers": c} for n, c in table.segment_counts()],
        "cohorts": customers.cohort_matrix(orders).to_dict(),
    }
    if body.get("clv") is True:
        value = customers.customer_value(orders)
        out["bgnbd"] = {k: getattr(value.bgnbd, k) for k in ("r", "alpha", "a", "b", "unit")}
        out["gammagamma"] = {k: getattr(value.gammagamma, k) for k in ("p", "q", "v")}
        out["customers"] = value.rows()
    return JSONResponse(out)
