"""Checking monitors: fetch politely, observe, compare with the last snapshot, alert.

One check: robots.txt is asked first (a competitor's robots.txt is obeyed as any
crawler's), then the page is fetched through the SSRF-guarded fetcher, reduced to
what the monitor watches (main text, selection, offer, feed items), and compared
with the last snapshot by fingerprint. Only a difference is stored: a new snapshot
and a ``Change`` with the lines added and removed, the price and availability moves
and a significance score (``pilotage.watch.diff.significance``). A change alerts when
it passes the monitor's thresholds; alerts go by e-mail, webhook and apprise, and a
failed delivery is recorded on the change without losing it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pilotage.config import Settings
from pilotage.crawl.fetch import Fetcher
from pilotage.crawl.robots import RobotsCache
from pilotage.errors import PilotageError
from pilotage.seo.text import decode_body
from pilotage.store.app import AppDB, Change, Monitor, Snapshot
from pilotage.store.app.models import _now
from pilotage.watch import channels, notify
from pilotage.watch.content import fingerprint, json_select, snapshot_text
from pilotage.watch.diff import diff_text, significance
from pilotage.watch.feeds import keyword_filter, parse_feed
from pilotage.watch.price import Offer, extract_offer, passes_threshold, stored_price
from pilotage.watch.summary import change_summary

USER_AGENT_WATCH = "PilotageBot-Watch"


@dataclass
class Observation:
    """What a monitor sees of the page at one moment."""

    status: int
    text: str = ""
    price: Decimal | None = None
    currency: str | None = None
    availability: str | None = None
    items: list[dict[str, str]] = field(default_factory=list)
    warning: str | None = None  # shown on the monitor; the snapshot is stored all the same

    @property
    def fingerprint(self) -> str:
        price = "" if self.price is None else str(self.price)
        ids = ",".join(item["id"] for item in self.items)
        return fingerprint(
            "\x1f".join((self.text, price, self.currency or "", self.availability or "", ids))
        )


@dataclass(frozen=True)
class Outcome:
    monitor_id: int
    state: str  # "first", "unchanged", "changed", "error"
    change_id: int | None = None
    alerted: bool = False
    error: str | None = None


def observe(monitor: Monitor, status: int, body: bytes, charset: str | None) -> Observation:
    """Reduce a fetched page to what ``monitor`` watches; bad content raises InvalidInput."""
    html, _ = decode_body(body, charset)
    seen = Observation(status=status)
    if monitor.kind == "feed":
        feed = parse_feed(body, monitor.url)
        keywords = monitor.keywords or {}
        entries = keyword_filter(
            feed.entries, keywords.get("include", []), keywords.get("exclude", [])
        )
        seen.items = [{"id": e.id, "title": e.title, "link": e.link or ""} for e in entries]
        seen.text = "\n".join(e.title for e in entries)
    elif monitor.kind in ("price", "availability"):
        offer = extract_offer(html, monitor.url, css=monitor.css)
        if offer is not None:
            seen.price, seen.currency = offer.price, offer.currency
            seen.availability = offer.availability
        if monitor.kind == "availability":
            seen.price = seen.currency = None
        seen.warning = _offer_warning(monitor, offer)
    elif monitor.jsonpath:
        values = json_select(body, monitor.jsonpath)
        seen.text = "\n".join(json.dumps(v, ensure_ascii=False, sort_keys=True) for v in values)
    else:
        seen.text = snapshot_text(html, monitor.url, css=monitor.css, xpath=monitor.xpath)
    return seen


def _offer_warning(monitor: Monitor, offer: Offer | None) -> str | None:
    """Why a price (availability) monitor sees no price (availability), if it does not."""
    if monitor.kind == "price" and (offer is None or offer.price is None):
        if monitor.css:
            return f"no price in what the selector {monitor.css!r} matches"
        return "no price on the page (no schema.org Offer, microdata or Open Graph price)"
    if monitor.kind == "availability" and (offer is None or offer.availability is None):
        return "no availability on the page (no schema.org Offer availability)"
    return None


def describe(
    monitor: Monitor, old: Snapshot, new: Observation
) -> tuple[list[str], list[str], dict[str, object]]:
    """Lines added and removed, and the change's numbers."""
    numbers: dict[str, object] = {}
    if monitor.kind == "feed":
        seen = {item["id"] for item in old.items}
        fresh = [item["title"] for item in new.items if item["id"] not in seen]
        numbers["items"] = (len(old.items), len(new.items))
        return fresh, [], numbers
    diff = diff_text(old.text, new.text)
    # document order, an edited line counting as its old version removed and new one added
    added = [line.new for line in diff.lines if line.kind != "removed"]
    removed = [line.old for line in diff.lines if line.kind != "added"]
    numbers.update(diff=diff, words_added=diff.words_added, words_removed=diff.words_removed)
    return added, removed, numbers


