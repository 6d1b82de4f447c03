"""Validate and enrich one event as the collector receives it (no HTTP here).

Accepts Plausible's event payload, with its long names (name, url, domain, referrer,
props, revenue, interactive) and the short ones its tracker and ours send (n, u, d, r, p,
$, i, w), so Plausible's tracker can point at Pilotage unchanged. ``domain`` may list
several sites separated by commas, as Plausible allows; the event is recorded for each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import orjson

from pilotage.collect.pipeline import MissingSalt, enrich_one
from pilotage.collect.salts import Salts
from pilotage.collect.writer import encode
from pilotage.errors import InvalidInput

MAX_NAME = 120
MAX_URL = 2000
MAX_PROPS = 30
MAX_PROP_KEY = 300
MAX_PROP_VALUE = 2000
ALIASES = {
    "name": ("name", "n"),
    "url": ("url", "u"),
    "domain": ("domain", "d"),
    "referrer": ("referrer", "r"),
    "props": ("props", "p", "meta", "m"),
    "revenue": ("revenue", "$"),
    "interactive": ("interactive", "i"),
    "screen_width": ("screen_width", "w"),
}


def _get(payload: dict[str, Any], field: str) -> Any:
    for key in ALIASES[field]:
        if key in payload:
            return payload[key]
    return None


def _text(payload: dict[str, Any], field: str, limit: int, required: bool) -> str:
    value = _get(payload, field)
    if value is None or value == "":
        if required:
            raise InvalidInput(f"'{field}' is required", field=field)
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"'{field}' must be a string", field=field)
    if len(value) > limit:
        raise InvalidInput(f"'{field}' is longer than {limit} characters", field=field)
    return value


@lru_cache(maxsize=65536)
def _url_problem(url: str) -> str:
    """What is wrong with a page URL, '' when nothing; cached, as a site's pages recur."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        return "'url' is not a valid URL"
    if parts.scheme not in ("http", "https") or not hostname:
        return "'url' must be an absolute http(s) URL"
    return ""


def _url(payload: dict[str, Any]) -> str:
    url = _text(payload, "url", MAX_URL, required=True)
    problem = _url_problem(url)
    if problem:
        raise InvalidInput(problem, field="url")
    return url


def _object(value: Any, field: str) -> dict[str, Any]:
    """A JSON object given as an object or, as Plausible's tracker may send it, as a string."""
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise InvalidInput(f"'{field}' must be a JSON object", field=field) from None
    if not isinstance(value, dict):
        raise InvalidInput(f"'{field}' must be an object", field=field)
    return value


def _props(payload: dict[str, Any]) -> dict[str, str]:
    value = _get(payload, "props")
    if value is None:
        return {}
    value = _object(value, "props")
    if len(value) > MAX_PROPS:
        raise InvalidInput(f"'props' has more than {MAX_PROPS} keys", field="props")
    out = {}
    for key, v in value.items():
        if v is None or v == "":
            continue
        if isinstance(v, dict | list) or len(key) > MAX_PROP_KEY:
            raise InvalidInput(f"'props.{key[:40]}' must be a short scalar", field="props")
        text = str(v).lower() if isinstance(v, bool) else str(v)
        out[key] = text[:MAX_PROP_VALUE]
    return out


def _revenue(payload: dict[str, Any]) -> tuple[Decimal | None, str]:
    value = _get(payload, "revenue")
    if value is None:
        return None, ""
    value = _object(value, "revenue")
    currency = value.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise InvalidInput("'revenue.currency' must be an ISO 4217 code", field="revenue")
    try:
        amount = Decimal(str(value.get("amount")))
    except InvalidOperation:
        raise InvalidInput("'revenue.amount' must be a number", field="revenue") from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e13"):
        raise InvalidInput("'revenue.amount' is out of range", field="revenue")
    return amount.quantize(Decimal("0.0001")), currency.upper()


def parse_payload(body: bytes) -> dict[str, Any]:
    """The raw-hit fields of a payload (without site, time, IP and UA)."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidInput("the body must be a JSON object", field="body") from None
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    amount, currency = _revenue(payload)
    width = _get(payload, "screen_width")
    if width is not None and (not isinstance(width, int) or not 0 <= width <= 65535):
        raise InvalidInput("'w' must be a width in pixels", field="screen_width")
    interactive = _get(payload, "interactive")
    if interactive is not None and not isinstance(interactive, bool):
        raise InvalidInput("'interactive' must be true or false", field="interactive")
    return {
        "name": _text(payload, "name", MAX_NAME, required=True),
        "url": _url(payload),
        "domains": _text(payload, "domain", 1000, required=True),
        "referrer": _text(payload, "referrer", MAX_URL, required=False),
        "props": _props(payload),
        "revenue_amount": amount,
        "revenue_currency": currency,
        "interactive": True if interactive is None else interactive,
        "screen_width": width or 0,
        "hash_mode": bool(payload.get("h")),
    }


class TodaysSalts:
    """Today's and yesterday's salts, looked up once a day instead of twice an event.

    Only for hits dated now: the salt of a day never changes while it exists, and the
    salts of today and yesterday exist all day long."""

    def __init__(self, salts: Salts) -> None:
        self.salts = salts
        self._today: date | None = None
        self._known: dict[date, bytes | None] = {}

    def at(self, today: date) -> TodaysSalts:
        if today != self._today:
            self._today, self._known = today, {}
        return self

    def for_day(self, day: date) -> bytes | None:
        try:
            return self._known[day]
        except KeyError:
            salt = self._known[day] = self.salts.for_day(day)
            return salt


class Collector:
    """Turns request bodies into spool records for the known sites."""

    def __init__(self, salts: Salts, known_sites: Callable[[], Iterable[str]]) -> None:
        self.salts = salts
        self.known_sites = known_sites
        self._todays = TodaysSalts(salts)

    def records(
        self, body: bytes, ip: str, user_agent: str, now: datetime | None = None
    ) -> list[bytes]:
        fields = parse_payload(body)
        known = self.known_sites()
        if not isinstance(known, set | frozenset):
            known = set(known)
        sites = [d.strip().lower() for d in fields.pop("domains").split(",") if d.strip()]
        unknown = [s for s in sites if s not in known]
        if unknown or not sites:
            raise InvalidInput(f"unknown site '{(unknown or [''])[0]}'", field="domain")
        ts = now or datetime.now(UTC)
        salts = self.salts if now else self._todays.at(ts.date())
        out = []
        for site in sites:
            hit = {**fields, "site": site, "ts": ts, "ip": ip, "user_agent": user_agent}
            try:
                out.append(encode(enrich_one(hit, salts)))
            except MissingSalt:
                raise InvalidInput("the event is too old", field="ts") from None
        return out
