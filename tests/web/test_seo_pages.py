"""SEO pages: a crawl started from the web runs in a child process against a real local
site; its audit, exports, comparison and the API, with the roles that may see them."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from pilotage import accounts
from pilotage.instance import Instance
from pilotage.sites import get_site
from tests.seo.site_server import SeoSite, serve_seo_site
from tests.web.web_support import SITE, Web


@pytest.fixture
def seo_site() -> Iterator[SeoSite]:
    with serve_seo_site() as served:
        yield served


def _crawl(web: Web, url: str, max_pages: str = "60") -> str:
    r = web.post_form(
        f"/sites/{SITE}/seo", {"url": url, "max_pages": max_pages}, f"/sites/{SITE}/seo"
    )
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    location = r.headers["location"]  # type: ignore[attr-defined]
    crawl_id = location.rsplit("/", 1)[1]
    for _ in range(600):
        progress = web.client.get(f"{location}/progress")
        if progress.headers.get("HX-Refresh") == "true":
            return crawl_id
        time.sleep(0.1)
    raise AssertionError("the crawl did not finish in 60 s")


@pytest.mark.slow
def test_a_crawl_from_the_web_is_audited_and_exported(private_web: Web, seo_site: SeoSite) -> None:
    web = private_web
    web.login()
    crawl_id = _crawl(web, seo_site.site.url + "/")
    page = web.client.get(f"/sites/{SITE}/seo/{crawl_id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    api_like = web.client.get(
        f"/sites/{SITE}/seo/{crawl_id}/export?format=json", headers={"Accept-Language": "en"}
    )
    audit = json.loads(api_like.text)
    assert audit["pages"] >= 30
    checks = {c["id"] for c in audit["checks"]}
    assert {"document-title", "broken-link-internal", "redirect-chain"} <= checks
    for check in audit["checks"][:5]:  # every check the audit found is on the page
        assert check["title"] in page.text
    assert "<script>alert" not in page.text
    french = web.client.get(f"/sites/{SITE}/seo/{crawl_id}", headers={"Accept-Language": "fr"})
    assert "Problèmes par priorité" in french.text
    xlsx = web.client.get(f"/sites/{SITE}/seo/{crawl_id}/export?format=xlsx")
    assert xlsx.status_code == 200
    path = web.settings.data_dir / "report.xlsx"
    path.write_bytes(xlsx.content)
    assert "Pages" in load_workbook(path, read_only=True).sheetnames
    pages_csv = web.client.get(f"/sites/{SITE}/seo/{crawl_id}/export?format=pages-csv")
    assert pages_csv.text.splitlines()[0].startswith("url,status")
    listing = web.client.get(f"/sites/{SITE}/seo")
    assert crawl_id in listing.text


@pytest.mark.slow
def test_two_crawls_compare(private_web: Web, seo_site: SeoSite) -> None:
    web = private_web
    web.login()
    first = _crawl(web, seo_site.site.url + "/", "10")
    time.sleep(1.1)  # crawl ids are start times to the second
    second = _crawl(web, seo_site.site.url + "/", "40")
    page = web.client.get(
        f"/sites/{SITE}/seo-compare?old={first}&new={second}", headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    found = re.search(r'New issues</span><span class="value">(\d+)', page.text)
    assert found and int(found.group(1)) > 0


def test_the_guard_refuses_a_private_site_from_the_web(web: Web, seo_site: SeoSite) -> None:
    web.login()
    crawl_id = _crawl(web, seo_site.site.url + "/")
    page = web.client.get(f"/sites/{SITE}/seo/{crawl_id}", headers={"Accept-Language": "en"})
    assert "loopback" in page.text  # the crawl's one-line refusal is shown
    assert "could not start" in page.text
    assert "/resume" not in page.text  # resuming would be refused the same way
    assert seo_site.site.paths("GET") == []  # and nothing was fetched


def test_bad_input_and_roles(web: Web) -> None:
    web.login()
    r = web.post_form(
        f"/sites/{SITE}/seo", {"url": "ftp://x", "max_pages": "5"}, f"/sites/{SITE}/seo"
    )
    assert r.status_code == 400  # type: ignore[attr-defined]
    r = web.post_form(
        f"/sites/{SITE}/seo",
        {"url": "https://a.example/", "max_pages": "lots"},
        f"/sites/{SITE}/seo",
    )
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert web.client.get(f"/sites/{SITE}/seo/20990101-000000").status_code == 404
    assert web.client.get(f"/sites/{SITE}/seo/..%2F..%2Fetc").status_code == 404
    inst = Instance(web.settings)
    with inst.app.session() as s:
        viewer = accounts.create_user(s, "viewer@example.org", "another long passphrase")
        accounts.grant(s, viewer, get_site(s, SITE), "viewer")
    inst.close()
    web.client.post("/logout", data={"csrf": web.csrf("/")})
    web.login("viewer@example.org", "another long passphrase")
    page = web.client.get(f"/sites/{SITE}/seo")
    assert page.status_code == 200 and 'name="url"' not in page.text
    r = web.post_form(f"/sites/{SITE}/seo", {"url": "https://a.example/"}, f"/sites/{SITE}/seo")
    assert r.status_code == 403  # type: ignore[attr-defined]
