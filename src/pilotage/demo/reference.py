"""Real-world reference facts the demo site is drawn from: agents, address blocks, referrers.

Sources:
- User agents: the strings the named browser versions send (Chrome's reduced UA, Safari,
  Firefox, Edge, Samsung Internet) and the crawlers' own documented strings (Google
  Search Central "Google crawlers", Bing Webmaster "Which crawlers does Bing use",
  ahrefs.com/robot, semrush.com/bot, support.apple.com/119829 Applebot).
- Address blocks: prefixes from RIPE NCC and ARIN allocation records, each checked
  against the RIR delegated statistics (through the offline ``iptocc`` lookup) to
  resolve to the country it is listed under. Crawler blocks are the ranges the crawler
  operators publish (googlebot.json, bingbot.json) or that their hosts use.
- Exchange rates: euro foreign exchange reference rates of the European Central Bank
  for 30 October 2026 (ECB eurofxref-hist), in the ECB's convention: units of the
  currency for one euro.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

RATES_DATE: Final = "2026-10-30"
ECB_RATES: Final[dict[str, Decimal]] = {
    "EUR": Decimal("1"),
    "USD": Decimal("1.1172"),
    "GBP": Decimal("0.8338"),
    "CHF": Decimal("0.9194"),
    "CAD": Decimal("1.5606"),
}

# (device, weight, user agent): desktop ~40 %, mobile ~52 %, tablet ~8 % of human visits.
USER_AGENTS: Final[tuple[tuple[str, float, str], ...]] = (
    (
        "desktop",
        14.0,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
    ),
    (
        "desktop",
        6.0,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
    ),
    (
        "desktop",
        7.0,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    ),
    (
        "desktop",
        5.0,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ),
    (
        "desktop",
        1.5,
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ),
    (
        "desktop",
        6.5,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Safari/605.1.15",
    ),
    (
        "mobile",
        22.0,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    ),
    (
        "mobile",
        18.0,
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
    ),
    (
        "mobile",
        6.0,
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 "
        "(KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    ),
    (
        "mobile",
        3.0,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
    ),
    ("mobile", 3.0, "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"),
    (
        "tablet",
        5.0,
        "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Mobile/15E148 Safari/604.1",
    ),
    (
        "tablet",
        2.0,
        "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-X200) AppleWebKit/537.36 "
        "(KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Safari/537.36",
    ),
    (
        "tablet",
        1.0,
        "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
    ),
)

# Viewport widths in CSS pixels most often reported for each kind of device.
SCREEN_WIDTHS: Final[dict[str, tuple[int, ...]]] = {
    "desktop": (1280, 1366, 1440, 1536, 1536, 1920, 1920, 1920, 2560),
    "mobile": (360, 375, 390, 390, 393, 412, 414, 430),
    "tablet": (768, 810, 820, 1024, 1180),
}

# (weight, user agent, prefix the crawler comes from).
BOTS: Final[tuple[tuple[float, str, str], ...]] = (
    (
        30.0,
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "66.249.64.0/19",
    ),
    (
        20.0,
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 "
        "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "66.249.64.0/19",
    ),
    (
        15.0,
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "157.55.39.0/24",
    ),
    (15.0, "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "54.36.148.0/24"),
    (
        10.0,
        "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
        "185.191.171.0/24",
    ),
    (
        10.0,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
        "17.241.0.0/16",
    ),
)

# country -> (share of human visits, IANA zone for the local daily rhythm, prefixes).
COUNTRIES: Final[dict[str, tuple[float, str, tuple[str, ...]]]] = {
    "FR": (
        70.0,
        "Europe/Paris",
        ("90.0.0.0/10", "82.64.0.0/14", "176.128.0.0/10", "86.192.0.0/11", "92.128.0.0/11"),
    ),
    "BE": (9.0, "Europe/Brussels", ("109.128.0.0/12", "178.116.0.0/14")),
    "CH": (7.0, "Europe/Zurich", ("85.0.0.0/13", "83.76.0.0/14", "188.60.0.0/14")),
    "CA": (6.0, "America/Toronto", ("70.48.0.0/13", "70.24.0.0/13", "99.224.0.0/11")),
    "US": (4.0, "America/New_York", ("73.0.0.0/8", "98.192.0.0/10")),
    "DE": (4.0, "Europe/Berlin", ("79.192.0.0/10", "91.0.0.0/10", "87.128.0.0/10")),
}
# What a visitor of each country pays in; everyone else pays euros.
LOCAL_CURRENCY: Final[dict[str, str]] = {"CH": "CHF", "CA": "CAD"}

# Relative visits per local hour of an online shop: quiet nights, a lunch bump,
# the peak in the evening (20-22 h).
HOURLY: Final[tuple[float, ...]] = (
    1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 1.2, 2.2, 3.2, 3.8, 4.0, 4.2,
    4.6, 4.4, 4.0, 4.0, 4.2, 4.6, 5.2, 6.0, 6.8, 7.0, 5.6, 3.0,
)  # fmt: skip

# Monday first: weekdays alike, a quieter Saturday, the Sunday-evening shopping peak.
WEEKDAY: Final[tuple[float, ...]] = (1.05, 1.0, 1.0, 1.0, 0.92, 0.82, 1.21)

SEARCH_REFERRERS: Final[tuple[tuple[float, str], ...]] = (
    (48.0, "https://www.google.com/"),
    (22.0, "https://www.google.fr/"),
    (4.0, "https://www.google.be/"),
    (3.0, "https://www.google.ch/"),
    (2.0, "https://www.google.ca/"),
    (6.0, "android-app://com.google.android.googlequicksearchbox/"),
    (6.0, "https://www.bing.com/"),
    (3.0, "https://duckduckgo.com/"),
    (3.0, "https://www.qwant.com/"),
    (2.0, "https://www.ecosia.org/"),
    (1.0, "https://fr.search.yahoo.com/"),
)
SOCIAL_REFERRERS: Final[tuple[tuple[float, str], ...]] = (
    (25.0, "https://l.facebook.com/"),
    (10.0, "https://m.facebook.com/"),
    (25.0, "https://l.instagram.com/"),
    (15.0, "https://www.pinterest.fr/"),
    (10.0, "https://www.linkedin.com/"),
    (8.0, "https://www.youtube.com/"),
    (7.0, "https://t.co/"),
)
REFERRAL_SITES: Final[tuple[tuple[float, str], ...]] = (
    (30.0, "https://www.dealabs.com/bons-plans/"),
    (20.0, "https://www.lesnumeriques.com/"),
    (15.0, "https://www.frandroid.com/"),
    (10.0, "https://www.01net.com/"),
    (10.0, "https://fr.trustpilot.com/review/"),
    (8.0, "https://www.reddit.com/r/france/"),
    (7.0, "https://www.idealo.fr/"),
)
OUTBOUND_LINKS: Final[tuple[str, ...]] = (
    "https://www.instagram.com/",
    "https://fr.trustpilot.com/",
    "https://www.laposte.fr/outils/suivre-vos-envois",
    "https://www.colissimo.fr/",
    "https://www.youtube.com/",
)

BLOG_POSTS: Final[dict[str, str]] = {
    "comment-choisir-son-smartphone": "electronics.smartphone",
    "ordinateur-portable-guide-achat": "computers.notebook",
    "meilleurs-casques-audio": "electronics.audio.headphone",
    "lave-linge-frontal-ou-top": "appliances.kitchen.washer",
    "chauffage-d-appoint-economique": "appliances.environment.air_heater",
    "bien-choisir-sa-pointure": "apparel.shoes",
    "tv-oled-ou-qled": "electronics.video.tv",
    "entretenir-son-refrigerateur": "appliances.kitchen.refrigerators",
}
SEARCH_QUERIES: Final[tuple[str, ...]] = (
    "iphone",
    "samsung galaxy",
    "lave linge",
    "casque bluetooth",
    "aspirateur",
    "macbook",
    "tv 55 pouces",
    "baskets",
    "frigo americain",
    "perceuse",
    "montre connectee",
    "chauffage",
)
INFO_PAGES: Final[tuple[str, ...]] = (
    "/livraison-et-retours",
    "/a-propos",
    "/contact",
    "/guide-des-tailles",
)
SIZE_GUIDE_PDF: Final = "/docs/guide-des-tailles.pdf"