def passes(monitor: Monitor, old: Snapshot, new: Observation, score: float, added: int) -> bool:
    """Whether a change alerts: the monitor's thresholds, else any change."""
    limits = monitor.thresholds or {}
    if monitor.kind == "feed":
        return added > 0
    if score < float(limits.get("min_significance", 0.0)):
        return False
    price_limits = {k: Decimal(str(v)) for k, v in limits.items() if k != "min_significance"}
    if monitor.kind == "price" and new.price is not None and price_limits:
        return passes_threshold(stored_price(old.price), new.price, **price_limits)
    return True


def _snapshot(monitor: Monitor, seen: Observation, now: datetime) -> Snapshot:
    return Snapshot(
        monitor_id=monitor.id,
        taken_at=now,
        status=seen.status,
        fingerprint=seen.fingerprint,
        text=seen.text,
        price=None if seen.price is None else str(seen.price),
        currency=seen.currency,
        availability=seen.availability,
        items=seen.items,
    )


def record(db: AppDB, monitor_id: int, seen: Observation, now: datetime) -> Outcome:
    """Store the observation if it differs from the last snapshot; make the change."""
    with db.session() as s:
        monitor = s.get(Monitor, monitor_id)
        if monitor is None:
            return Outcome(monitor_id, "error", error="monitor deleted")
        _schedule(monitor, now, seen.warning)
        last = s.query(Snapshot).filter_by(monitor_id=monitor.id)
        old = last.order_by(Snapshot.taken_at.desc(), Snapshot.id.desc()).first()
        if old is not None and old.fingerprint == seen.fingerprint:
            return Outcome(monitor_id, "unchanged")
        snapshot = _snapshot(monitor, seen, now)
        s.add(snapshot)
        s.flush()
        if old is None:
            return Outcome(monitor_id, "first")
        change = _change(monitor, old, snapshot, seen, now)
        s.add(change)
        s.flush()
        return Outcome(monitor_id, "changed", change.id, change.alerted)


def _change(
    monitor: Monitor, old: Snapshot, snapshot: Snapshot, seen: Observation, now: datetime
) -> Change:
    added, removed, numbers = describe(monitor, old, seen)
    items = numbers.get("items")
    diff = numbers.get("diff")
    score = significance(
        diff=diff if monitor.kind != "feed" else None,  # type: ignore[arg-type]
        price_old=stored_price(old.price),
        price_new=seen.price,
        availability_old=old.availability,
        availability_new=seen.availability,
        items_old=items[0] if isinstance(items, tuple) else None,
        items_new=items[1] if isinstance(items, tuple) else None,
    )
    if monitor.kind == "feed" and added:
        score = max(score, min(1.0, len(added) / max(1, len(old.items) or 1)))
    change = Change(
        monitor_id=monitor.id,
        monitor=monitor,
        snapshot_id=snapshot.id,
        previous_id=old.id,
        detected_at=now,
        added=added[:500],
        removed=removed[:500],
        words_added=int(numbers.get("words_added", 0)),  # type: ignore[call-overload]
        words_removed=int(numbers.get("words_removed", 0)),  # type: ignore[call-overload]
        price_old=old.price,
        price_new=snapshot.price,
        currency_old=old.currency,
        currency_new=snapshot.currency,
        availability_old=old.availability,
        availability_new=seen.availability,
        significance=round(score, 4),
        alerted=passes(monitor, old, seen, score, len(added)),
    )
    change.summary = change_summary(change, "en")  # as the API and the CLI give it
    return change


def _schedule(monitor: Monitor, now: datetime, error: str | None) -> None:
    monitor.last_checked_at = now
    monitor.last_error = error
    monitor.next_check_at = now + timedelta(seconds=monitor.every_seconds)


def fail(db: AppDB, monitor_id: int, error: str, now: datetime) -> Outcome:
    with db.session() as s:
        monitor = s.get(Monitor, monitor_id)
        if monitor is not None:
            _schedule(monitor, now, error[:2000])
    return Outcome(monitor_id, "error", error=error)


