"""The demo shop's calendar: campaigns, daily visit volumes and the channel mix of each day.

Seasonal campaigns follow the French retail calendar: the winter sales open on the
second Wednesday of January and the summer sales on the last Wednesday of June, for four
weeks (Code de commerce, art. L310-3 and D310-15-2 as amended in 2020); Black Friday is
the day after the fourth Thursday of November. When none falls in the period a
four-day flash sale is put at 60 % of it, so every demo has a promotion spike.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from pilotage.demo.reference import WEEKDAY

# Share of human visits by channel on an ordinary day.
BASE_CHANNELS: dict[str, float] = {
    "direct": 0.24,
    "organic": 0.36,
    "social": 0.09,
    "email": 0.06,
    "paid_search": 0.11,
    "paid_social": 0.05,
    "referral": 0.09,
}
TREND = 0.35  # visits grow by this fraction from the first day to the last


@dataclass(frozen=True, slots=True)
class Campaign:
    name: str
    source: str
    medium: str
    campaign: str
    channel: str
    start: date
    end: date  # last day, inclusive
    landing: str  # path the ads and e-mails point to
    seasonal: bool = False


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    visits: int
    channels: dict[str, float]
    campaigns: tuple[Campaign, ...]  # active paid and e-mail campaigns


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _seasonal(first: date, last: date) -> list[tuple[str, date, date, str]]:
    found: list[tuple[str, date, date, str]] = []
    for year in range(first.year, last.year + 1):
        winter = nth_weekday(year, 1, 2, 2)
        summer = last_weekday(year, 6, 2)
        friday = nth_weekday(year, 11, 3, 4) + timedelta(days=1)
        found += [
            ("soldes-hiver", winter, winter + timedelta(days=27), "/c/apparel/shoes"),
            ("soldes-ete", summer, summer + timedelta(days=27), "/c/apparel/shoes"),
            ("black-friday", friday - timedelta(days=4), friday + timedelta(days=3), "/"),
        ]
    inside = [s for s in found if s[1] <= last and s[2] >= first]
    if not inside:
        mid = first + timedelta(days=(last - first).days * 6 // 10)
        inside = [("vente-flash", mid, mid + timedelta(days=3), "/c/electronics/smartphone")]
    return inside


# (name, utm_source, utm_medium, utm_campaign, channel, landing path): run all period long.
ALWAYS_ON = (
    ("Google Ads — marque", "google", "cpc", "marque", "paid_search", "/"),
    ("Google Ads — électroménager", "google", "cpc", "generique-electromenager", "paid_search",
     "/c/appliances/kitchen/washer"),
    ("Bing Ads — générique", "bing", "cpc", "generique", "paid_search", "/"),
    ("Facebook — retargeting", "facebook", "paid_social", "retargeting", "paid_social",
     "/c/electronics/smartphone"),
    ("E-mail de bienvenue", "newsletter", "email", "bienvenue", "email", "/"),
)  # fmt: skip
SEASONAL_LABELS = {
    "soldes-hiver": "Soldes d'hiver",
    "soldes-ete": "Soldes d'été",
    "black-friday": "Black Friday",
    "vente-flash": "Vente flash",
}


def _newsletters(first: date, last: date) -> list[Campaign]:
    """One newsletter a month, sent on the first Tuesday, clicked for four days."""
    out: list[Campaign] = []
    month = date(first.year, first.month, 1)
    while month <= last:
        send = nth_weekday(month.year, month.month, 1, 1)
        if first <= send <= last:
            end = min(send + timedelta(days=3), last)
            tag = f"newsletter-{send:%Y-%m}"
            landing = "/c/electronics/audio/headphone"
            name = f"Newsletter {send:%m/%Y}"
            out.append(Campaign(name, "newsletter", "email", tag, "email", send, end, landing))
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def campaigns_for(first: date, last: date) -> list[Campaign]:
    """Always-on ads, monthly newsletters and the seasonal campaigns of [first, last]."""
    out = [Campaign(n, s, m, c, ch, first, last, landing) for n, s, m, c, ch, landing in ALWAYS_ON]
    out += _newsletters(first, last)
    for tag, start, end, landing in _seasonal(first, last):
        for source, medium, channel in (
            ("google", "cpc", "paid_search"),
            ("facebook", "paid_social", "paid_social"),
        ):
            label = f"{SEASONAL_LABELS[tag]} — {source.capitalize()}"
            out.append(Campaign(label, source, medium, tag, channel, start, end, landing, True))
    return out


def boost(day: date, campaigns: tuple[Campaign, ...]) -> float:
    """Traffic multiplier of a promotion: strongest on its first days (or on the Friday)."""
    factor = 1.0
    for c in campaigns:
        if not c.seasonal:
            continue
        age = (day - c.start).days
        if c.campaign == "black-friday":
            peak = 2.6 if day.weekday() == 4 else 1.8 if age >= 4 else 1.4
        else:
            peak = 1.35 + 0.7 * math.exp(-age / 2.5)
        factor = max(factor, peak)
    return factor


def channel_mix(day: date, campaigns: tuple[Campaign, ...]) -> dict[str, float]:
    mix = dict(BASE_CHANNELS)
    for c in campaigns:
        if c.seasonal:
            mix[c.channel] = BASE_CHANNELS[c.channel] * 2.2
        elif c.campaign.startswith("newsletter-"):
            # A newsletter brings most of its clicks the day it is sent, then fades.
            mix["email"] = max(mix["email"], 0.06 + 0.5 * math.exp(-(day - c.start).days))
    return mix


def plan_days(rng: random.Random, start: date, days: int, daily_visitors: int) -> list[Day]:
    last = start + timedelta(days=days - 1)
    everything = campaigns_for(start, last)
    plan: list[Day] = []
    for i in range(days):
        day = start + timedelta(days=i)
        active = tuple(c for c in everything if c.start <= day <= c.end)
        mean = daily_visitors * WEEKDAY[day.weekday()] * (1 + TREND * i / max(days - 1, 1))
        mean *= boost(day, active)
        # Poisson noise, by its normal approximation (the means are in the hundreds).
        visits = max(0, round(rng.gauss(mean, math.sqrt(mean))))
        plan.append(Day(day, visits, channel_mix(day, active), active))
    return plan
