"""The demo shop's catalogue: the real products of the REES46 October 2019 sample.

Each product keeps its REES46 ``product_id``, ``category_code``, ``brand`` and ``price``
(the first price seen); its weight is the number of events the sample has for it, so
the demo's most viewed products are the data set's. Products without a category code
are left out: they could not be placed on a category page.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

SAMPLE_FILE = "rees46_2019_oct_sample.csv"


@dataclass(frozen=True, slots=True)
class Product:
    product_id: str
    category: str  # REES46 category_code, e.g. "electronics.smartphone"
    brand: str
    price: Decimal
    weight: int
    path: str  # /p/<brand>-<kind>-<id>


@dataclass(frozen=True, slots=True)
class Catalogue:
    products: tuple[Product, ...]
    by_category: dict[str, tuple[Product, ...]]

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.by_category)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def product_path(brand: str, category: str, product_id: str) -> str:
    """``/p/<brand>-<kind>-<id>``, the kind being the last part of the category code."""
    kind = category.rsplit(".", 1)[-1]
    words = "-".join(part for part in (slug(brand), slug(kind)) if part)
    return f"/p/{words}-{product_id}"


def category_path(category: str) -> str:
    return "/c/" + "/".join(slug(part) for part in category.split("."))


def read_sample_text() -> str:
    """The REES46 sample as shipped in ``pilotage/sample_data``."""
    return (resources.files("pilotage") / "sample_data" / SAMPLE_FILE).read_text("utf-8")


def parse_catalogue(text: str) -> Catalogue:
    first: dict[str, dict[str, str]] = {}
    counts: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(text)):
        pid = row["product_id"]
        first.setdefault(pid, row)
        counts[pid] = counts.get(pid, 0) + 1
    products = tuple(
        Product(
            pid,
            row["category_code"],
            row["brand"],
            Decimal(row["price"]),
            counts[pid],
            product_path(row["brand"], row["category_code"], pid),
        )
        for pid, row in sorted(first.items(), key=lambda item: int(item[0]))
        if row["category_code"]
    )
    grouped: dict[str, list[Product]] = {}
    for p in products:
        grouped.setdefault(p.category, []).append(p)
    return Catalogue(products, {c: tuple(grouped[c]) for c in sorted(grouped)})


@cache
def load_catalogue() -> Catalogue:
    return parse_catalogue(read_sample_text())
