"""Pilotage's shared crawler (used by ``seo`` and ``watch``): first layer.

URL normalisation and filters, the SSRF guard, robots.txt (RFC 9309) and sitemaps.
"""

from __future__ import annotations

from pilotage.crawl.errors import FetchError, UrlRefused
from pilotage.crawl.guard import UrlGuard, address_class, system_resolver
from pilotage.crawl.robots import RobotsCache, RobotsRules, parse_robots, product_token
from pilotage.crawl.sitemaps import (
    SitemapReader,
    SitemapResult,
    SitemapUrl,
    candidate_sitemaps,
    parse_sitemap,
)
from pilotage.crawl.urls import UrlFilter, host_of, normalise_url, same_site

__all__ = [
    "FetchError",
    "RobotsCache",
    "RobotsRules",
    "SitemapReader",
    "SitemapResult",
    "SitemapUrl",
    "UrlFilter",
    "UrlGuard",
    "UrlRefused",
    "address_class",
    "candidate_sitemaps",
    "host_of",
    "normalise_url",
    "parse_robots",
    "parse_sitemap",
    "product_token",
    "same_site",
    "system_resolver",
]
