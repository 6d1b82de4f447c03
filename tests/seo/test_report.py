"""SEO audit exports: CSV, JSON, XLSX read back with openpyxl, HTML parsed with selectolax."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from pilotage.crawl.store import CrawlStore, LinkRow, PageRow
from pilotage.errors import InvalidInput
from pilotage.seo import report
from pilotage.seo.audit import Audit, Finding, summarise
from pilotage.seo.model import Check, PageData

SITE = "https://example.org"
TITLE_CHECK = Check("document-title", "error", "content", "Missing title", "Why.", "How.")
FORMULA_CHECK = Check("link-text", "warning", "links", '=HYPERLINK("http://evil")', "W.", "F.")
DEPTH_CHECK = Check("deep-page", "notice", "architecture", "Too deep", "Deep.", "Link it.")
XSS = "<script>alert(1)</script>"


def finding(check: Check, url: str, detail: str = "", importance: float = 1.0) -> Finding:
    weight = {"error": 3, "warning": 2, "notice": 1}[check.severity]
    return Finding(check, url, detail, importance, weight * importance)


def make_audit() -> Audit:
    findings = [
        finding(TITLE_CHECK, f"{SITE}/a", XSS, 2.0),
        finding(TITLE_CHECK, "javascript:alert(2)", "=1+2"),
        finding(FORMULA_CHECK, f"{SITE}/b", "-2+3"),
        *(finding(DEPTH_CHECK, f"{SITE}/deep/{i}") for i in range(103)),
    ]
    findings.sort(key=lambda f: -f.priority)
    return Audit(
        start_url=f"{SITE}/",
        started_at="2024-05-01T10:00:00Z",
        finished_at="2024-05-01T10:05:00Z",
        pages=1234,
        html_pages=987,
        external=56,
        status_counts={"2xx": 987, "3xx": 200, "4xx": 46, "error": 1},
        depth_counts={0: 1, 1: 30, 2: 956},
        summaries=summarise(findings),
        findings=findings,
    )


def test_report_csv_rows_and_formula_cells() -> None:
    audit = make_audit()
    rows = list(csv.reader(io.StringIO(report.report_csv(audit))))
    assert rows[0] == ["priority", "severity", "check", "title", "url", "detail", "importance"]
    assert len(rows) == 1 + 106
    assert rows[1] == ["6.0", "error", "document-title", "Missing title", f"{SITE}/a", XSS, "2.0"]
    by_url = {row[4]: row for row in rows[1:]}
    assert by_url["javascript:alert(2)"][5] == "'=1+2"
    assert by_url[f"{SITE}/b"][3] == "'" + FORMULA_CHECK.title
    assert by_url[f"{SITE}/b"][5] == "'-2+3"


def test_report_json_is_the_audit_json() -> None:
    audit = make_audit()
    # The English catalog leaves msgids as they are, so the identity translation is expected.
    assert json.loads(report.report_json(audit)) == json.loads(json.dumps(audit.to_json()))


def test_unknown_locale_is_refused() -> None:
    with pytest.raises(InvalidInput, match="de"):
        report.report_csv(make_audit(), locale="de")


def html_page(title: str = "", noindex: bool = False, canonical: str = "") -> PageData:
    return PageData(
        title=[title] if title else [],
        meta_description=["About us"],
        headings={"h1": ["Welcome"]},
        canonical=[canonical] if canonical else [],
        meta_robots={"robots": "noindex, follow"} if noindex else {},
        word_count=321,
    )


def link(src: str, dst: str, text: str = "go") -> LinkRow:
    return LinkRow(src, dst, text, "", False, dst.startswith(SITE))


@pytest.fixture
def store(tmp_path: Path) -> CrawlStore:
    home, b, old, missing = f"{SITE}/", f"{SITE}/b", f"{SITE}/old", f"{SITE}/missing"
    crawl = CrawlStore(tmp_path / "crawl", create=True)
    crawl.set_meta("start_url", home)
    html = "text/html"
    crawl.save_page(
        PageRow(home, 0, 200, home, content_type=html, size=2048, ttfb_ms=12.34,
                elapsed_ms=50.06, data=html_page("=SUM(A1)", canonical="/")),
        [link(home, b, "a\x00b"), link(home, missing), link(home, home), link(home, "https://other.org/x")],
    )  # fmt: skip
    crawl.save_page(
        PageRow(b, 1, 200, b, content_type=html, data=html_page("B", noindex=True)),
        [link(b, missing), link(b, home), link(b, missing, "again")],
    )
    crawl.save_page(PageRow(old, 1, 301, b, redirects=[(old, 301)], content_type=html))
    crawl.save_page(PageRow(missing, 1, 404, missing, content_type=html))
    crawl.save_page(PageRow("https://other.org/x", 1, 200, "https://other.org/x"))
    crawl.save_page(PageRow(f"{SITE}/private", 1, 0, f"{SITE}/private", error="robots.txt",
                            robots_allowed=False))  # fmt: skip
    return crawl


def test_pages_csv(store: CrawlStore) -> None:
    rows = list(csv.DictReader(io.StringIO(report.pages_csv(store))))
    assert list(rows[0]) == list(report.PAGE_HEADER)
    by_url = {row["url"]: row for row in rows}
    assert len(rows) == 6
    home = by_url[f"{SITE}/"]
    assert home["title"] == "'=SUM(A1)"
    assert (home["description"], home["h1"], home["word_count"]) == ("About us", "Welcome", "321")
    assert (home["size"], home["ttfb_ms"], home["elapsed_ms"]) == ("2048", "12.3", "50.1")
    assert (home["canonical"], home["indexable"]) == ("/", "True")
    # Distinct other pages linking in: /b only (the home page's self-link does not count).
    assert home["inlinks"] == "1"
    assert by_url[f"{SITE}/missing"]["inlinks"] == "2"
    assert by_url[f"{SITE}/b"]["indexable"] == "False"
    old = by_url[f"{SITE}/old"]
    assert (old["status"], old["final_url"], old["redirects"]) == ("301", f"{SITE}/b", "1")
    assert by_url[f"{SITE}/private"]["error"] == "robots.txt"


@pytest.mark.parametrize(
    ("data", "status", "expected"),
    [
        (PageData(), 200, True),
        (PageData(canonical=["https://example.org/p?x=1#top"]), 200, False),
        (PageData(canonical=["/p"]), 200, True),
        (PageData(canonical_header=["/other"]), 200, False),
        (PageData(x_robots_tag=["googlebot: noindex"]), 200, False),
        (PageData(meta_robots={"googlebot": "NONE"}), 200, False),
        (PageData(meta_robots={"robots": "nofollow"}), 200, True),
        (PageData(canonical=["file:///etc/passwd"]), 200, True),  # unusable: ignored
        (PageData(), 500, False),
        (None, 200, False),
    ],
)
def test_is_indexable(data: PageData | None, status: int, expected: bool) -> None:
    page = PageRow(f"{SITE}/p", 1, status, f"{SITE}/p", data=data)
    assert report.is_indexable(page) is expected


def test_report_xlsx(store: CrawlStore, tmp_path: Path) -> None:
    audit = make_audit()
    path = tmp_path / "audit.xlsx"
    report.report_xlsx(audit, store, path)
    book = load_workbook(path)
    assert book.sheetnames == ["Summary", "Issues", "Pages", "Links"]
    summary = {row[0].value: row for row in book["Summary"].iter_rows(min_row=2)}
    title = summary["link-text"][1]
    assert (title.value, title.data_type) == (FORMULA_CHECK.title, "s")
    assert summary["deep-page"][3].value == 103
    issues = list(book["Issues"].iter_rows(min_row=2, values_only=True))
    assert len(issues) == len(audit.findings)
    assert ("=1+2", "s") in [(c.value, c.data_type) for c in book["Issues"]["F"]]
    pages = {row[0].value: row for row in book["Pages"].iter_rows(min_row=2)}
    assert (pages[f"{SITE}/"][9].value, pages[f"{SITE}/"][9].data_type) == ("=SUM(A1)", "s")
    assert pages[f"{SITE}/"][14].value is True
    links = list(book["Links"].iter_rows(min_row=2, values_only=True))
    assert (f"{SITE}/", f"{SITE}/b", "ab", False, True, 200) in links
    assert (f"{SITE}/b", f"{SITE}/missing", "go", False, True, 404) in links
    assert (f"{SITE}/", "https://other.org/x", "go", False, False, 200) in links


def test_report_xlsx_continues_long_sheets(
    store: CrawlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "XLSX_MAX_ROWS", 3)  # a header and two rows per sheet
    path = tmp_path / "audit.xlsx"
    report.report_xlsx(make_audit(), store, path)
    book = load_workbook(path)
    assert [n for n in book.sheetnames if n.startswith("Links")] == [
        "Links", "Links (2)", "Links (3)", "Links (4)"
    ]  # fmt: skip
    rows = [r for n in book.sheetnames if n.startswith("Links") for r in book[n].values]
    assert sum(r[0] == "src" for r in rows) == 4
    assert len(rows) - 4 == 7  # every link of the store, none lost at a sheet boundary


@pytest.fixture(scope="module")
def html() -> HTMLParser:
    return HTMLParser(report.report_html(make_audit()))


def figure(tree: HTMLParser, name: str) -> str:
    node = tree.css_first(f"#figure-{name} .value")
    assert node is not None
    return node.text(strip=True)


def test_html_headline_figures(html: HTMLParser) -> None:
    audit = make_audit()
    assert figure(html, "pages") == "1,234"
    assert figure(html, "html") == "987"
    assert figure(html, "external") == "56"
    errors = sum(f.check.severity == "error" for f in audit.findings)
    assert figure(html, "errors") == str(errors)
    assert figure(html, "notices") == "103"


def test_html_escapes_crawled_text(html: HTMLParser) -> None:
    assert html.css("script") == []
    cells = [td.text() for td in html.css("td.url")]
    assert XSS in cells
    assert "javascript:alert(2)" in cells
    hrefs = [a.attributes.get("href") or "" for a in html.css("a")]
    assert not [h for h in hrefs if "javascript" in h.lower()]
    assert f"{SITE}/a" in hrefs


def test_html_lists_checks_by_priority(html: HTMLParser) -> None:
    titles = [row.text(strip=True) for row in html.css("#checks tbody tr td:first-child")]
    assert titles == ["Too deep", "Missing title", FORMULA_CHECK.title]
    deep = html.css_first("#check-deep-page")
    assert deep is not None
    assert len(deep.css("tbody tr")) == report.URLS_PER_CHECK
    assert "and 3 more" in deep.text()
    assert "Link it." in deep.text()


def test_html_is_standalone_with_svg_charts(html: HTMLParser) -> None:
    for chart in ("#chart-status svg", "#chart-depth svg"):
        assert html.css_first(chart) is not None
    assert html.css("link") == []
    assert html.css("[src]") == []


def test_html_in_french() -> None:
    tree = HTMLParser(report.report_html(make_audit(), locale="fr"))
    root = tree.css_first("html")
    assert root is not None and root.attributes["lang"] == "fr"
    assert figure(tree, "pages") == "1\u202f234"  # CLDR French grouping: narrow no-break space


def test_html_of_an_empty_crawl() -> None:
    empty = Audit(f"{SITE}/", None, None, 0, 0, 0, {}, {}, [], [])
    tree = HTMLParser(report.report_html(empty))
    assert tree.css("svg") == []
    assert tree.css("#checks") == []
    assert figure(tree, "errors") == "0"
