"""Sites and their goals, funnels and currency rates: the app-state side of analytics."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from pilotage.errors import Conflict, InvalidInput, NotFound
from pilotage.store.app import Funnel, Goal, Rate, Site

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


def add_site(s: Session, domain: str, timezone: str = "Europe/Paris", currency: str = "EUR") -> Site:
    d = normalise_domain(domain)
    if s.scalar(select(Site).where(Site.domain == d)) is not None:
        raise Conflict(f"site '{d}' already exists", field="domain")
    site = Site(domain=d, timezone=check_timezone(timezone), currency=check_currency(currency))
    s.add(site)
    s.flush()
    return site


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
