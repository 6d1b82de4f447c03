"""One visit of the demo shop, as the hits a tracker would send: humans and crawlers.

Behaviour, per human visit:
- a bounce (one pageview, nothing else) with a probability set by the channel, ~45 %
  over the mix, in the range web-analytics benchmarks give for online shops;
- otherwise 2 or more pageviews, a geometric number of moves through the site;
- seconds between hits drawn from a log-normal distribution (median 30 s), the
  heavy-tailed dwell times reported since Liu, White & Dumais, "Understanding web
  browsing behaviors through Weibull analysis of dwell time", SIGIR 2010;
- the funnel product -> "Add to cart" -> /cart -> /checkout -> "Purchase" on
  /checkout/confirmation, with drop-offs that give ~2.5 % of visits an order.
Crawlers fetch many pages one to three seconds apart and send no referrer.
"""

from __future__ import annotations

import math
import random
import zlib
from decimal import Decimal

from pilotage.demo.draw import cumulative, pick
from pilotage.demo.hits import HitBuffer, Visitor
from pilotage.demo.reference import (
    ECB_RATES,
    LOCAL_CURRENCY,
    OUTBOUND_LINKS,
    REFERRAL_SITES,
    SEARCH_REFERRERS,
    SIZE_GUIDE_PDF,
    SOCIAL_REFERRERS,
)
from pilotage.demo.site import Page, Site
from pilotage.demo.traffic import Campaign

SECOND = 1_000_000
BOUNCE = {
    "direct": 0.38,
    "organic": 0.47,
    "social": 0.62,
    "email": 0.33,
    "paid_search": 0.48,
    "paid_social": 0.60,
    "referral": 0.42,
}
# Likelihood of an add-to-cart in a non-bounce visit, relative to the base rate.
INTENT = {
    "direct": 1.2,
    "organic": 1.0,
    "social": 0.5,
    "email": 1.6,
    "paid_search": 1.3,
    "paid_social": 0.7,
    "referral": 0.9,
}
CART_RATE = 0.15
CHECKOUT_RATE = 0.45  # of carts
PURCHASE_RATE = 0.60  # of checkouts
# An A/B test on the checkout page: half the visitors see a one-page form ("B"), which
# turns 10 % more checkouts into orders (relative). Visitors keep their variant.
CHECKOUT_TEST = "checkout_form"
CHECKOUT_UPLIFT = 1.10
RETURNING_INTENT = 1.4
SHIPPING = Decimal("4.90")
FREE_SHIPPING_FROM = Decimal(50)
CENT = Decimal("0.01")
PAYMENTS = ("carte", "paypal", "apple_pay", "google_pay", "twint")
PAYMENT_CUM = cumulative((55, 25, 12, 6, 0))
PAYMENT_CUM_CH = cumulative((55, 25, 12, 6, 20))  # TWINT, the Swiss mobile payment
BANDS = ((Decimal(50), "<50"), (Decimal(100), "50-100"), (Decimal(250), "100-250"),
         (Decimal(500), "250-500"))  # fmt: skip


