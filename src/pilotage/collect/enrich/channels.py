"""Acquisition channels: Google Analytics 4's default channel group, written once as data.

Source: Google Analytics Help, "[GA4] Default channel group"
(https://support.google.com/analytics/answer/9756891). Rules are tried in the order
Google lists them for manually tagged traffic; the first match wins, else
"Unassigned". Regexes must match the whole value, case-insensitively, as in GA4.

Differences from GA4, all documented in docs/enrichment.md:

- GA4 knows Google Ads traffic from its own ad network; we only see the landing URL,
  so an ad click identifier makes the visit paid (``gclid`` -> Paid Search, as
  Plausible does for ``gclid``/``msclkid``; ``ttclid`` -> Paid Social; ``dclid`` ->
  Display). ``fbclid`` does not: Meta adds it to every outbound link, ads or not.
- "Email" also matches a known webmail or newsletter source, and "Referral" is tried
  last (after SMS and push), so a webmail referrer is Email, as in Plausible.
- A visit with a referrer and no utm_medium gets medium "referral" (GA4 does the
  same when it reads the referrer), so unknown referrers are Referral.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Final

from pilotage.collect.enrich.sources import Category

PAID_MEDIUM: Final = r".*cp.*|ppc|retargeting|paid.*"
SHOP_CAMPAIGN: Final = r".*(([^a-df-z]|^)shop|shopping).*"
EMAIL: Final = r"email|e-mail|e_mail|e mail"
SOCIAL_MEDIUM: Final = r"social|social-network|social-media|sm|social network|social media"
DISPLAY_MEDIUM: Final = r"display|banner|expandable|interstitial|cpm"
PUSH_MEDIUM: Final = r".*push|.*mobile.*|.*notification.*"


@dataclass(frozen=True, slots=True)
class Signals:
    """What a visit's landing says about where it came from, all lowercase."""

    source: str = ""  # utm_source, else ref/source parameter, else referrer host
    category: Category = ""  # category of the known source, if any
    medium: str = ""  # utm_medium, else "referral" when a referrer or ref= is present
    campaign: str = ""  # utm_campaign
    click: str = ""  # kind of ad click identifier: "search", "social", "display" or ""


@dataclass(frozen=True, slots=True)
class Clause:
    """Conditions that must all hold; None means "any value"."""

    source: str | None = None  # regex on Signals.source
    category: str | None = None  # equality
    medium: str | None = None  # regex
    campaign: str | None = None  # regex
    click: str | None = None  # equality


@dataclass(frozen=True, slots=True)
class Rule:
    channel: str
    any_of: tuple[Clause, ...]


RULES: Final[tuple[Rule, ...]] = (
    Rule("Direct", (Clause(source="", medium="", campaign=""),)),
    Rule("Cross-network", (Clause(campaign=r".*cross-network.*"),)),
    Rule(
        "Paid Shopping",
        (
            Clause(category="shopping", medium=PAID_MEDIUM),
            Clause(campaign=SHOP_CAMPAIGN, medium=PAID_MEDIUM),
        ),
    ),
    Rule("Paid Search", (Clause(category="search", medium=PAID_MEDIUM), Clause(click="search"))),
    Rule("Paid Social", (Clause(category="social", medium=PAID_MEDIUM), Clause(click="social"))),
    Rule("Paid Video", (Clause(category="video", medium=PAID_MEDIUM),)),
    Rule("Display", (Clause(medium=DISPLAY_MEDIUM), Clause(click="display"))),
    Rule("Paid Other", (Clause(medium=PAID_MEDIUM),)),
    Rule("Organic Shopping", (Clause(category="shopping"), Clause(campaign=SHOP_CAMPAIGN))),
    Rule("Organic Social", (Clause(category="social"), Clause(medium=SOCIAL_MEDIUM))),
    Rule("Organic Video", (Clause(category="video"), Clause(medium=r".*video.*"))),
    Rule("Organic Search", (Clause(category="search"), Clause(medium="organic"))),
    Rule("Email", (Clause(category="email"), Clause(source=EMAIL), Clause(medium=EMAIL))),
    Rule("Affiliates", (Clause(medium="affiliate"),)),
    Rule("Audio", (Clause(medium="audio"),)),
    Rule("SMS", (Clause(source="sms"), Clause(medium="sms"))),
    Rule("Mobile Push Notifications", (Clause(medium=PUSH_MEDIUM), Clause(source="firebase"))),
    Rule("Referral", (Clause(medium=r"referral|app|link"),)),
)

UNASSIGNED: Final = "Unassigned"
CHANNELS: Final[tuple[str, ...]] = (*(rule.channel for rule in RULES), UNASSIGNED)

_REGEX_FIELDS: Final = frozenset({"source", "medium", "campaign"})


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Compiled once: (channel, [[(field, matcher), ...] per clause]).
_COMPILED: Final = tuple(
    (
        rule.channel,
        tuple(
            tuple(
                (f.name, _compile(v) if f.name in _REGEX_FIELDS else v)
                for f in fields(clause)
                if (v := getattr(clause, f.name)) is not None
            )
            for clause in rule.any_of
        ),
    )
    for rule in RULES
)


def _holds(conditions: tuple[tuple[str, object], ...], signals: Signals) -> bool:
    for name, expected in conditions:
        value = getattr(signals, name)
        if isinstance(expected, re.Pattern):
            if expected.fullmatch(value) is None:
                return False
        elif value != expected:
            return False
    return True


def channel(signals: Signals) -> str:
    """The first channel whose rule matches the signals, else "Unassigned"."""
    for name, clauses in _COMPILED:
        if any(_holds(conditions, signals) for conditions in clauses):
            return name
    return UNASSIGNED
