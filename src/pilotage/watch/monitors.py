"""Monitors: what to watch on a competitor's page, how often, and whom to tell.

A monitor belongs to one site (the product it is a competitor of), so the site's
members see it and its changes. Every user-given value is checked here, by one function
for new and updated monitors (``_checked``): the URL (http or https, normalised),
selectors (compiled on an empty page), the interval (at least five minutes: competitors'
servers deserve politeness too), thresholds and the notification targets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Final, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from pilotage.crawl.urls import normalise_url
from pilotage.durations import parse_duration
from pilotage.errors import InvalidInput, NotFound
from pilotage.store.app import Change, Monitor, Site
from pilotage.store.app.models import _now
from pilotage.watch.content import json_select
from pilotage.watch.content import select as select_nodes

KINDS = ("text", "price", "availability", "feed")
MIN_EVERY = 300
MAX_EVERY = 30 * 86400
THRESHOLD_KEYS = ("drop_pct", "rise_pct", "below", "above", "min_significance")
# Selectors each kind reads: a price can be read from a CSS selection; an availability,
# only from structured data; a feed is read whole.
_SELECTORS: dict[str, tuple[str, ...]] = {
    "text": ("CSS", "XPath", "JSONPath"),
    "price": ("CSS",),
    "availability": (),
    "feed": (),
}
PRICE_THRESHOLDS = ("drop_pct", "rise_pct", "below", "above")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def parse_every(text: str | int) -> int:
    """'6h', '30m', '1d', '3600' -> seconds, between 5 minutes and 30 days."""
    if isinstance(text, int) and not isinstance(text, bool):
        seconds = text
    else:
        seconds = int(parse_duration(str(text), "every"))
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise InvalidInput(
            f"interval {text!r} must be between 5 minutes and 30 days", field="every"
        )
    return seconds


def check_url(url: str, field: str = "url") -> str:
    """``url`` normalised; only absolute http(s) URLs are accepted."""
    try:
        normalised = normalise_url(url.strip())
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=field) from None
    except ValueError:  # urllib's own complaints, e.g. "Invalid IPv6 URL"
        raise InvalidInput(f"URL {url!r} is not a valid URL", field=field) from None
    if not normalised.startswith(("http://", "https://")):
        raise InvalidInput(f"URL {url!r} must start with http:// or https://", field=field)
    return normalised


def _check_selectors(kind: str, css: str | None, xpath: str | None, jsonpath: str | None) -> None:
    """One selector at most, of a kind the monitor's kind reads (see ``runner.observe``)."""
    given = [
        name for name, value in (("CSS", css), ("XPath", xpath), ("JSONPath", jsonpath)) if value
    ]
    if len(given) > 1:
        raise InvalidInput(f"give one selector, not {' and '.join(given)}", field="selector")
    allowed = _SELECTORS[kind]
    if given and given[0] not in allowed:
        what = " or ".join(allowed) if allowed else "no selector"
        raise InvalidInput(
            f"a {kind} monitor takes {what}, not a {given[0]} selector", field="selector"
        )
    if css or xpath:
        select_nodes("<html><body></body></html>", "http://example.org/", css=css, xpath=xpath)
    if jsonpath:
        json_select("{}", jsonpath)


def check_thresholds(values: Mapping[str, Any] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in (values or {}).items():
        if key not in THRESHOLD_KEYS:
            raise InvalidInput(f"unknown threshold {key!r}", field="thresholds")
        if value is None or value == "":
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"threshold {key} {value!r} is not a number", field=key) from None
        # a percentage of 0 would make every move pass: price.passes_threshold refuses it
        low_ok = number > 0 if key in ("drop_pct", "rise_pct") else number >= 0
        if not (math.isfinite(number) and low_ok) or (key == "min_significance" and number > 1):
            raise InvalidInput(f"threshold {key} {value!r} is out of range", field=key)
        out[key] = number
    return out


def _words(values: str | Sequence[str] | None) -> list[str]:
    """A list of non-blank entries; a string is split on commas and semicolons."""
    if values is None:
        return []
    items = re.split(r"[,;\n]", values) if isinstance(values, str) else values
    return [item.strip() for item in items if item and item.strip()]


