"""The demo generator, checked from its output alone with plain-Python recomputations."""

from __future__ import annotations

import csv
import io
import ipaddress
import itertools
import re
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from iptocc import country_code

from pilotage.collect.hit import raw_hit_schema
from pilotage.demo import DemoData, generate
from pilotage.errors import InvalidInput

BOT = re.compile(r"bot|crawl|spider", re.IGNORECASE)
START = date(2026, 10, 15)  # the period holds a newsletter and Black Friday (27 Nov 2026)
DAYS = 56
Row = dict[str, Any]


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate(start=START, days=DAYS, daily_visitors=120, seed=7)


@pytest.fixture(scope="module")
def rows(demo: DemoData) -> list[Row]:
    table: list[Row] = demo.hits.to_pylist()
    return table


@pytest.fixture(scope="module")
def visits(rows: list[Row]) -> list[list[Row]]:
    """Human visits: hits of one (IP, user agent) with less than 30 minutes between them."""
    by_visitor: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        if not BOT.search(r["user_agent"]):
            by_visitor[(r["ip"], r["user_agent"])].append(r)
    out: list[list[Row]] = []
    for hits in by_visitor.values():
        hits.sort(key=lambda r: r["ts"])
        current = [hits[0]]
        for prev, hit in itertools.pairwise(hits):
            if hit["ts"] - prev["ts"] > timedelta(minutes=30):
                out.append(current)
                current = []
            current.append(hit)
        out.append(current)
    return out


@pytest.fixture(scope="module")
def rees46() -> list[dict[str, str]]:
    text = (resources.files("pilotage") / "sample_data" / "rees46_2019_oct_sample.csv").read_text()
    return list(csv.DictReader(io.StringIO(text)))


