"""The demo shop's website: its pages, and the faults the audit finds in them, each
from a rule of ``pilotage.demo.website``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from pilotage.crawl.engine import Crawler, CrawlSettings
from pilotage.crawl.store import CrawlStore
from pilotage.demo.catalogue import category_path, load_catalogue
from pilotage.demo.reference import BLOG_POSTS, INFO_PAGES
from pilotage.demo.website import GONE, ORPHAN, PROMOTION, serving
from pilotage.seo.audit import run_audit


def test_the_site_serves_the_shops_pages() -> None:
    catalogue = load_catalogue()
    product = catalogue.products[0]
    with serving() as origin, httpx.Client(base_url=origin) as client:
        home = client.get("/")
        assert home.status_code == 200 and category_path(product.category) in home.text
        page = client.get(product.path)
        assert f"{product.price:.2f} €" in page.text and '<html lang="fr">' in page.text
        assert client.get(GONE).status_code == 404
        moved = client.get(PROMOTION)
        assert moved.status_code == 301 and moved.headers["location"].startswith(origin)
        sitemap = client.get("/sitemap.xml").text
        assert f"{origin}{ORPHAN}<" in sitemap and f"{origin}{GONE}<" not in sitemap
        assert f"Sitemap: {origin}/sitemap.xml" in client.get("/robots.txt").text


def test_the_audit_finds_the_seeded_faults(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    with serving() as origin, CrawlStore(tmp_path / "crawl", create=True) as store:
        settings = CrawlSettings(
            start_url=origin + "/", allow_private=True, check_external=False, max_pages=2000
        )
        summary = asyncio.run(Crawler(settings, store).run())
        audit = run_audit(store)
    pages = 1 + len(catalogue.categories) + len(catalogue.products) + len(BLOG_POSTS)
    pages += len(INFO_PAGES)
    assert summary.stopped_by == "done" and summary.pages == pages + 2  # + 404 and redirect
    found: dict[str, set[str]] = {}
    for finding in audit.findings:
        found.setdefault(finding.check.id, set()).add(finding.url.removeprefix(origin))
    assert found["broken-link-internal"] == {category_path(catalogue.categories[0])}
    assert found["link-to-redirect"] == {"/"}
    assert found["orphan-page"] == {ORPHAN}
    assert found["link-text"] == {"/"}  # "Lire la suite"
    apparel = {p.path for p in catalogue.products if p.category.startswith("apparel")}
    assert found["image-alt"] == apparel
    seldom = {p.path for p in catalogue.products if p.weight == 1}
    assert found["meta-description"] == seldom
    assert "title-duplicate" in found and "thin-content" in found