async def check_monitor(
    db: AppDB, monitor_id: int, fetcher: Fetcher, robots: RobotsCache
) -> Outcome:
    """One check of one monitor; never raises for the page's faults (recorded instead)."""
    now = _now()
    with db.session() as s:
        monitor = s.get(Monitor, monitor_id)
        if monitor is None:
            return Outcome(monitor_id, "error", error="monitor deleted")
        s.expunge(monitor)
    if not await robots.allowed(monitor.url):
        return fail(db, monitor_id, "robots.txt disallows this URL for Pilotage", now)
    delay = await robots.crawl_delay(monitor.url)
    if delay:
        fetcher.set_host_delay(monitor.url, min(delay, 60.0))
    result = await fetcher.fetch(monitor.url)
    if result.error is not None:
        return fail(db, monitor_id, result.error, now)
    if result.status >= 400:
        return fail(db, monitor_id, f"HTTP status {result.status}", now)
    try:
        seen = observe(monitor, result.status, result.body, result.charset)
    except PilotageError as exc:
        return fail(db, monitor_id, exc.message, now)
    return record(db, monitor_id, seen, now)


def notice_for(
    change: Change, monitor: Monitor, link: str | None, locale: str = "en"
) -> notify.ChangeNotice:
    """The change as alerts and feeds show it, its summary in ``locale``."""
    kind = monitor.kind
    if kind == "price" and change.price_old == change.price_new:
        kind = "text"
    return notify.ChangeNotice(
        monitor_id=monitor.id,
        monitor_name=monitor.name,
        url=monitor.url,
        kind=kind,
        detected_at=change.detected_at.replace(tzinfo=UTC),
        summary=change_summary(change, locale),
        added=change.added,
        removed=change.removed,
        significance=min(1.0, max(0.0, change.significance)),
        link=link,
    )


async def deliver(
    db: AppDB,
    change_id: int,
    settings: Settings,
    fetcher: Fetcher,
    *,
    locale: str = "fr",
    base_url: str = "",
) -> list[str]:
    """Send a change's alert to its monitor's targets; returns the failures (also stored)."""
    from pilotage.i18n import translations

    with db.session() as s:
        change = s.get(Change, change_id)
        if change is None:
            return []
        monitor = change.monitor
        targets = dict(monitor.notify or {})
        link = f"{base_url}/sites/{monitor.site.domain}/watch/{monitor.id}" if base_url else None
        notice = notice_for(change, monitor, link, locale)
    translate = translations(locale).gettext
    failures = await _send(notice, targets, settings, fetcher, locale, translate)
    with db.session() as s:
        change = s.get(Change, change_id)
        if change is not None:
            change.notify_error = "; ".join(failures) or None
    return failures


async def _send(
    notice: notify.ChangeNotice,
    targets: dict[str, object],
    settings: Settings,
    fetcher: Fetcher,
    locale: str,
    translate: notify.Translate,
) -> list[str]:
    failures: list[str] = []
    emails = targets.get("emails") or []
    lang: notify.Locale = "en" if locale == "en" else "fr"
    if emails and not settings.smtp_host:
        failures.append("e-mail: no SMTP server is set (setting smtp_host)")
    try:
        if emails and settings.smtp_host:
            message = notify.render_email(notice, locale=lang, translate=translate)
            await notify.asend_email(
                message,
                host=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password.get_secret_value() or None,
                starttls=settings.smtp_security == "starttls",
                ssl=settings.smtp_security == "ssl",
                sender=settings.smtp_sender,
                recipients=list(emails),  # type: ignore[call-overload]
            )
    except PilotageError as exc:
        failures.append(f"e-mail: {exc.message}")
    webhook = targets.get("webhook")
    if isinstance(webhook, str):
        secret = targets.get("webhook_secret")
        try:
            await channels.post_webhook(
                webhook,
                notice,
                client=fetcher.client,
                guard=fetcher.guard,
                secret=secret if isinstance(secret, str) else None,
            )
        except PilotageError as exc:
            failures.append(f"webhook: {exc.message}")
    apprise_urls = targets.get("apprise")
    if isinstance(apprise_urls, Sequence) and apprise_urls:
        try:
            await channels.asend_apprise(
                [str(u) for u in apprise_urls],
                notice,
                locale=lang,
                translate=translate,
                guard=fetcher.guard,
            )
        except PilotageError as exc:
            failures.append(f"apprise: {exc.message}")
    return failures