def _ipc(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def test_same_seed_gives_byte_identical_output() -> None:
    a = generate(start=date(2026, 1, 5), days=5, daily_visitors=40, seed=3)
    b = generate(start=date(2026, 1, 5), days=5, daily_visitors=40, seed=3)
    assert _ipc(a.hits) == _ipc(b.hits)
    assert (a.goals, a.funnels, a.rates, a.campaigns) == (b.goals, b.funnels, b.rates, b.campaigns)


def test_other_seed_gives_other_hits() -> None:
    a = generate(start=date(2026, 1, 5), days=5, daily_visitors=40, seed=3)
    b = generate(start=date(2026, 1, 5), days=5, daily_visitors=40, seed=4)
    assert _ipc(a.hits) != _ipc(b.hits)


def test_hits_have_the_raw_hit_schema(demo: DemoData) -> None:
    assert demo.hits.schema.equals(raw_hit_schema())
    assert set(demo.hits.column("source_kind").to_pylist()) == {"demo"}


def test_every_hit_is_inside_the_period(rows: list[Row]) -> None:
    first = datetime(START.year, START.month, START.day, tzinfo=UTC)
    assert all(first <= r["ts"] < first + timedelta(days=DAYS) for r in rows)
    assert rows[0]["ts"] - first < timedelta(hours=6)


def test_now_leaves_out_the_future() -> None:
    now = datetime(2026, 3, 3, 12, tzinfo=UTC)
    demo = generate(start=date(2026, 3, 1), days=5, daily_visitors=40, now=now)
    stamps = demo.hits.column("ts").to_pylist()
    assert stamps and max(stamps) < now


def test_now_before_start_gives_an_empty_table_of_the_right_schema() -> None:
    demo = generate(start=date(2026, 3, 1), days=3, now=datetime(2026, 2, 1, tzinfo=UTC))
    assert demo.hits.num_rows == 0
    assert demo.hits.schema.equals(raw_hit_schema())


def test_bounce_share_is_in_the_intended_band(visits: list[list[Row]]) -> None:
    bounces = [v for v in visits if len(v) == 1 and v[0]["name"] == "pageview"]
    assert 0.38 <= len(bounces) / len(visits) <= 0.52


def test_purchase_conversion_is_in_the_intended_band(visits: list[list[Row]]) -> None:
    buying = [v for v in visits if any(h["name"] == "Purchase" for h in v)]
    assert 0.015 <= len(buying) / len(visits) <= 0.04


def test_funnel_narrows_at_each_step(visits: list[list[Row]]) -> None:
    def reached(test: Any) -> int:
        return sum(1 for v in visits if any(test(h) for h in v))

    product = reached(lambda h: "/p/" in h["url"])
    cart = reached(lambda h: h["name"] == "Add to cart")
    checkout = reached(lambda h: h["url"].endswith("/checkout"))
    bought = reached(lambda h: h["name"] == "Purchase")
    assert product > cart > checkout > bought > 0


def test_purchases_are_in_euros_mostly_and_local_money_in_ch_and_ca(rows: list[Row]) -> None:
    purchases = [r for r in rows if r["name"] == "Purchase"]
    currencies = Counter(r["revenue_currency"] for r in purchases)
    assert set(currencies) == {"EUR", "CHF", "CAD"}
    assert currencies["EUR"] > 0.7 * len(purchases)
    for r in purchases:
        expected = {"CH": "CHF", "CA": "CAD"}.get(country_code(r["ip"]) or "", "EUR")
        assert r["revenue_currency"] == expected
    assert all(r["revenue_amount"] is None for r in rows if r["name"] != "Purchase")


def test_order_band_agrees_with_revenue_converted_by_the_rates(
    demo: DemoData, rows: list[Row]
) -> None:
    limits = [(50, "<50"), (100, "50-100"), (250, "100-250"), (500, "250-500")]
    for r in (r for r in rows if r["name"] == "Purchase"):
        eur = r["revenue_amount"] / demo.rates[r["revenue_currency"]]
        band = next((label for limit, label in limits if eur < limit), "500+")
        # Rounding to cents in the local currency can move an amount across a limit.
        near = any(abs(eur - limit) < 1 for limit, _ in limits)
        assert near or dict(r["props"])["order_band"] == band


def test_rates_are_per_euro_and_plausible(demo: DemoData) -> None:
    assert demo.rates["EUR"] == 1
    assert Decimal("0.8") < demo.rates["CHF"] < Decimal("1.2")
    assert Decimal("1.3") < demo.rates["CAD"] < Decimal("1.8")
    assert Decimal("0.95") < demo.rates["USD"] < Decimal("1.3")
    assert Decimal("0.75") < demo.rates["GBP"] < Decimal("0.95")
    assert date.fromisoformat(demo.rates_date).weekday() < 5  # ECB fixes on working days


def test_bots_are_present_fast_and_flagged_only_by_their_agent(rows: list[Row]) -> None:
    bot_rows = [r for r in rows if BOT.search(r["user_agent"])]
    assert 0.03 < len(bot_rows) / len(rows) < 0.4
    crawls: dict[tuple[str, str], list[list[datetime]]] = defaultdict(list)
    for r in bot_rows:  # rows are in time order
        runs = crawls[(r["ip"], r["user_agent"])]
        if not runs or r["ts"] - runs[-1][-1] > timedelta(minutes=30):
            runs.append([])
        runs[-1].append(r["ts"])
    for stamps in (s for runs in crawls.values() for s in runs):
        assert len(stamps) >= 8
        assert (stamps[-1] - stamps[0]).total_seconds() / (len(stamps) - 1) < 5
    assert {r["screen_width"] for r in bot_rows} == {0}
    assert all(r["referrer"] == "" for r in bot_rows)


def test_human_addresses_are_public_and_geolocate_to_the_intended_mix(rows: list[Row]) -> None:
    ips = {r["ip"] for r in rows if not BOT.search(r["user_agent"])}
    assert all(ipaddress.ip_address(ip).is_global for ip in ips)
    countries = Counter(country_code(ip) for ip in ips)
    assert set(countries) == {"FR", "BE", "CH", "CA", "US", "DE"}
    assert countries["FR"] > 0.6 * len(ips)


def test_every_product_path_is_a_rees46_product(
    rows: list[Row], rees46: list[dict[str, str]]
) -> None:
    products = {r["product_id"]: r for r in rees46}
    categories = {r["category_code"] for r in rees46 if r["category_code"]}
    paths = {urlsplit(r["url"]).path for r in rows}
    product_paths = [p for p in paths if p.startswith("/p/")]
    assert len(product_paths) > 100
    for path in product_paths:
        found = re.fullmatch(r"/p/([a-z0-9-]+)-(\d+)", path)
        assert found, path
        source = products[found.group(2)]
        assert source["category_code"].rsplit(".", 1)[-1].replace("_", "-") in found.group(1)
        assert source["brand"] in found.group(1)
    for path in (p for p in paths if p.startswith("/c/")):
        assert path[3:].replace("/", ".").replace("-", "_") in categories


def test_add_to_cart_props_name_the_product_of_the_page(
    rows: list[Row], rees46: list[dict[str, str]]
) -> None:
    category = {r["product_id"]: r["category_code"] for r in rees46}
    carts = [r for r in rows if r["name"] == "Add to cart"]
    assert carts
    for r in carts:
        props = dict(r["props"])
        assert r["url"].endswith("-" + props["product_id"])
        assert category[props["product_id"]] == props["category"]


def test_sources_mix_search_social_email_paid_and_referrals(rows: list[Row]) -> None:
    hosts = Counter(urlsplit(r["referrer"]).hostname for r in rows if r["referrer"])
    for host in (
        "www.google.com",
        "www.bing.com",
        "duckduckgo.com",
        "www.qwant.com",
        "l.facebook.com",
        "l.instagram.com",
        "www.linkedin.com",
        "www.pinterest.fr",
    ):
        assert hosts[host] > 0, host
    queries = [parse_qs(urlsplit(r["url"]).query) for r in rows if "utm_" in r["url"]]
    media = Counter(q["utm_medium"][0] for q in queries)
    assert {"cpc", "email", "paid_social"} <= set(media)
    assert all("gclid" in q or "msclkid" in q for q in queries if q["utm_medium"] == ["cpc"])
    assert all("fbclid" in q for q in queries if q["utm_medium"] == ["paid_social"])
    campaigns = {q["utm_campaign"][0] for q in queries}
    assert {"black-friday", "newsletter-2026-11"} <= campaigns


def test_promotion_spike_weekly_rhythm_and_evening_peak(visits: list[list[Row]]) -> None:
    paris = ZoneInfo("Europe/Paris")
    per_day = Counter(v[0]["ts"].date() for v in visits)
    black_friday = per_day[date(2026, 11, 27)]
    assert black_friday > 1.6 * statistics.median(per_day.values())
    hours = Counter(v[0]["ts"].astimezone(paris).hour for v in visits)
    assert sum(hours[h] for h in (19, 20, 21)) > 5 * sum(hours[h] for h in (3, 4, 5))


def test_some_visitors_come_back_on_a_later_day(visits: list[list[Row]]) -> None:
    days: dict[tuple[str, str], set[date]] = defaultdict(set)
    for v in visits:
        days[(v[0]["ip"], v[0]["user_agent"])].add(v[0]["ts"].date())
    returning = sum(1 for d in days.values() if len(d) > 1)
    assert 0.05 < returning / len(days) < 0.5


def test_screen_widths_match_devices(rows: list[Row]) -> None:
    for r in rows:
        ua, width = r["user_agent"], r["screen_width"]
        if BOT.search(ua):
            continue
        if "iPad" in ua or ("Android" in ua and "Mobile" not in ua):
            assert 700 <= width <= 1200, ua
        elif "iPhone" in ua or "Mobile" in ua:
            assert 320 <= width < 500, ua
        else:
            assert "Windows NT" in ua or "Macintosh" in ua or "Linux" in ua, ua
            assert width >= 1280, ua


def test_visit_durations_are_heavy_tailed(visits: list[list[Row]]) -> None:
    gaps = [(b["ts"] - a["ts"]).total_seconds() for v in visits for a, b in itertools.pairwise(v)]
    assert statistics.median(gaps) < 60
    assert max(gaps) > 10 * 60


def test_goals_and_funnels_match_the_hits(demo: DemoData, rows: list[Row]) -> None:
    paths = {urlsplit(r["url"]).path for r in rows if r["name"] == "pageview"}
    names = {r["name"] for r in rows}
    goal_names = {g["name"] for g in demo.goals}
    for g in demo.goals:
        if g["kind"] == "page":
            pattern = re.escape(g["page_pattern"]).replace(r"\*", ".*")
            assert any(re.fullmatch(pattern, p) for p in paths), g
        else:
            assert g["kind"] == "event" and g["event_name"] in names, g
    assert next(g["currency"] for g in demo.goals if g["event_name"] == "Purchase") == "EUR"
    assert demo.funnels[0]["name"] == "Achat"
    assert all(step in goal_names for f in demo.funnels for step in f["steps"])


def test_campaigns_have_costs_and_appear_in_landing_urls(demo: DemoData, rows: list[Row]) -> None:
    tagged = {parse_qs(urlsplit(r["url"]).query).get("utm_campaign", [""])[0] for r in rows}
    for c in demo.campaigns:
        assert c["start"] <= c["end"]
        assert c["cost"] > 0, c
        assert c["utm_campaign"] in tagged, c


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"site": "https://x.example/"}, "site"),
        ({"days": 0}, "days"),
        ({"daily_visitors": 0}, "daily_visitors"),
        ({"now": datetime(2026, 1, 1)}, "now"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        generate(start=date(2026, 1, 1), **kwargs)
    assert caught.value.field == field


def test_the_checkout_test_splits_visitors_and_carries_its_uplift() -> None:
    demo = generate(start=START, days=120, daily_visitors=400, seed=11)
    rows = demo.hits.select(["name", "url", "ip", "user_agent", "props"]).to_pylist()
    arm: dict[tuple[str, str], str] = {}
    for r in rows:
        props = dict(r["props"] or [])
        if "checkout_form" in props:
            key = (r["ip"], r["user_agent"])
            assert arm.setdefault(key, props["checkout_form"]) == props["checkout_form"]
    share_b = sum(v == "B" for v in arm.values()) / len(arm)
    assert 0.45 < share_b < 0.55
    checkouts = {"A": 0, "B": 0}
    orders = {"A": 0, "B": 0}
    for r in rows:
        props = dict(r["props"] or [])
        if r["name"] == "pageview" and r["url"].endswith("/checkout"):
            checkouts[props["checkout_form"]] += 1
        if r["name"] == "Purchase":
            orders[props["checkout_form"]] += 1
    assert orders["B"] / checkouts["B"] > orders["A"] / checkouts["A"]
