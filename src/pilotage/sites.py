"""Sites and their goals, funnels and currency rates: the app-state side of analytics."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from pilotage.errors import Conflict, InvalidInput, NotFound
from pilotage.store.app import Funnel, Goal, Rate, Site

if TYPE_CHECKING:
    from pilotage.analytics import Funnel as AFunnel
    from pilotage.analytics import Goal as AGoal
    from pilotage.analytics import Rates

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalise_domain(domain: str) -> str:
    d = domain.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not DOMAIN.match(d):
        raise InvalidInput(f"'{domain}' is not a domain name like example.com", field="domain")
    return d


def check_timezone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone '{tz}'", field="timezone") from None
    return tz


def check_currency(code: str, field: str = "currency") -> str:
    if len(code) != 3 or not code.isalpha():
        raise InvalidInput(f"'{code}' is not an ISO 4217 currency code", field=field)
    return code.upper()


def add_site(
    s: Session, domain: str, timezone: str = "Europe/Paris", currency: str = "EUR"
) -> Site:
    d = normalise_domain(domain)
    if s.scalar(select(Site).where(Site.domain == d)) is not None:
        raise Conflict(f"site '{d}' already exists", field="domain")
    site = Site(domain=d, timezone=check_timezone(timezone), currency=check_currency(currency))
    s.add(site)
    s.flush()
    return site


def update_site(s: Session, site: Site, *, timezone: str, currency: str) -> Site:
    """Change how a site's figures are reported: days in ``timezone``, money in
    ``currency``. Stored events do not change; periods are computed again."""
    site.timezone = check_timezone(timezone)
    site.currency = check_currency(currency)
    s.flush()
    return site


def delete_site(s: Session, site: Site) -> str:
    """Delete the site's app state (goals, funnels, rates, members, links cascade). The
    caller deletes its events from the event store in the same request."""
    domain = site.domain
    s.delete(site)
    s.flush()
    return domain


def get_site(s: Session, domain: str) -> Site:
    site = s.scalar(select(Site).where(Site.domain == domain.strip().lower()))
    if site is None:
        raise NotFound(f"no site '{domain}' (add it with `pilotage sites add`)", field="site")
    return site


def list_sites(s: Session) -> list[Site]:
    return list(s.scalars(select(Site).order_by(Site.domain)))


def add_goal(
    s: Session,
    site: Site,
    name: str,
    *,
    page: str = "",
    event: str = "",
    props: dict[str, Any] | None = None,
    currency: str | None = None,
) -> Goal:
    if bool(page) == bool(event):
        raise InvalidInput("a goal is either a page pattern or an event name", field="goal")
    if page and not page.startswith("/"):
        raise InvalidInput(f"page pattern '{page}' must start with /", field="page")
    if any(g.name == name for g in site.goals):
        raise Conflict(f"goal '{name}' already exists on {site.domain}", field="name")
    goal = Goal(
        name=name,
        kind="page" if page else "event",
        page_pattern=page,
        event_name=event,
        props=dict(props or {}),
        currency=check_currency(currency) if currency else None,
    )
    site.goals.append(goal)
    s.flush()
    return goal


def add_funnel(
    s: Session, site: Site, name: str, steps: list[str], window_seconds: int = 86400
) -> Funnel:
    names = {g.name for g in site.goals}
    if not 2 <= len(steps) <= 8:
        raise InvalidInput("a funnel has 2 to 8 steps", field="steps")
    missing = [step for step in steps if step not in names]
    if missing:
        raise InvalidInput(f"no goal '{missing[0]}' on {site.domain}", field="steps")
    if any(f.name == name for f in site.funnels):
        raise Conflict(f"funnel '{name}' already exists on {site.domain}", field="name")
    funnel = Funnel(name=name, steps=list(steps), window_seconds=window_seconds)
    site.funnels.append(funnel)
    s.flush()
    return funnel


def set_rate(s: Session, site: Site, currency: str, rate: str | Decimal) -> Rate:
    code = check_currency(currency)
    try:
        value = Decimal(str(rate))
    except InvalidOperation:
        raise InvalidInput(f"rate '{rate}' is not a number", field="rate") from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput(f"rate '{rate}' must be positive", field="rate")
    for existing in site.rates:
        if existing.currency == code:
            existing.rate = value
            return existing
    r = Rate(currency=code, rate=value)
    site.rates.append(r)
    s.flush()
    return r


def analytics_goals(site: Site) -> tuple[AGoal, ...]:
    """The site's goals as the query model's definitions."""
    from pilotage.analytics import Goal as AGoal

    return tuple(
        AGoal(
            name=g.name,
            kind="page" if g.kind == "page" else "event",
            page_pattern=g.page_pattern,
            event_name=g.event_name,
            props={str(k): str(v) for k, v in (g.props or {}).items()},
            currency=g.currency,
        )
        for g in site.goals
    )


def analytics_rates(site: Site) -> Rates:
    from pilotage.analytics import Rate as ARate
    from pilotage.analytics import Rates

    return Rates(site.currency, tuple(ARate(r.currency, Decimal(r.rate)) for r in site.rates))


def analytics_funnel(site: Site, name: str) -> AFunnel:
    funnel = next((f for f in site.funnels if f.name == name), None)
    if funnel is None:
        raise NotFound(f"no funnel '{name}' on {site.domain}", field="funnel")
    from pilotage.analytics import Funnel as AFunnel

    by_name = {g.name: g for g in analytics_goals(site)}
    return AFunnel(
        name=funnel.name,
        steps=tuple(by_name[step] for step in funnel.steps),
        window=timedelta(seconds=funnel.window_seconds),
    )
