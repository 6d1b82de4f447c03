"""Competitive watch pages: monitors, their changes and diffs, and Atom feeds.

Viewers read monitors, changes and feeds; editors (``edit_goals``) add, edit, check and
delete monitors. Everything that comes from a competitor's page (text, titles, URLs,
prices) is attacker-controlled: the templates escape it and link a URL only when it is
http(s). The one piece of markup not escaped by Jinja2 is a diff, which
:func:`pilotage.watch.diff.render_html` escapes itself.

The Atom feeds are in ``watch_feeds`` (signed in, or through a shared link).
The competitor benchmark (``watch_bench``) shares the helpers below; the API is ``watch_api``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pilotage.accounts import list_shared_links
from pilotage.charts import price_spec
from pilotage.errors import InvalidInput, PilotageError
from pilotage.i18n import translations
from pilotage.store.app import AppDB, Change, Monitor, Site, Snapshot
from pilotage.watch.diff import diff_text, render_html
from pilotage.watch.monitors import (
    KINDS,
    add_monitor,
    delete_monitor,
    get_monitor,
    list_monitors,
    recent_changes,
    update_monitor,
)
from pilotage.watch.notify import web_url
from pilotage.watch.schedule import run_checks
from pilotage.web.context import Who, instance, prepare, public_base, site_access
from pilotage.web.templating import page_locale, render

router = APIRouter(dependencies=[Depends(prepare)])
CHANGES_SHOWN = 50
SNAPSHOTS_SHOWN = 50
PRICE_POINTS = 1000
SELECTORS = ("css", "xpath", "jsonpath")
THRESHOLD_FIELDS = ("drop_pct", "rise_pct", "below", "above", "min_significance")
Form = Mapping[str, Any]


def app_db(request: Request) -> AppDB:
    return instance(request).app


def may_edit(s: Session, who: Who, domain: str) -> bool:
    """Whether ``who`` may change the site's watch (the pages then show their forms)."""
    try:
        site_access(s, who, domain, "edit_goals")
    except PilotageError:
        return False
    return True


def clock(site: Site, locale: str) -> Callable[[datetime | None], str]:
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


def form_text(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def form_decimal(form: Form, name: str) -> str:
    # French forms write decimals with a comma and group digits with spaces
    return form_text(form, name).replace(",", ".").replace(" ", "").replace("\u202f", "")


def monitor_fields(form: Form) -> dict[str, Any]:
    """``add_monitor``'s (and ``update_monitor``'s) keyword arguments from the monitor
    form; they check every value."""
    chosen = form_text(form, "selector_kind") or "css"
    if chosen not in SELECTORS:
        raise InvalidInput(
            f"selector type {chosen[:20]!r} is not one of css, xpath, jsonpath",
            field="selector_kind",
        )
    selector = form_text(form, "selector")
    return {
        "url": form_text(form, "url"),
        "kind": form_text(form, "kind") or "text",
        "name": form_text(form, "name"),
        "every": form_text(form, "every") or "6h",
        "competitor": form_text(form, "competitor"),
        "keywords": {"include": form_text(form, "include"), "exclude": form_text(form, "exclude")},
        "thresholds": {key: form_decimal(form, key) for key in THRESHOLD_FIELDS},
        "notify": {"emails": form_text(form, "emails"), "webhook": form_text(form, "webhook")},
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
    with app_db(request).session() as s:
        site = site_access(s, who, domain)
        if order != "newest":
            order = "significance"
        ranked = order == "significance"
        changes = recent_changes(s, site=site, limit=CHANGES_SHOWN, by_significance=ranked)
        base = public_base(request)
        context = {
            "spec": {"domain": site.domain},
            "monitors": list_monitors(s, site),
            "last_change": _last_changes(s, site),
            "changes": changes,
            "order": order,
            "can_edit": may_edit(s, who, domain),
            "values": values or {"every": "6h", "kind": "text", "selector_kind": "css"},
            "error": error,
            "kinds": KINDS,
            "when": clock(site, page_locale(request)),
            "every_label": every_label,
            "link": web_url,
            "reader_feeds": [
                f"{base}/share/{link.slug}/watch/feed.atom"
                for link in list_shared_links(s, site)
                if link.password_hash is None
            ],
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
        with app_db(request).session() as s:
            site = site_access(s, who, domain, "edit_goals")
            monitor = add_monitor(s, site, **monitor_fields(form))
            target = f"/sites/{site.domain}/watch/{monitor.id}"
    except InvalidInput as exc:  # nothing is stored: the session rolled back
        values = {k: form_text(form, k) for k in form if k != "csrf"}
        return _index(request, who, domain, values=values, error=exc.message, status=400)
    return RedirectResponse(target, status_code=303)


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
    with app_db(request).session() as s:
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
            "can_edit": may_edit(s, who, domain),
            "values": values or form_of(monitor),
            "error": error,
            "checked": request.query_params.get("checked"),
            "kinds": KINDS,
            "when": clock(site, locale),
            "every_label": every_label,
            "link": web_url,
        }
        return render(request, "watch/monitor.html", context, status_code=status)


@router.get("/sites/{domain}/watch/{monitor_id}", response_class=HTMLResponse)
def monitor_page(request: Request, who: Who, domain: str, monitor_id: int) -> Response:
    """A monitor: its settings, changes with their diffs, snapshots and price history."""
    return _monitor_page(request, who, domain, monitor_id)


@router.post("/sites/{domain}/watch/{monitor_id}/edit", response_class=HTMLResponse)
async def edit(request: Request, who: Who, domain: str, monitor_id: int) -> Response:
    """Change a monitor; the secrets the form never shows back stay (``update_monitor``)."""
    form = await request.form()
    try:
        with app_db(request).session() as s:
            site = site_access(s, who, domain, "edit_goals")
            update_monitor(s, get_monitor(s, monitor_id, site), **monitor_fields(form))
            target = f"/sites/{site.domain}/watch/{monitor_id}"
    except InvalidInput as exc:
        values = {k: form_text(form, k) for k in form if k != "csrf"}
        return _monitor_page(
            request, who, domain, monitor_id, values=values, error=exc.message, status=400
        )
    return RedirectResponse(target, status_code=303)


@router.post("/sites/{domain}/watch/{monitor_id}/delete")
async def delete(request: Request, who: Who, domain: str, monitor_id: int) -> Response:
    """Delete a monitor with its snapshots and changes, once the box is ticked."""
    form = await request.form()
    with app_db(request).session() as s:
        site = site_access(s, who, domain, "edit_goals")
        monitor = get_monitor(s, monitor_id, site)
        if form_text(form, "confirm") != "yes":
            raise InvalidInput("tick the box to confirm the deletion", field="confirm")
        delete_monitor(s, monitor)
        target = f"/sites/{site.domain}/watch"
    return RedirectResponse(target, status_code=303)


@router.post("/sites/{domain}/watch/{monitor_id}/check")
async def check_now(request: Request, who: Who, domain: str, monitor_id: int) -> Response:
    """Check the monitor now (alerts go out as for a scheduled check)."""
    with app_db(request).session() as s:
        site = site_access(s, who, domain, "edit_goals")
        get_monitor(s, monitor_id, site)
        target = f"/sites/{site.domain}/watch/{monitor_id}"
    outcomes = await run_checks(
        instance(request).app,
        request.app.state.settings,
        monitor_ids=[monitor_id],
    )
    state = outcomes[0].state if outcomes else "error"
    return RedirectResponse(f"{target}?checked={state}", status_code=303)
