"""Competitor benchmark pages: competitors x weighted criteria, scores with their evidence
snapshots, ranks and the positioning map.

Viewers read the benchmark; editors (``edit_goals``) add competitors and criteria, set
and delete scores. Competitors' names and URLs are attacker-controlled text: the
template escapes them and links a URL only when it is http(s).

Its paths sit under ``/sites/{domain}/watch/``, where ``pilotage.web.routes.watch``
reads any segment as a monitor id: the app includes this router before that one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from pilotage.errors import InvalidInput
from pilotage.i18n import translations
from pilotage.store.app import Monitor, Site, Snapshot
from pilotage.watch import benchmark
from pilotage.watch.notify import web_url
from pilotage.web.context import Who, prepare, site_access
from pilotage.web.routes.watch import Form, app_db, clock, form_decimal, form_text, may_edit
from pilotage.web.templating import page_locale, render

router = APIRouter(dependencies=[Depends(prepare)])
EVIDENCE_SHOWN = 200


def _evidence(s: Session, site: Site) -> list[tuple[int, int, str, datetime]]:
    """(snapshot id, monitor id, monitor name, taken at) of the site's latest snapshots."""
    query = (
        select(Snapshot.id, Monitor.id, Monitor.name, Snapshot.taken_at)
        .join(Monitor, Monitor.id == Snapshot.monitor_id)
        .where(Monitor.site_id == site.id)
        .order_by(Snapshot.taken_at.desc(), Snapshot.id.desc())
        .limit(EVIDENCE_SHOWN)
    )
    return list(s.execute(query).all())


def _bench_page(
    request: Request, who: Who, domain: str, error: str | None = None, status: int = 200
) -> Response:
    gettext = translations(page_locale(request)).gettext
    with app_db(request).session() as s:
        site = site_access(s, who, domain)
        table = benchmark.matrix(s, site)
        points = benchmark.positioning(table)
        axes = {axis: ", ".join(c.name for c in table.criteria if c.axis == axis) for axis in "xy"}
        spec = benchmark.positioning_spec(
            points,
            x_title=axes["x"] or gettext("Horizontal axis"),
            y_title=axes["y"] or gettext("Vertical axis"),
            title=gettext("Positioning map"),
        )
        evidence = _evidence(s, site)
        context = {
            "spec": {"domain": site.domain},
            "table": table,
            "chart": spec if points else None,
            "snapshots": evidence,
            "monitor_of": {snapshot: monitor for snapshot, monitor, _, _ in evidence},
            "can_edit": may_edit(s, who, domain),
            "error": error,
            "when": clock(site, page_locale(request)),
            "link": web_url,
        }
        return render(request, "watch/benchmark.html", context, status_code=status)


@router.get("/sites/{domain}/watch/benchmark", response_class=HTMLResponse)
def bench_page(request: Request, who: Who, domain: str) -> Response:
    """Competitors x weighted criteria, weighted scores and ranks, the positioning map."""
    return _bench_page(request, who, domain)


def _float(text: str, field: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{field} {text[:20]!r} is not a number", field=field) from None


def _optional_id(form: Form, name: str) -> int | None:
    text = form_text(form, name)
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(f"{name} {text[:20]!r} is not a number", field=name)
    return int(text)


def _add_competitor(s: Session, site: Site, form: Form) -> None:
    name, url = form_text(form, "name"), form_text(form, "url")
    benchmark.add_competitor(s, site, name, url, is_self=bool(form_text(form, "is_self")))


def _add_criterion(s: Session, site: Site, form: Form) -> None:
    weight = _float(form_decimal(form, "weight") or "1", "weight")
    axis = form_text(form, "axis") or None
    benchmark.add_criterion(s, site, form_text(form, "name"), weight, axis)


def _set_score(s: Session, site: Site, form: Form) -> None:
    competitor = benchmark.get_competitor(s, _optional_id(form, "competitor") or 0, site)
    criterion = benchmark.get_criterion(s, _optional_id(form, "criterion") or 0, site)
    score = form_decimal(form, "score")
    if not score:  # an empty score is a missing score, not 0
        benchmark.remove_score(s, competitor, criterion)
        return
    snapshot = _optional_id(form, "snapshot")
    value = _float(score, "score")
    benchmark.set_score(s, competitor, criterion, value, form_text(form, "note"), snapshot)


BENCH_EDITS: dict[str, Callable[[Session, Site, Form], None]] = {
    "competitors": _add_competitor,
    "criteria": _add_criterion,
    "scores": _set_score,
}


@router.post("/sites/{domain}/watch/benchmark/{what}", response_class=HTMLResponse)
async def bench_edit(request: Request, who: Who, domain: str, what: str) -> Response:
    """Add a competitor or a criterion, or set a score (an empty score removes it)."""
    form = await request.form()
    try:
        with app_db(request).session() as s:
            site = site_access(s, who, domain, "edit_goals")
            if what not in BENCH_EDITS:
                raise InvalidInput(f"nothing to edit called {what[:20]!r}", field="what")
            BENCH_EDITS[what](s, site, form)
            target = f"/sites/{site.domain}/watch/benchmark"
    except InvalidInput as exc:
        return _bench_page(request, who, domain, error=exc.message, status=400)
    return RedirectResponse(target, status_code=303)


@router.post("/sites/{domain}/watch/benchmark/{what}/{item_id}/delete")
def bench_delete(request: Request, who: Who, domain: str, what: str, item_id: int) -> Response:
    """Delete a competitor or a criterion, with its scores."""
    with app_db(request).session() as s:
        site = site_access(s, who, domain, "edit_goals")
        if what == "competitors":
            benchmark.remove_competitor(s, benchmark.get_competitor(s, item_id, site))
        elif what == "criteria":
            benchmark.remove_criterion(s, benchmark.get_criterion(s, item_id, site))
        else:
            raise InvalidInput(f"nothing to delete called {what[:20]!r}", field="what")
        target = f"/sites/{site.domain}/watch/benchmark"
    return RedirectResponse(target, status_code=303)
