"""The demo shop's pages and how a visitor moves between them.

Pages are drawn from the REES46 catalogue (products weighted by their real event
counts, categories by the sum of their products' weights), the blog, the internal
search and a few information pages. Moves from one page to the next follow a small
Markov chain by kind of page, with probabilities chosen to resemble an online shop
(category pages lead to products, products to related products or back to the list).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import quote_plus

from pilotage.demo.catalogue import Catalogue, Product, category_path
from pilotage.demo.draw import cumulative, pick
from pilotage.demo.reference import BLOG_POSTS, INFO_PAGES, SEARCH_QUERIES

# kind of the current page -> (weights of the next page's kind in NEXT_KINDS order)
NEXT_KINDS = ("home", "category", "product", "search", "blog", "info")
MOVES: dict[str, tuple[float, ...]] = {
    "home": (0.0, 45, 27, 18, 5, 5),
    "category": (5, 8, 75, 10, 0, 2),
    "product": (9, 25, 46, 10, 2, 8),
    "search": (3, 15, 80, 2, 0, 0),
    "blog": (10, 30, 48, 2, 10, 0),
    "info": (50, 45, 5, 0, 0, 0),
}
MOVE_CUM = {kind: cumulative(w) for kind, w in MOVES.items()}


@dataclass(frozen=True, slots=True)
class Page:
    kind: str
    path: str
    category: str = ""  # REES46 category code of the page, when it has one
    product: Product | None = None


class Site:
    """Weighted pickers over the shop's pages; all randomness comes from the caller's rng."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.categories = catalogue.categories
        self.products = catalogue.products
        self.product_cum = cumulative(p.weight for p in self.products)
        self.category_cum = cumulative(
            sum(p.weight for p in catalogue.by_category[c]) for c in self.categories
        )
        self.in_category = {
            c: (ps, cumulative(p.weight for p in ps)) for c, ps in catalogue.by_category.items()
        }
        self.blog = tuple(BLOG_POSTS.items())
        self.category_pages = {category_path(c): c for c in self.categories}

    def product(self, rng: random.Random, category: str = "") -> Page:
        if category:
            ps, cum = self.in_category[category]
            p = pick(rng, ps, cum)
        else:
            p = pick(rng, self.products, self.product_cum)
        return Page("product", p.path, p.category, p)

    def category(self, rng: random.Random) -> Page:
        c = pick(rng, self.categories, self.category_cum)
        return Page("category", category_path(c), c)

    def page_of_kind(self, rng: random.Random, kind: str, here: Page) -> Page:
        if kind == "product":
            # Most product-to-product moves stay in the category being browsed.
            same = here.category if here.category and rng.random() < 0.7 else ""
            return self.product(rng, same)
        if kind == "category":
            if here.category and here.kind != "category":
                return Page("category", category_path(here.category), here.category)
            return self.category(rng)
        if kind == "search":
            query = rng.choice(SEARCH_QUERIES)
            return Page("search", "/search?q=" + quote_plus(query))
        if kind == "blog":
            slug, category = rng.choice(self.blog)
            return Page("blog", "/blog/" + slug, category)
        if kind == "info":
            return Page("info", rng.choice(INFO_PAGES))
        return Page("home", "/")

    def next_page(self, rng: random.Random, here: Page) -> Page:
        kind = pick(rng, NEXT_KINDS, MOVE_CUM[here.kind])
        return self.page_of_kind(rng, kind, here)

    def landing(self, rng: random.Random, channel: str, target: str) -> Page:
        """The first page of a visit from ``channel``; ``target`` is a campaign's landing."""
        if target:
            if target in self.category_pages:
                return Page("category", target, self.category_pages[target])
            return Page("home", target)
        kind = pick(rng, NEXT_KINDS, LANDING_CUM[channel])
        return self.page_of_kind(rng, kind, Page("home", "/"))


# channel -> weights of the landing page's kind, in NEXT_KINDS order
LANDINGS: dict[str, tuple[float, ...]] = {
    "direct": (62, 12, 20, 0, 2, 4),
    "organic": (8, 27, 48, 0, 15, 2),
    "social": (10, 10, 40, 0, 40, 0),
    "email": (30, 40, 30, 0, 0, 0),
    "paid_search": (20, 30, 50, 0, 0, 0),
    "paid_social": (10, 20, 70, 0, 0, 0),
    "referral": (15, 20, 55, 0, 5, 5),
}
LANDING_CUM = {channel: cumulative(w) for channel, w in LANDINGS.items()}
