"""Competitive watch pages and API: monitors, their changes and diffs, Atom feeds, and the
competitor benchmark.

Viewers read monitors, changes, feeds and the benchmark; editors (``edit_goals``) add,
edit, check and delete monitors and fill the benchmark. Everything that comes from a
competitor's page (text, titles, URLs, prices) is attacker-controlled: the templates
escape it and link a URL only when it is http(s). The one piece of markup not escaped by
Jinja2 is a diff, which :func:`pilotage.watch.diff.render_html` escapes itself.

Feeds need a signed-in session like every page: shared links open dashboards only, and a
feed token would be one more secret to hand out and revoke.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from babel import dates
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pilotage.charts import CURRENT_COLOUR, NUMBER_FORMAT, SCHEMA, TIME_FORMATS, language
from pilotage.errors import InvalidInput, PilotageError
from pilotage.i18n import translations
from pilotage.sites import get_site
from pilotage.store.app import AppDB, Change, Monitor, Site, Snapshot
from pilotage.watch import benchmark
from pilotage.watch.diff import diff_text, render_html
from pilotage.watch.feed_out import atom_feed
from pilotage.watch.monitors import (
    KINDS,
    add_monitor,
    delete_monitor,
    get_monitor,
    list_monitors,
    recent_changes,
)
from pilotage.watch.notify import web_url
from pilotage.watch.runner import notice_for
from pilotage.watch.schedule import run_checks
from pilotage.web.context import Who, instance, prepare, site_access
from pilotage.web.routes.stats_api import authorised_site
from pilotage.web.templating import page_locale, render

router = APIRouter(dependencies=[Depends(prepare)])
api = APIRouter(prefix="/api/v2/watch", tags=["Watch API"])
CHANGES_SHOWN = 50
SNAPSHOTS_SHOWN = 50
PRICE_POINTS = 1000
FEED_ENTRIES = 50
SELECTORS = ("css", "xpath", "jsonpath")
THRESHOLD_FIELDS = ("drop_pct", "rise_pct", "below", "above")
EDITABLE = ("name", "url", "kind", "css", "xpath", "jsonpath", "every_seconds", "competitor")
EDITABLE_JSON = ("keywords", "thresholds")
THRESHOLD_COLOUR = "#b3261e"
API_FIELDS = frozenset(
    {"site_id", "url", "kind", "name", "css", "xpath", "jsonpath", "every", "competitor"}
    | {"keywords", "thresholds", "notify"}
)
Form = Mapping[str, Any]


def _db(request: Request) -> AppDB:
    return instance(request).app


def _may(s: Session, who: Who, domain: str, action: str = "edit_goals") -> bool:
    try:
        site_access(s, who, domain, action)
    except PilotageError:
        return False
    return True


def _when(site: Site, locale: str) -> Callable[[datetime | None], str]:
    """Stored UTC instants shown on the site's clock, in the page's CLDR short format."""
    zone = ZoneInfo(site.timezone)

    def show(moment: datetime | None) -> str:
        if moment is None:
            return "—"
        return dates.format_datetime(
            moment.replace(tzinfo=UTC), "short", tzinfo=zone, locale=locale
        )

    return show


def every_label(seconds: int) -> str:
    """6h, 30m, 1d: the form ``parse_every`` reads back."""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _text(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _decimal_text(form: Form, name: str) -> str:
    # French forms write decimals with a comma and group digits with spaces
    return _text(form, name).replace(",", ".").replace(" ", "").replace("\u202f", "")


def monitor_fields(form: Form) -> dict[str, Any]:
    """``add_monitor``'s keyword arguments from the monitor form; it checks every value."""
    chosen = _text(form, "selector_kind") or "css"
    if chosen not in SELECTORS:
        raise InvalidInput(
            f"selector type {chosen[:20]!r} is not one of css, xpath, jsonpath",
            field="selector_kind",
        )
    selector = _text(form, "selector")
    return {
        "url": _text(form, "url"),
        "kind": _text(form, "kind") or "text",
        "name": _text(form, "name"),
        "every": _text(form, "every") or "6h",
        "competitor": _text(form, "competitor"),
        "keywords": {"include": _text(form, "include"), "exclude": _text(form, "exclude")},
        "thresholds": {key: _decimal_text(form, key) for key in THRESHOLD_FIELDS},
        "notify": {"emails": _text(form, "emails"), "webhook": _text(form, "webhook")},
        **{name: (selector if name == chosen else None) for name in SELECTORS},
    }