def check_notify(values: Mapping[str, Any] | None) -> dict[str, Any]:
    values = values or {}
    emails = _words(values.get("emails"))
    for email in emails:
        if not _EMAIL.match(email):
            raise InvalidInput(f"{email!r} is not an e-mail address", field="emails")
    out: dict[str, Any] = {"emails": emails}
    webhook = (values.get("webhook") or "").strip()
    if webhook:
        out["webhook"] = check_url(webhook, field="webhook")
        out["webhook_secret"] = values.get("webhook_secret") or None
    raw_urls = values.get("apprise")
    # apprise URLs may hold commas (several targets), so a string is split on spaces only
    apprise_urls = raw_urls.split() if isinstance(raw_urls, str) else _words(raw_urls)
    if apprise_urls:
        out["apprise"] = apprise_urls
    return out


def _keywords(values: Mapping[str, str | Sequence[str]] | None) -> dict[str, list[str]]:
    values = values or {}
    return {"include": _words(values.get("include")), "exclude": _words(values.get("exclude"))}


@dataclass(frozen=True)
class _Columns:
    """A monitor's settings as its columns hold them, every value checked."""

    name: str
    url: str
    kind: str
    css: str | None
    xpath: str | None
    jsonpath: str | None
    every_seconds: int
    competitor: str
    keywords: dict[str, list[str]]
    thresholds: dict[str, float]
    notify: dict[str, Any]


def _checked(
    *,
    url: str,
    kind: str,
    name: str,
    css: str | None,
    xpath: str | None,
    jsonpath: str | None,
    every: str | int,
    competitor: str,
    keywords: Mapping[str, str | Sequence[str]] | None,
    thresholds: Mapping[str, Any] | None,
    notify: Mapping[str, Any] | None,
) -> _Columns:
    """The one validation of a monitor's settings, for ``add_monitor`` and ``update_monitor``."""
    if kind not in KINDS:
        raise InvalidInput(f"kind {kind!r} is not one of {', '.join(KINDS)}", field="kind")
    url = check_url(url)
    css, xpath, jsonpath = (css or None), (xpath or None), (jsonpath or None)
    _check_selectors(kind, css, xpath, jsonpath)
    limits = check_thresholds(thresholds)
    if kind != "price" and set(limits) & set(PRICE_THRESHOLDS):
        raise InvalidInput(f"price thresholds need a price monitor, not {kind}", field="thresholds")
    return _Columns(
        name=(name.strip() or url)[:200],
        url=url,
        kind=kind,
        css=css,
        xpath=xpath,
        jsonpath=jsonpath,
        every_seconds=parse_every(every),
        competitor=competitor.strip()[:200],
        keywords=_keywords(keywords),
        thresholds=limits,
        notify=check_notify(notify),
    )


def add_monitor(
    s: Session,
    site: Site,
    url: str,
    *,
    kind: str = "text",
    name: str = "",
    css: str | None = None,
    xpath: str | None = None,
    jsonpath: str | None = None,
    every: str | int = "6h",
    competitor: str = "",
    keywords: Mapping[str, str | Sequence[str]] | None = None,
    thresholds: Mapping[str, Any] | None = None,
    notify: Mapping[str, Any] | None = None,
) -> Monitor:
    columns = _checked(
        url=url,
        kind=kind,
        name=name,
        css=css,
        xpath=xpath,
        jsonpath=jsonpath,
        every=every,
        competitor=competitor,
        keywords=keywords,
        thresholds=thresholds,
        notify=notify,
    )
    monitor = Monitor(site_id=site.id, next_check_at=_now(), **asdict(columns))
    s.add(monitor)
    s.flush()
    return monitor


class Keep(Enum):
    """The default of ``update_monitor``'s settings: the monitor's value stays."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP
_T = TypeVar("_T")


def _or(value: _T | Keep, current: _T) -> _T:
    return current if isinstance(value, Keep) else value


def _kept_secrets(
    checked: dict[str, Any], given: Mapping[str, Any], old: Mapping[str, Any]
) -> dict[str, Any]:
    """``checked`` with the secrets ``given`` leaves out taken from ``old``: forms never
    show them back. A webhook's secret belongs to its URL, so a new URL drops it."""
    out = dict(checked)
    if given.get("apprise") is None and old.get("apprise"):
        out["apprise"] = list(old["apprise"])
    same_hook = out.get("webhook") is not None and out.get("webhook") == old.get("webhook")
    if given.get("webhook_secret") is None and same_hook and old.get("webhook_secret"):
        out["webhook_secret"] = old["webhook_secret"]
    return out


