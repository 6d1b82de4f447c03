"""Where a visit came from: referrer, source name, channel, UTM tags and ad click id.

Source precedence follows Plausible ("Referral sources" and "UTM parameters" in
plausible/docs): utm_source, then the ``ref`` and ``source`` query parameters, then
the referrer host; known values get a human name ("google" -> "Google"). When only an
ad click identifier is present, its ad network names the source (``gclid`` ->
Google). The channel comes from channels.py (GA4's default channel group).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final
from urllib.parse import SplitResult, parse_qs, urlsplit

from pilotage.collect.enrich import channels, sources

# Ad click identifiers, in the order we look for them: (parameter, ad network, kind).
# Kind "" means the parameter is recorded but does not make the visit paid.
CLICK_IDS: Final[tuple[tuple[str, str, str], ...]] = (
    ("gclid", "Google", "search"),  # Google Ads
    ("gbraid", "Google", "search"),  # Google Ads, iOS app-to-web
    ("wbraid", "Google", "search"),  # Google Ads, iOS web-to-app
    ("fbclid", "Facebook", ""),  # added by Meta to every outbound link, paid or not
    ("msclkid", "Bing", "search"),  # Microsoft Advertising
    ("ttclid", "TikTok", "social"),  # TikTok Ads
    ("li_fat_id", "LinkedIn", "social"),  # LinkedIn Ads
    ("twclid", "X (Twitter)", "social"),  # X Ads
    ("dclid", "Google", "display"),  # Campaign Manager 360 / Display & Video 360
    ("yclid", "Yandex", "search"),  # Yandex Direct
)

_HOSTLIKE: Final = re.compile(r"^[\w.-]+\.[a-z]{2,}(?:[/:?#]|$)", re.IGNORECASE)
_BAD_HOST: Final = re.compile(r"[\s\\%@<>\"'{}|^`]")


@dataclass(frozen=True, slots=True)
class Acquisition:
    referrer: str = ""  # host + path, no scheme, query, "www." or trailing "/"
    referrer_source: str = ""  # "Google", "Newsletter", ... else the referrer host
    channel: str = "Direct"
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_content: str = ""
    utm_term: str = ""
    click_id_param: str = ""


def _split(url: str) -> SplitResult | None:
    url = url.strip()
    if url in ("", "-"):
        return None
    if "://" not in url and _HOSTLIKE.match(url):
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    if not host or len(host) > 253 or _BAD_HOST.search(host):
        return None
    return parts


def _host(parts: SplitResult | None) -> str:
    host = (parts.hostname or "") if parts is not None else ""
    return host.rstrip(".").removeprefix("www.")


def _query(page_url: str) -> dict[str, str]:
    _, _, rest = page_url.partition("?")
    query, _, _ = rest.partition("#")
    parsed = parse_qs(query, keep_blank_values=False)
    return {key.lower(): values[0].strip() for key, values in parsed.items() if values[0].strip()}


def _normalise(parts: SplitResult, host: str) -> str:
    path = parts.path.rstrip("/")
    return host + path


def _click(query: dict[str, str]) -> tuple[str, str, str]:
    for param, network, kind in CLICK_IDS:
        if param in query:
            return param, network, kind
    return "", "", ""


def _source(
    query: dict[str, str], ref_host: str, network: str
) -> tuple[str, sources.KnownSource | None]:
    """The raw lowercase source token and the known source it names, by precedence."""
    for key in ("utm_source", "ref", "source"):
        if value := query.get(key, ""):
            return value.lower(), sources.by_name(value)
    if ref_host:
        return ref_host, sources.by_host(ref_host)
    if network:
        return network.lower(), sources.by_name(network)
    return "", None


@lru_cache(maxsize=65536)
def classify(page_url: str, referrer: str, site_host: str = "") -> Acquisition:
    """Acquisition attributes of a visit landing on ``page_url`` from ``referrer``.

    Never raises: an unparsable referrer counts as none. ``site_host`` marks
    referrers from the site itself as internal when ``page_url`` is a bare path.
    """
    query = _query(page_url)
    ref_parts = _split(referrer)
    ref_host = _host(ref_parts)
    own = {h for h in (_host(_split(page_url)), site_host.lower().removeprefix("www.")) if h}
    if ref_host in own:
        ref_parts, ref_host = None, ""
    click_param, network, click_kind = _click(query)
    token, known = _source(query, ref_host, network)
    utm_medium = query.get("utm_medium", "").lower()
    has_referral = bool(ref_host) or "ref" in query or "source" in query
    medium = utm_medium or ("referral" if has_referral and "utm_source" not in query else "")
    signals = channels.Signals(
        source=token,
        category=known.category if known else "",
        medium=medium,
        campaign=query.get("utm_campaign", "").lower(),
        click=click_kind,
    )
    return Acquisition(
        referrer=_normalise(ref_parts, ref_host) if ref_parts is not None else "",
        referrer_source=known.name if known else token,
        channel=channels.channel(signals),
        utm_source=query.get("utm_source", "").lower(),
        utm_medium=utm_medium,
        utm_campaign=query.get("utm_campaign", ""),
        utm_content=query.get("utm_content", ""),
        utm_term=query.get("utm_term", ""),
        click_id_param=click_param,
    )