def _plain(value: Any) -> str:
    return "" if value is None else f"{float(value):g}"


def form_of(monitor: Monitor) -> dict[str, str]:
    """The monitor form's values for ``monitor`` (to edit it)."""
    keywords, notify = monitor.keywords or {}, monitor.notify or {}
    selector_kind = next((n for n in SELECTORS if getattr(monitor, n)), "css")
    return {
        "url": monitor.url,
        "kind": monitor.kind,
        "name": monitor.name,
        "every": every_label(monitor.every_seconds),
        "competitor": monitor.competitor,
        "selector_kind": selector_kind,
        "selector": getattr(monitor, selector_kind) or "",
        "include": ", ".join(keywords.get("include", [])),
        "exclude": ", ".join(keywords.get("exclude", [])),
        "emails": ", ".join(notify.get("emails", [])),
        "webhook": notify.get("webhook") or "",
        **{key: _plain((monitor.thresholds or {}).get(key)) for key in THRESHOLD_FIELDS},
    }


def _last_changes(s: Session, site: Site) -> dict[int, datetime]:
    query = (
        select(Change.monitor_id, func.max(Change.detected_at))
        .join(Monitor)
        .where(Monitor.site_id == site.id)
        .group_by(Change.monitor_id)
    )
    return {monitor_id: moment for monitor_id, moment in s.execute(query).all()}


