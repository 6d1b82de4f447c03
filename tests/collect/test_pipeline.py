"""The collector's per-event enrichment and the importers' vectorised one agree exactly."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from pilotage.collect.hit import Hit, hits_to_table
from pilotage.collect.pipeline import enrich_one, enrich_table, staged_table
from pilotage.collect.writer import decode, encode

T0 = datetime(2026, 3, 10, 23, 50, tzinfo=UTC)
AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "",
]


class FixedSalts:
    def for_day(self, day: date) -> bytes:
        return day.isoformat().encode().ljust(16, b"-")


def hits() -> list[Hit]:
    return [
        Hit(
            "shop.example",
            T0,
            "pageview",
            "https://shop.example/?utm_source=Newsletter&utm_medium=email",
            "",
            "81.2.69.142",
            AGENTS[0],
        ),
        Hit(
            "shop.example",
            T0 + timedelta(minutes=20),
            "Purchase",
            "https://shop.example/checkout",
            "https://www.google.fr/search?q=x",
            "81.2.69.142",
            AGENTS[0],
            {"plan": "pro"},
            Decimal("12.5000"),
            "EUR",
            True,
            390,
        ),
        Hit(
            "shop.example",
            T0 + timedelta(minutes=5),
            "pageview",
            "https://shop.example/p/1?gclid=abc",
            "https://t.co/xyz",
            "2a01:cb00::1",
            AGENTS[1],
        ),
        Hit(
            "shop.example",
            T0 + timedelta(hours=2),
            "Scroll",
            "not a url",
            "garbage",
            "",
            AGENTS[2],
            interactive=False,
        ),
    ]


def test_one_by_one_and_vectorised_enrichment_give_the_same_rows() -> None:
    salts = FixedSalts()
    one = staged_table([decode(encode(enrich_one(asdict(h), salts))) for h in hits()])
    bulk = enrich_table(hits_to_table(hits()), salts)
    assert one.schema == bulk.schema
    assert one.to_pylist() == bulk.to_pylist()
    assert {r["is_bot"] for r in bulk.to_pylist()} == {True, False}