def update_monitor(
    s: Session,
    monitor: Monitor,
    *,
    name: str | Keep = KEEP,
    url: str | Keep = KEEP,
    kind: str | Keep = KEEP,
    css: str | Keep | None = KEEP,
    xpath: str | Keep | None = KEEP,
    jsonpath: str | Keep | None = KEEP,
    every: str | int | Keep = KEEP,
    competitor: str | Keep = KEEP,
    keywords: Mapping[str, str | Sequence[str]] | Keep | None = KEEP,
    thresholds: Mapping[str, Any] | Keep | None = KEEP,
    notify: Mapping[str, Any] | Keep | None = KEEP,
    active: bool | Keep = KEEP,
) -> Monitor:
    """Change the settings given; the others keep their values. The result is checked
    whole, as ``add_monitor`` checks a new monitor (so a new kind may need ``css=None``
    for a selector it does not read), and nothing changes unless every value passes.
    ``notify`` replaces the targets, except the secrets it leaves out (see ``_kept_secrets``).
    """
    if not isinstance(active, bool | Keep):
        raise InvalidInput(f"active {active!r} is not true or false", field="active")
    old_notify = monitor.notify or {}
    given_notify = _or(notify, old_notify) or {}
    interval: str | int = monitor.every_seconds if isinstance(every, Keep) else every
    columns = _checked(
        url=_or(url, monitor.url),
        kind=_or(kind, monitor.kind),
        name=_or(name, monitor.name),
        css=_or(css, monitor.css),
        xpath=_or(xpath, monitor.xpath),
        jsonpath=_or(jsonpath, monitor.jsonpath),
        every=interval,
        competitor=_or(competitor, monitor.competitor),
        keywords=_or(keywords, monitor.keywords),
        thresholds=_or(thresholds, monitor.thresholds),
        notify=given_notify,
    )
    observed = ("url", "kind", "css", "xpath", "jsonpath")
    before = {column: getattr(monitor, column) for column in (*observed, "every_seconds")}
    for column, value in asdict(columns).items():
        setattr(monitor, column, value)
    monitor.notify = _kept_secrets(columns.notify, given_notify, old_notify)
    monitor.active = _or(active, monitor.active)
    _reschedule(monitor, before, observed)
    s.flush()
    return monitor


def _reschedule(monitor: Monitor, before: Mapping[str, Any], observed: Sequence[str]) -> None:
    """A monitor that now watches something else is checked at once; a new interval
    counts from the last check (so a shorter one may make the monitor due now)."""
    if any(getattr(monitor, column) != before[column] for column in observed):
        monitor.next_check_at = _now()
    elif monitor.every_seconds != before["every_seconds"]:
        last = monitor.last_checked_at or _now()
        monitor.next_check_at = last + timedelta(seconds=monitor.every_seconds)


def get_monitor(s: Session, monitor_id: int, site: Site | None = None) -> Monitor:
    monitor = s.get(Monitor, monitor_id)
    if monitor is None or (site is not None and monitor.site_id != site.id):
        raise NotFound(f"no monitor {monitor_id}", field="monitor")
    return monitor


def list_monitors(s: Session, site: Site | None = None) -> list[Monitor]:
    query = select(Monitor).order_by(Monitor.id)
    if site is not None:
        query = query.where(Monitor.site_id == site.id)
    return list(s.scalars(query))


def delete_monitor(s: Session, monitor: Monitor) -> None:
    s.delete(monitor)


def due_monitors(s: Session, now: datetime | None = None) -> list[Monitor]:
    moment = now or _now()
    query = (
        select(Monitor)
        .where(Monitor.active.is_(True), Monitor.next_check_at <= moment)
        .order_by(Monitor.next_check_at, Monitor.id)
    )
    return list(s.scalars(query))


def recent_changes(
    s: Session,
    *,
    site: Site | None = None,
    monitor: Monitor | None = None,
    alerted_only: bool = False,
    limit: int = 100,
    by_significance: bool = False,
) -> list[Change]:
    """Newest first; ``by_significance``: the most significant of all, newest first among
    equals (not only the latest ``limit`` ranked)."""
    newest = (Change.detected_at.desc(), Change.id.desc())
    order = (Change.significance.desc(), *newest) if by_significance else newest
    query = select(Change).join(Monitor).order_by(*order)
    if site is not None:
        query = query.where(Monitor.site_id == site.id)
    if monitor is not None:
        query = query.where(Change.monitor_id == monitor.id)
    if alerted_only:
        query = query.where(Change.alerted.is_(True))
    return list(s.scalars(query.limit(limit)))