def _table(table: tuple[tuple[float, str], ...]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    return tuple(v for _, v in table), cumulative(w for w, _ in table)


REFERRERS = {
    "organic": _table(SEARCH_REFERRERS),
    "social": _table(SOCIAL_REFERRERS),
    "referral": _table(REFERRAL_SITES),
}


def _click_id(rng: random.Random, size: int) -> str:
    # Opaque ids like the ad platforms' gclid/fbclid, drawn from the seeded generator.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return "".join(rng.choices(alphabet, k=size))


def acquisition(rng: random.Random, channel: str, c: Campaign | None) -> tuple[str, str]:
    """(query string for the landing URL, referrer) of a visit from ``channel``."""
    if channel in REFERRERS:
        return "", pick(rng, *REFERRERS[channel])
    if c is None:
        return "", ""
    utm = f"utm_source={c.source}&utm_medium={c.medium}&utm_campaign={c.campaign}"
    if channel == "paid_search":
        click = "gclid" if c.source == "google" else "msclkid"
        host = "https://www.google.com/" if c.source == "google" else "https://www.bing.com/"
        return f"?{utm}&{click}={_click_id(rng, 40)}", host
    if channel == "paid_social":
        ref = "https://l.facebook.com/" if rng.random() < 0.6 else "https://l.instagram.com/"
        return f"?{utm}&fbclid={_click_id(rng, 60)}", ref
    return f"?{utm}", ""  # e-mail: webmail and apps send no referrer


def gap(rng: random.Random, median: float = 30.0) -> int:
    """Microseconds to the next hit: log-normal, cut at 20 min so a visit stays one visit."""
    seconds = math.exp(math.log(median) + 1.1 * rng.gauss())
    return int(min(seconds, 1200.0) * SECOND) + SECOND


def revenue(items: list[Page], country: str) -> tuple[Decimal, str, Decimal]:
    """(amount, currency, amount in EUR) of an order of ``items``, shipping included."""
    total = sum((p.product.price for p in items if p.product), Decimal(0))
    if total < FREE_SHIPPING_FROM:
        total += SHIPPING
    currency = LOCAL_CURRENCY.get(country, "EUR")
    return (total * ECB_RATES[currency]).quantize(CENT), currency, total


def band(eur: Decimal) -> str:
    return next((label for limit, label in BANDS if eur < limit), "500+")


class Visits:
    """Writes visits into a hit buffer; every random draw comes from one seeded generator."""

    def __init__(self, rng: random.Random, site: Site, hits: HitBuffer) -> None:
        self.rng = rng
        self.site = site
        self.hits = hits

    def _url(self, page: Page) -> str:
        return self.hits.base + page.path

    def human(self, v: Visitor, t: int, channel: str, c: Campaign | None, back: bool) -> int:
        """Writes one visit starting at ``t``; returns the time of its last hit."""
        rng, hits = self.rng, self.hits
        target = c.landing if c is not None and rng.random() < 0.8 else ""
        page = self.site.landing(rng, channel, target)
        query, referrer = acquisition(rng, channel, c)
        url = self._url(page) + query
        hits.add(t, "pageview", url, referrer, v)
        if rng.random() < BOUNCE[channel]:
            return t
        append, base, next_page = hits.rows.append, hits.base, self.site.next_page
        for _ in range(1 + min(int(rng.expovariate(0.45)), 30)):
            t += gap(rng)
            page = next_page(rng, page)
            append((t, "pageview", base + page.path, url, v, None, None))
            url = base + page.path
        t, url, page = self._side_events(v, t, url, page)
        intent = CART_RATE * INTENT[channel] * (RETURNING_INTENT if back else 1.0)
        if rng.random() < intent:
            t = self._funnel(v, t, url, page)
        return t

    def _side_events(self, v: Visitor, t: int, url: str, page: Page) -> tuple[int, str, Page]:
        rng, hits = self.rng, self.hits
        if rng.random() < 0.025:
            t += gap(rng, 15)
            hits.add(t, "Signup", url, "", v, [("list", "newsletter")])
        if rng.random() < 0.025:
            t += gap(rng)
            guide = self.hits.base + "/guide-des-tailles"
            hits.add(t, "pageview", guide, url, v)
            t += gap(rng, 20)
            pdf = [("url", self.hits.base + SIZE_GUIDE_PDF)]
            hits.add(t, "File Download", guide, "", v, pdf)
            url, page = guide, Page("info", "/guide-des-tailles")
        if rng.random() < 0.04:
            t += gap(rng, 20)
            hits.add(t, "Outbound Link: Click", url, "", v, [("url", rng.choice(OUTBOUND_LINKS))])
        return t, url, page

    def _add_to_cart(self, v: Visitor, t: int, url: str, here: Page) -> tuple[int, str, Page]:
        rng, hits = self.rng, self.hits
        if here.product is None:
            t += gap(rng)
            here = self.site.product(rng, here.category)
            hits.add(t, "pageview", self._url(here), url, v)
            url = self._url(here)
        assert here.product is not None
        t += gap(rng, 20)
        props = [("product_id", here.product.product_id), ("category", here.category)]
        hits.add(t, "Add to cart", url, "", v, props)
        return t, url, here

    def _funnel(self, v: Visitor, t: int, url: str, here: Page) -> int:
        rng, hits, base = self.rng, self.hits, self.hits.base
        t, url, item = self._add_to_cart(v, t, url, here)
        items = [item]
        if rng.random() < 0.3:  # a second, related product
            t += gap(rng)
            item = self.site.product(rng, item.category)
            hits.add(t, "pageview", self._url(item), url, v)
            t, url, item = self._add_to_cart(v, t, self._url(item), item)
            items.append(item)
        t += gap(rng, 10)
        hits.add(t, "pageview", base + "/cart", url, v)
        if rng.random() >= CHECKOUT_RATE:
            return t
        t += gap(rng, 25)
        variant = checkout_variant(v)
        test = [(CHECKOUT_TEST, variant)]
        hits.add(t, "pageview", base + "/checkout", base + "/cart", v, test)
        rate = PURCHASE_RATE * (CHECKOUT_UPLIFT if variant == "B" else 1.0)
        if rng.random() >= rate:
            return t
        t += gap(rng, 150)  # filling in the delivery and payment forms
        done = base + "/checkout/confirmation"
        hits.add(t, "pageview", done, base + "/checkout", v)
        amount, currency, eur = revenue(items, v.country)
        props = [
            ("order_band", band(eur)),
            ("payment", self._payment(v.country)),
            ("customer_id", customer_id(v)),
            *test,
        ]
        t += SECOND
        hits.add(t, "Purchase", done, "", v, props, (amount, currency))
        return t

    def _payment(self, country: str) -> str:
        return pick(self.rng, PAYMENTS, PAYMENT_CUM_CH if country == "CH" else PAYMENT_CUM)

    def bot(self, v: Visitor, t: int) -> int:
        """A crawler: many pages, one to three seconds apart, no referrer."""
        rng, site, append, base = self.rng, self.site, self.hits.rows.append, self.hits.base
        page = Page("home", "/")
        for _ in range(rng.randint(8, 50)):
            append((t, "pageview", base + page.path, "", v, None, None))
            page = site.page_of_kind(
                rng, rng.choice(("product", "product", "category", "blog")), page
            )
            t += int(rng.uniform(1.0, 3.0) * SECOND)
        return t


def checkout_variant(v: Visitor) -> str:
    """The visitor's arm of the checkout test, stable across visits (a hash, no draw)."""
    return "B" if zlib.crc32(f"{v.ip}|{v.user_agent}".encode()) % 2 else "A"


def customer_id(v: Visitor) -> str:
    """The shop's own id of a buyer (as a site would send its account id, hashed): the
    same person across visits and days, which visitor ids are not (daily salts)."""
    return f"C{zlib.crc32(f'customer|{v.ip}|{v.user_agent}'.encode()):08x}"
