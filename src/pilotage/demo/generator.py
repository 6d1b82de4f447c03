"""The seeded demo data set: a French-speaking online shop selling the REES46 catalogue.

``generate`` returns raw hits (pageviews and custom events, in the raw-hit schema the
importers hand to the ingestion pipeline) together with the goals, the funnel, the
exchange rates and the campaigns (with their costs) that go with them. Everything is
drawn from one ``random.Random(seed)``: the same arguments give byte-identical output.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypedDict

import pyarrow as pa

from pilotage.demo.audience import Audience
from pilotage.demo.catalogue import load_catalogue
from pilotage.demo.draw import cumulative, pick
from pilotage.demo.hits import HitBuffer, Visitor
from pilotage.demo.reference import ECB_RATES, RATES_DATE, SIZE_GUIDE_PDF
from pilotage.demo.site import Site
from pilotage.demo.traffic import Campaign, Day, campaigns_for, plan_days
from pilotage.demo.visits import Visits
from pilotage.errors import InvalidInput

SECOND = 1_000_000
RETURNING = 0.22  # share of human visits made by someone seen on an earlier day
BOT_SHARE = 0.015  # crawler visits per human visit
# EUR paid per click (paid channels) and per day of an e-mail campaign (sending costs).
CPC = {
    ("google", False): "0.42",
    ("google", True): "0.65",
    ("bing", False): "0.35",
    ("facebook", False): "0.28",
    ("facebook", True): "0.40",
}
EMAIL_COST_PER_DAY = {"bienvenue": "0.50"}
NEWSLETTER_COST = "45.00"


class GoalSpec(TypedDict):
    name: str
    kind: str  # "page" or "event"
    page_pattern: str  # for page goals; "*" matches any run of characters
    event_name: str  # for event goals
    props: dict[str, str]  # custom properties the event must carry
    currency: str  # for revenue goals, the currency revenue is reported in


class FunnelSpec(TypedDict):
    name: str
    steps: list[str]  # goal names, in order


class CampaignSpec(TypedDict):
    name: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    start: date
    end: date  # last day, inclusive
    cost: Decimal  # EUR


@dataclass(frozen=True)
class DemoData:
    hits: pa.Table  # raw-hit schema (pilotage.collect.hit.raw_hit_schema)
    goals: list[GoalSpec]
    funnels: list[FunnelSpec]
    # ECB reference rates of ``rates_date``: units of the currency for one euro, so
    # amount_in_eur = amount / rates[currency].
    rates: dict[str, Decimal]
    rates_date: str
    campaigns: list[CampaignSpec]


def _goal(
    name: str, kind: str, pattern: str = "", event: str = "", props: dict[str, str] | None = None
) -> GoalSpec:
    return GoalSpec(
        name=name,
        kind=kind,
        page_pattern=pattern,
        event_name=event,
        props=props or {},
        currency="EUR" if event == "Purchase" else "",
    )


def goals(site: str) -> list[GoalSpec]:
    return [
        _goal("Fiche produit vue", "page", "/p/*"),
        _goal("Ajout au panier", "event", event="Add to cart"),
        _goal("Panier", "page", "/cart"),
        _goal("Commande", "page", "/checkout"),
        _goal("Confirmation de commande", "page", "/checkout/confirmation"),
        _goal("Achat", "event", event="Purchase"),
        _goal("Grosse commande", "event", event="Purchase", props={"order_band": "500+"}),
        _goal("Inscription newsletter", "event", event="Signup", props={"list": "newsletter"}),
        _goal(
            "Guide des tailles téléchargé",
            "event",
            event="File Download",
            props={"url": f"https://{site}{SIZE_GUIDE_PDF}"},
        ),
        _goal("Lien sortant", "event", event="Outbound Link: Click"),
        _goal("Lecture du blog", "page", "/blog/*"),
    ]


def funnels() -> list[FunnelSpec]:
    steps = ["Fiche produit vue", "Ajout au panier", "Panier", "Commande", "Achat"]
    return [
        FunnelSpec(name="Achat", steps=steps),
        FunnelSpec(
            name="Du blog à la newsletter", steps=["Lecture du blog", "Inscription newsletter"]
        ),
    ]


def _campaign_of(rng: random.Random, channel: str, day: Day) -> Campaign | None:
    if channel not in ("paid_search", "paid_social", "email"):
        return None
    options = [c for c in day.campaigns if c.channel == channel]
    # Seasonal ads and a fresh newsletter take most of their channel's clicks.
    weights = [1 if c.campaign in ("bienvenue", "marque") else 4 for c in options]
    return rng.choices(options, weights=weights)[0]


def _cost(c: Campaign, clicks: int) -> Decimal:
    if c.medium == "email":
        if c.campaign in EMAIL_COST_PER_DAY:
            days = (c.end - c.start).days + 1
            return Decimal(EMAIL_COST_PER_DAY[c.campaign]) * days
        return Decimal(NEWSLETTER_COST)
    return (Decimal(CPC[(c.source, c.seasonal)]) * clicks).quantize(Decimal("0.01"))


def campaign_specs(
    all_campaigns: list[Campaign], clicks: dict[Campaign, int]
) -> list[CampaignSpec]:
    return [
        CampaignSpec(
            name=c.name,
            utm_source=c.source,
            utm_medium=c.medium,
            utm_campaign=c.campaign,
            start=c.start,
            end=c.end,
            cost=_cost(c, clicks.get(c, 0)),
        )
        for c in all_campaigns
    ]


class _Run:
    """The day-by-day loop: whom each visit is by, where it comes from, when it starts."""

    def __init__(self, rng: random.Random, site: str, first_us: int, limit_us: int) -> None:
        self.rng = rng
        self.hits = HitBuffer(site)
        self.audience = Audience(rng)
        self.visits = Visits(rng, Site(load_catalogue()), self.hits)
        self.first_us, self.limit_us = first_us, limit_us
        self.pool: list[Visitor] = []
        self.clicks: dict[Campaign, int] = {}

    def _kept(self, mark: int, start: int, last: int) -> bool:
        if start < self.first_us or last >= self.limit_us:
            self.hits.rollback(mark)  # a visit that does not fit in the period is left out
            return False
        return True

    def day(self, d: Day) -> None:
        rng, day_us = self.rng, _epoch_us(d.day)
        seen_before = len(self.pool)
        channels = tuple(d.channels)
        cum = cumulative(d.channels.values())
        for _ in range(d.visits):
            back = seen_before > 0 and rng.random() < RETURNING
            v = self.pool[rng.randrange(seen_before)] if back else self.audience.human()
            if not back:
                self.pool.append(v)
            channel = pick(rng, channels, cum)
            campaign = _campaign_of(rng, channel, d)
            start, mark = self.audience.start_time(v, d.day, day_us), len(self.hits)
            last = self.visits.human(v, start, channel, campaign, back)
            if self._kept(mark, start, last) and campaign is not None:
                self.clicks[campaign] = self.clicks.get(campaign, 0) + 1
        for _ in range(round(d.visits * BOT_SHARE)):
            start, mark = day_us + int(rng.random() * 86_400 * SECOND), len(self.hits)
            self._kept(mark, start, self.visits.bot(self.audience.bot(), start))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while hundreds of thousands of tuples are made.

    Nothing built here forms reference cycles, and full collections would otherwise walk
    the growing hit buffer again and again (about a fifth of the run time).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _epoch_us(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * SECOND


def _check(site: str, start: date, days: int, daily_visitors: int, now: datetime | None) -> None:
    if not site or any(ch in site for ch in "/:?# ") or "." not in site:
        raise InvalidInput(
            f"site must be a bare domain like boutique.example, not {site!r}", field="site"
        )
    if isinstance(start, datetime) or not isinstance(start, date):
        raise InvalidInput(f"start must be a date, not {start!r}", field="start")
    if not 1 <= days <= 3660:
        raise InvalidInput(f"days must be between 1 and 3660, not {days}", field="days")
    if not 1 <= daily_visitors <= 100_000:
        raise InvalidInput(
            f"daily_visitors must be between 1 and 100000, not {daily_visitors}",
            field="daily_visitors",
        )
    if now is not None and now.tzinfo is None:
        raise InvalidInput(f"now must be timezone-aware, not {now!r}", field="now")


def generate(
    site: str = "boutique.example",
    *,
    seed: int = 42,
    start: date,
    days: int = 120,
    daily_visitors: int = 400,
    now: datetime | None = None,
) -> DemoData:
    """The demo shop's data for ``days`` days from ``start`` (UTC midnight).

    ``daily_visitors`` is the average of the first weeks before trend and promotions.
    With ``now``, visits that would end at or after ``now`` are left out, so a demo
    ending today holds no hit from the future.
    """
    _check(site, start, days, daily_visitors, now)
    rng = random.Random(seed)
    first_us = _epoch_us(start)
    limit_us = first_us + days * 86_400 * SECOND
    if now is not None:
        limit_us = min(limit_us, int(now.timestamp() * SECOND))
    run = _Run(rng, site, first_us, limit_us)
    with _collector_paused():
        for day in plan_days(rng, start, days, daily_visitors):
            run.day(day)
        hits = run.hits.to_table()
    all_campaigns = campaigns_for(start, start + timedelta(days=days - 1))
    return DemoData(
        hits=hits,
        goals=goals(site),
        funnels=funnels(),
        rates=dict(ECB_RATES),
        rates_date=RATES_DATE,
        campaigns=campaign_specs(all_campaigns, run.clicks),
    )