def _index(
    request: Request,
    who: Who,
    domain: str,
    *,
    order: str = "significance",
    values: Mapping[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with _db(request).session() as s:
        site = site_access(s, who, domain)
        changes = recent_changes(s, site=site, limit=CHANGES_SHOWN)
        if order != "newest":
            order = "significance"
            changes.sort(key=lambda c: c.significance, reverse=True)  # stable: newest first
        context = {
            "spec": {"domain": site.domain},
            "monitors": list_monitors(s, site),
            "last_change": _last_changes(s, site),
            "changes": changes,
            "order": order,
            "can_edit": _may(s, who, domain),
            "values": values or {"every": "6h", "kind": "text", "selector_kind": "css"},
            "error": error,
            "kinds": KINDS,
            "when": _when(site, page_locale(request)),
            "every_label": every_label,
            "link": web_url,
        }
        return render(request, "watch/index.html", context, status_code=status)


@router.get("/sites/{domain}/watch", response_class=HTMLResponse)
def watch_page(request: Request, who: Who, domain: str, order: str = "significance") -> Response:
    """The site's monitors, the form to add one, and recent changes by significance."""
    return _index(request, who, domain, order=order)


@router.post("/sites/{domain}/watch", response_class=HTMLResponse)
async def add(request: Request, who: Who, domain: str) -> Response:
    form = await request.form()
    try:
        with _db(request).session() as s:
            site = site_access(s, who, domain, "edit_goals")
            monitor = add_monitor(s, site, **monitor_fields(form))
            target = f"/sites/{site.domain}/watch/{monitor.id}"
    except InvalidInput as exc:  # nothing is stored: the session rolled back
        values = {k: _text(form, k) for k in form if k != "csrf"}
        return _index(request, who, domain, values=values, error=exc.message, status=400)
    return RedirectResponse(target, status_code=303)


# -- the benchmark (declared before /watch/{monitor_id}, which would take its path) -----


def _evidence(s: Session, site: Site) -> list[tuple[int, int, str, datetime]]:
    """(snapshot id, monitor id, monitor name, taken at) of the site's latest snapshots."""
    query = (
        select(Snapshot.id, Monitor.id, Monitor.name, Snapshot.taken_at)
        .join(Monitor, Monitor.id == Snapshot.monitor_id)
        .where(Monitor.site_id == site.id)
        .order_by(Snapshot.taken_at.desc(), Snapshot.id.desc())
        .limit(200)
    )
    return list(s.execute(query).all())


def _bench_page(
    request: Request, who: Who, domain: str, error: str | None = None, status: int = 200
) -> Response:
    gettext = translations(page_locale(request)).gettext
    with _db(request).session() as s:
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
            "can_edit": _may(s, who, domain),
            "error": error,
            "when": _when(site, page_locale(request)),
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
    text = _text(form, name)
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(f"{name} {text[:20]!r} is not a number", field=name)
    return int(text)


def _add_competitor(s: Session, site: Site, form: Form) -> None:
    benchmark.add_competitor(
        s, site, _text(form, "name"), _text(form, "url"), is_self=bool(_text(form, "is_self"))
    )


def _add_criterion(s: Session, site: Site, form: Form) -> None:
    weight = _float(_decimal_text(form, "weight") or "1", "weight")
    benchmark.add_criterion(s, site, _text(form, "name"), weight, _text(form, "axis") or None)


def _set_score(s: Session, site: Site, form: Form) -> None:
    competitor = benchmark.get_competitor(s, _optional_id(form, "competitor") or 0, site)
    criterion = benchmark.get_criterion(s, _optional_id(form, "criterion") or 0, site)
    score = _decimal_text(form, "score")
    if not score:  # an empty score is a missing score, not 0
        benchmark.remove_score(s, competitor, criterion)
        return
    snapshot = _optional_id(form, "snapshot")
    value = _float(score, "score")
    benchmark.set_score(s, competitor, criterion, value, _text(form, "note"), snapshot)


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
        with _db(request).session() as s:
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
    with _db(request).session() as s:
        site = site_access(s, who, domain, "edit_goals")
        if what == "competitors":
            benchmark.remove_competitor(s, benchmark.get_competitor(s, item_id, site))
        elif what == "criteria":
            benchmark.remove_criterion(s, benchmark.get_criterion(s, item_id, site))
        else:
            raise InvalidInput(f"nothing to delete called {what[:20]!r}", field="what")
        target = f"/sites/{site.domain}/watch/benchmark"
    return RedirectResponse(target, status_code=303)


# -- feeds ------------------------------------------------------------------------------


def _feed(request: Request, who: Who, domain: str, monitor_id: int | None) -> Response:
    gettext = translations(page_locale(request)).gettext
    base = (request.app.state.settings.public_url or str(request.base_url)).rstrip("/")
    with _db(request).session() as s:
        site = site_access(s, who, domain)
        monitor = None if monitor_id is None else get_monitor(s, monitor_id, site)
        changes = recent_changes(s, site=site, monitor=monitor, limit=FEED_ENTRIES)
        page = f"{base}/sites/{site.domain}/watch"
        notices = [notice_for(c, c.monitor, f"{page}/{c.monitor_id}") for c in changes]
        name = site.domain if monitor is None else monitor.name
    self_url = base + request.url.path
    body = atom_feed(
        notices,
        feed_id=self_url,
        title=gettext("Watch: %(name)s") % {"name": name},
        self_url=self_url,
        updated=notices[0].detected_at if notices else datetime.now(UTC),
        translate=gettext,
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/sites/{domain}/watch/feed.atom")
def site_feed(request: Request, who: Who, domain: str) -> Response:
    """Atom feed of the changes of all the site's monitors, newest first."""
    return _feed(request, who, domain, None)


@router.get("/sites/{domain}/watch/{monitor_id}/feed.atom")
def monitor_feed(request: Request, who: Who, domain: str, monitor_id: int) -> Response:
    """Atom feed of one monitor's changes."""
    return _feed(request, who, domain, monitor_id)


# -- one monitor ------------------------------------------------------------------------


def _diff_html(old: str | None, new: str | None) -> Markup | None:
    if old is None or new is None:
        return None
    # Safe to mark: render_html escapes every piece of the page's text itself.
    return Markup(render_html(diff_text(old, new)))


def _diffs(s: Session, monitor: Monitor, changes: Sequence[Change]) -> dict[int, Markup | None]:
    """Word-level diff of each change against its previous snapshot (text kinds)."""
    if monitor.kind == "feed":
        return {}
    wanted = {c.snapshot_id for c in changes} | {c.previous_id for c in changes if c.previous_id}
    query = select(Snapshot.id, Snapshot.text).where(Snapshot.id.in_(wanted))
    texts = dict(s.execute(query).all())
    return {
        c.id: _diff_html(texts.get(c.previous_id or -1), texts.get(c.snapshot_id)) for c in changes
    }


def price_limits(thresholds: Mapping[str, Any], last: float | None) -> list[tuple[str, float]]:
    """The alert thresholds as prices: absolute limits, and percentages of the last price."""
    limits = [(k, float(thresholds[k])) for k in ("below", "above") if k in thresholds]
    if last is not None:
        for key, sign in (("drop_pct", -1), ("rise_pct", 1)):
            if key in thresholds:
                limits.append((key, last * (1 + sign * float(thresholds[key]) / 100)))
    return limits


def _time_axis(moments: Sequence[datetime], lang: str) -> dict[str, Any]:
    """At most about 8 ticks: whole days over two days or more, else check times."""
    span = (moments[-1] - moments[0]).total_seconds() if moments else 0
    granularity = "day" if span >= 2 * 86400 else "hour"
    ticks = list(moments)
    if granularity == "day":  # every midnight inside the checked period
        first = datetime(moments[0].year, moments[0].month, moments[0].day)
        days = range(0 if first == moments[0] else 1, (moments[-1] - first).days + 1)
        ticks = [first + timedelta(days=n) for n in days]
    step = max(1, -(-len(ticks) // 8))
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
    zone: ZoneInfo,
    locale: str,
    price_title: str,
    time_title: str,
) -> dict[str, Any]:
    """Vega-Lite line of prices over time with the thresholds as dashed rules. Times are
    the site's clock written as UTC instants and drawn in UTC, as in ``pilotage.charts``;
    numbers and dates follow the page's d3 (CLDR-derived) locale."""
    lang = language(locale)
    local = [m.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) for m, _ in points]
    values = [
        {"t": moment.isoformat() + "Z", "price": price}
        for moment, (_, price) in zip(local, points, strict=True)
    ]
    unit = "utcyearmonthdatehoursminutes"
    x = {"field": "t", "type": "temporal", "timeUnit": unit, "title": time_title,
         "axis": _time_axis(local, lang)}  # fmt: skip
    y = {"field": "price", "type": "quantitative", "title": price_title,
         "scale": {"zero": False}, "axis": {"format": NUMBER_FORMAT}}  # fmt: skip
    tooltip = [
        {"field": "t", "type": "temporal", "timeUnit": unit, "title": time_title,
         "format": TIME_FORMATS[lang]["hour"][1]},
        {"field": "price", "type": "quantitative", "title": price_title, "format": NUMBER_FORMAT},
    ]  # fmt: skip
    rules = {"values": [{"label": label, "price": value} for label, value in limits]}
    rule_y = {"field": "price", "type": "quantitative"}
    return {
        "$schema": SCHEMA, "description": price_title, "width": "container", "height": 280,
        "autosize": {"type": "fit-x", "contains": "padding"}, "data": {"values": values},
        "layer": [
            {"mark": {"type": "line", "color": CURRENT_COLOUR, "interpolate": "step-after"},
             "encoding": {"x": x, "y": y}},
            {"mark": {"type": "point", "filled": True, "color": CURRENT_COLOUR},
             "encoding": {"x": x, "y": y, "tooltip": tooltip}},
            {"data": rules, "mark": {"type": "rule", "strokeDash": [6, 4],
                                     "color": THRESHOLD_COLOUR},
             "encoding": {"y": rule_y}},
            {"data": rules, "mark": {"type": "text", "align": "left", "dy": -6, "x": 2,
                                     "color": THRESHOLD_COLOUR},
             "encoding": {"y": rule_y, "text": {"field": "label", "type": "nominal"}}},
        ],
        "config": {"view": {"stroke": None}},
    }  # fmt: skip


def _price_chart(s: Session, monitor: Monitor, site: Site, locale: str) -> dict[str, Any] | None:
    if monitor.kind != "price":
        return None
    query = (
        select(Snapshot.taken_at, Snapshot.price, Snapshot.currency)
        .where(Snapshot.monitor_id == monitor.id, Snapshot.price.is_not(None))
        .order_by(Snapshot.taken_at.desc())
        .limit(PRICE_POINTS)
    )
    rows = list(s.execute(query).all())[::-1]
    if not rows:
        return None
    gettext = translations(locale).gettext
    labels = {
        "below": gettext("Lower limit"),
        "above": gettext("Upper limit"),
        "drop_pct": gettext("Drop threshold"),
        "rise_pct": gettext("Rise threshold"),
    }
    points = [(moment, float(price or 0)) for moment, price, _ in rows]  # prices are not null
    limits = price_limits(monitor.thresholds or {}, points[-1][1])
    currency = rows[-1][2]
    title = gettext("Price") + (f" ({currency})" if currency else "")
    return price_spec(
        points,
        [(labels[key], value) for key, value in limits],
        zone=ZoneInfo(site.timezone),
        locale=locale,
        price_title=title,
        time_title=gettext("Checked at"),
    )


def _monitor_page(
    request: Request,
    who: Who,
    domain: str,
    monitor_id: int,
    *,
    values: Mapping[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    locale = page_locale(request)
    with _db(request).session() as s:
        site = site_access(s, who, domain)
        monitor = get_monitor(s, monitor_id, site)
        changes = recent_changes(s, monitor=monitor, limit=CHANGES_SHOWN)
        snapshots = s.scalars(
            select(Snapshot)
            .where(Snapshot.monitor_id == monitor.id)
            .order_by(Snapshot.taken_at.desc(), Snapshot.id.desc())
            .limit(SNAPSHOTS_SHOWN)
        )
        context = {
            "spec": {"domain": site.domain},
            "monitor": monitor,
            "changes": changes,
            "diffs": _diffs(s, monitor, changes),
            "snapshots": list(snapshots),
            "chart": _price_chart(s, monitor, site, locale),
            "can_edit": _may(s, who, domain),
            "values": values or form_of(monitor),
            "error": error,
            "checked": request.query_params.get("checked"),
            "kinds": KINDS,
            "when": _when(site, locale),
            "every_label": every_label,
            "link": web_url,
        }
        return render(request, "watch/monitor.html", context, status_code=status)


@router.get("/sites/{domain}/watch/{monitor_id}", response_class=HTMLResponse)
def monitor_page(request: Request, who: Who, domain: str, monitor_id: int) -> Response:
    """A monitor: its settings, changes with their diffs, snapshots and price history."""
    return _monitor_page(request, who, domain, monitor_id)


def _update(s: Session, site: Site, monitor: Monitor, fields: dict[str, Any]) -> None:
    """Change ``monitor`` to ``fields``, checked as a new monitor would be.

    ``monitors`` has no update function: a probe monitor goes through every check of
    ``add_monitor`` and is deleted once its checked values are copied, in one transaction.
    """
    probe = add_monitor(s, site, **fields)
    for name in EDITABLE:
        setattr(monitor, name, getattr(probe, name))
    for name in EDITABLE_JSON:
        setattr(monitor, name, dict(getattr(probe, name)))
    notify, old = dict(probe.notify), monitor.notify or {}
    # secrets are never shown in the form: keep them unless their target changed
    if old.get("apprise"):
        notify["apprise"] = old["apprise"]
    if old.get("webhook_secret") and old.get("webhook") == notify.get("webhook"):
        notify["webhook_secret"] = old["webhook_secret"]
    monitor.notify = notify
    s.delete(probe)
    s.flush()


@router.post("/sites/{domain}/watch/{monitor_id}/edit", response_class=HTMLResponse)
async def edit(request: Request, who: Who, domain: str, monitor_id: int) -> Response:
    form = await request.form()
    try:
        with _db(request).session() as s:
            site = site_access(s, who, domain, "edit_goals")
            _update(s, site, get_monitor(s, monitor_id, site), monitor_fields(form))
            target = f"/sites/{site.domain}/watch/{monitor_id}"
    except InvalidInput as exc:
        values = {k: _text(form, k) for k in form if k != "csrf"}
        return _monitor_page(
            request, who, domain, monitor_id, values=values, error=exc.message, status=400
        )
    return RedirectResponse(target, status_code=303)


@router.post("/sites/{domain}/watch/{monitor_id}/delete")
async def delete(request: Request, who: Who, domain: str, monitor_id: int) -> Response:
    """Delete a monitor with its snapshots and changes, once the box is ticked."""
    form = await request.form()
    with _db(request).session() as s:
        site = site_access(s, who, domain, "edit_goals")
        monitor = get_monitor(s, monitor_id, site)
        if _text(form, "confirm") != "yes":
            raise InvalidInput("tick the box to confirm the deletion", field="confirm")
        delete_monitor(s, monitor)
        target = f"/sites/{site.domain}/watch"
    return RedirectResponse(target, status_code=303)


@router.post("/sites/{domain}/watch/{monitor_id}/check")
async def check_now(request: Request, who: Who, domain: str, monitor_id: int) -> Response:
    """Check the monitor now (alerts go out as for a scheduled check)."""
    with _db(request).session() as s:
        site = site_access(s, who, domain, "edit_goals")
        get_monitor(s, monitor_id, site)
        target = f"/sites/{site.domain}/watch/{monitor_id}"
    outcomes = await run_checks(
        instance(request).app,
        request.app.state.settings,
        monitor_ids=[monitor_id],
        locale=page_locale(request),
    )
    state = outcomes[0].state if outcomes else "error"
    return RedirectResponse(f"{target}?checked={state}", status_code=303)


# -- API --------------------------------------------------------------------------------


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(tzinfo=UTC).isoformat()


def monitor_json(m: Monitor) -> dict[str, Any]:
    """A monitor for the API; its notification targets stay out (they hold secrets)."""
    return {
        "id": m.id, "name": m.name, "url": m.url, "kind": m.kind, "css": m.css,
        "xpath": m.xpath, "jsonpath": m.jsonpath, "every_seconds": m.every_seconds,
        "competitor": m.competitor, "keywords": m.keywords, "thresholds": m.thresholds,
        "active": m.active, "last_checked_at": _instant(m.last_checked_at),
        "next_check_at": _instant(m.next_check_at), "last_error": m.last_error,
    }  # fmt: skip


def change_json(c: Change) -> dict[str, Any]:
    return {
        "id": c.id, "monitor_id": c.monitor_id, "detected_at": _instant(c.detected_at),
        "summary": c.summary, "added": c.added, "removed": c.removed,
        "words_added": c.words_added, "words_removed": c.words_removed,
        "price_old": c.price_old, "price_new": c.price_new,
        "availability_old": c.availability_old, "availability_new": c.availability_new,
        "significance": c.significance, "alerted": c.alerted,
    }  # fmt: skip


def api_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """``add_monitor``'s arguments from an API body, each of the type it takes."""
    unknown = sorted(set(body) - API_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0][:40]!r}", field=unknown[0][:40])
    fields = {k: v for k, v in body.items() if k != "site_id" and v is not None}
    for name, value in fields.items():
        wanted: Any = dict if name in ("keywords", "thresholds", "notify") else str
        if name == "every":
            wanted = (str, int)
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise InvalidInput(f"{name} has the wrong type", field=name)
    if "url" not in fields:
        raise InvalidInput("url is required", field="url")
    return fields


@api.get("/monitors", summary="List a site's monitors")
def api_monitors(request: Request, site_id: str = "") -> JSONResponse:
    """The monitors of ``site_id`` (scope ``stats:read``)."""
    domain, _ = authorised_site(request, site_id, "stats:read")
    with _db(request).session() as s:
        rows = [monitor_json(m) for m in list_monitors(s, get_site(s, domain))]
    return JSONResponse({"results": rows})


@api.post("/monitors", summary="Add a monitor", status_code=201)
def api_add(
    request: Request,
    body: Annotated[
        dict[str, Any] | None,
        Body(examples=[{"site_id": "boutique.example", "url": "https://rival.example/kettle",
                        "kind": "price", "every": "6h", "thresholds": {"drop_pct": 10}}]),
    ] = None,
) -> JSONResponse:  # fmt: skip
    """Add a monitor (scope ``sites:write``, editor role): ``url``, ``kind`` (text, price,
    availability, feed), one of ``css``/``xpath``/``jsonpath``, ``every`` (30m, 6h, 1d),
    ``name``, ``competitor``, ``keywords``, ``thresholds``, ``notify``."""
    body = body or {}  # the key is checked before the body
    domain, _ = authorised_site(request, body.get("site_id"), "sites:write", action="edit_goals")
    fields = api_fields(body)
    with _db(request).session() as s:
        data = monitor_json(add_monitor(s, get_site(s, domain), **fields))
    return JSONResponse(data, status_code=201)


@api.get("/changes", summary="Recent changes of a site's monitors")
def api_changes(request: Request, site_id: str = "", monitor: str = "") -> JSONResponse:
    """Changes newest first, of all the site's monitors or of ``monitor`` (its id)."""
    domain, _ = authorised_site(request, site_id, "stats:read")
    if monitor and not monitor.isdigit():
        raise InvalidInput(f"monitor {monitor[:20]!r} is not a monitor id", field="monitor")
    with _db(request).session() as s:
        site = get_site(s, domain)
        one = get_monitor(s, int(monitor), site) if monitor else None
        rows = [change_json(c) for c in recent_changes(s, site=site, monitor=one)]
    return JSONResponse({"results": rows})
