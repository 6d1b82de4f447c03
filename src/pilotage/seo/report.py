"""Exports of an SEO audit: JSON, CSV, XLSX and a standalone HTML report.

Every URL, title and anchor text comes from the crawled site, so from whoever wrote it:

- CSV cells that start like a formula are neutralised (``pilotage.export``, OWASP "CSV
  Injection");
- XLSX strings are stored as strings: openpyxl would turn ``"=…"`` into a formula, so such
  cells get the string type; control characters XML forbids are dropped and cells are cut
  at Excel's 32,767-character limit;
- the HTML report escapes everything through Jinja's autoescape and links a URL only when
  its scheme is http(s), so a ``javascript:`` URL is shown, never followed.

The XLSX workbook is written row by row (openpyxl ``write_only``) and a sheet longer than
Excel's 1,048,576 rows continues on "Links (2)"…, so a 100k-page crawl fits in memory.
Check titles, explanations and fixes are English msgids translated through the Babel
catalogs of ``locale``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson
from markupsafe import Markup

from pilotage import i18n
from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.errors import InvalidInput
from pilotage.export import csv_text, safe_cell
from pilotage.seo.checks_page import is_indexable
from pilotage.seo.model import PageData

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from pilotage.seo.audit import Audit, Finding

Translate = Callable[[str], str]
SEVERITIES = ("error", "warning", "notice")
URLS_PER_CHECK = 100  # the HTML report lists this many URLs per check, the exports all
XLSX_MAX_ROWS = 1_048_576  # Excel's sheet limit, header included
XLSX_MAX_CHARS = 32_767  # Excel's cell limit

ISSUE_HEADER = ("priority", "severity", "check", "title", "url", "detail", "importance")
PAGE_HEADER = (
    "url", "status", "final_url", "redirects", "content_type", "size", "ttfb_ms",
    "elapsed_ms", "depth", "title", "description", "h1", "word_count", "canonical",
    "indexable", "inlinks", "error",
)  # fmt: skip
LINK_HEADER = ("src", "dst", "text", "nofollow", "internal", "target_status")
SUMMARY_HEADER = ("check", "title", "severity", "pages", "findings", "priority")


def _(message: str) -> str:
    return message


SEVERITY_LABELS = {"error": _("Error"), "warning": _("Warning"), "notice": _("Notice")}
SHEETS = {"summary": _("Summary"), "issues": _("Issues"), "pages": _("Pages"), "links": _("Links")}


def translator(locale: str) -> Translate:
    """The Babel gettext of ``locale`` ("fr" or "en")."""
    if locale not in i18n.LOCALES:
        raise InvalidInput(f"locale {locale!r} is not one of {i18n.LOCALES}", field="locale")
    gettext: Translate = i18n.translations(locale).gettext
    return gettext


def report_json(audit: Audit, *, locale: str = "en") -> str:
    # orjson: json.dumps with an indent encodes in Python, chunk by chunk, and its chunks
    # of a 100k-page audit weighed more than the audit itself.
    return orjson.dumps(audit.to_json(translator(locale)), option=orjson.OPT_INDENT_2).decode()


def _issue_rows(findings: Iterable[Finding], translate: Translate) -> Iterator[list[Any]]:
    for f in findings:
        yield [
            round(f.priority, 3), f.check.severity, f.check.id, translate(f.check.title),
            f.url, f.detail, round(f.importance, 3),
        ]  # fmt: skip


def report_csv(audit: Audit, *, locale: str = "en") -> str:
    """One row per finding, by decreasing priority."""
    return csv_text(ISSUE_HEADER, list(_issue_rows(audit.findings, translator(locale))))


# -- pages and links ----------------------------------------------------------------------


def inlinks(store: CrawlStore) -> dict[str, int]:
    """Distinct other pages linking to each URL, nofollow included (as ``graph.inlinks``),
    counted on the literal target so a broken or redirecting URL shows its inlinks too."""
    rows = store.db.execute(
        "SELECT dst, count(DISTINCT src) FROM links WHERE src != dst GROUP BY dst"
    )
    return {str(dst): int(n) for dst, n in rows}


def _canonical(page: PageRow) -> str:
    data = page.data
    if data is None:
        return ""
    return next(iter(data.canonical or data.canonical_header), "")


def _first(values: Sequence[str]) -> str:
    return values[0] if values else ""


def _page_row(page: PageRow, inlinks: int) -> list[Any]:
    data = page.data or PageData()
    return [
        page.url, page.status, page.final_url, len(page.redirects), page.content_type,
        page.size, round(page.ttfb_ms, 1), round(page.elapsed_ms, 1), page.depth,
        _first(data.title), _first(data.meta_description), _first(data.headings.get("h1", [])),
        data.word_count, _canonical(page), is_indexable(page), inlinks, page.error or "",
    ]  # fmt: skip


def _page_rows(store: CrawlStore) -> Iterator[list[Any]]:
    counts = inlinks(store)
    for page in store.pages(with_data=True):
        yield _page_row(page, counts.get(page.url, 0))


def _link_rows(store: CrawlStore) -> Iterator[list[Any]]:
    status = {page.url: page.status for page in store.pages(with_data=False)}
    for link in store.links():
        yield [link.src, link.dst, link.text, link.nofollow, link.internal, status.get(link.dst)]


def _stream_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def pages_csv(store: CrawlStore) -> str:
    """One row per stored URL, in crawl order."""
    return _stream_csv(PAGE_HEADER, _page_rows(store))


# -- XLSX -----------------------------------------------------------------------------------


def _xlsx_value(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_MAX_CHARS]
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl typed it "f"; a string cell is never evaluated
    return cell


def _write_sheet(
    book: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    part, sheet = 1, book.create_sheet(title)
    sheet.append(list(header))
    used = 1
    for row in rows:
        if used >= XLSX_MAX_ROWS:
            part += 1
            sheet = book.create_sheet(f"{title} ({part})")
            sheet.append(list(header))
            used = 1
        sheet.append([_xlsx_value(sheet, v) for v in row])
        used += 1


def _summary_rows(audit: Audit, translate: Translate) -> Iterator[list[Any]]:
    for s in audit.summaries:
        yield [
            s.check.id, translate(s.check.title), translate(SEVERITY_LABELS[s.check.severity]),
            s.pages, s.findings, round(s.priority, 3),
        ]  # fmt: skip


def report_xlsx(audit: Audit, store: CrawlStore, path: Path, *, locale: str = "en") -> None:
    """A workbook of four sheets: Summary (per check), Issues, Pages and Links."""
    from openpyxl import Workbook  # imported here: the other formats do without it

    translate = translator(locale)
    book = Workbook(write_only=True)
    _write_sheet(
        book, translate(SHEETS["summary"]), SUMMARY_HEADER, _summary_rows(audit, translate)
    )
    issues = _issue_rows(audit.findings, translate)
    _write_sheet(book, translate(SHEETS["issues"]), ISSUE_HEADER, issues)
    _write_sheet(book, translate(SHEETS["pages"]), PAGE_HEADER, _page_rows(store))
    _write_sheet(book, translate(SHEETS["links"]), LINK_HEADER, _link_rows(store))
    book.save(path)


# -- HTML -----------------------------------------------------------------------------------


def is_web_url(url: str) -> bool:
    """True for an http(s) URL, the only kind the HTML report makes a link of."""
    try:
        return urlsplit(url.strip()).scheme.lower() in ("http", "https")
    except ValueError:
        return False


def _chart(rows: Sequence[tuple[str, float]], label: str, locale: str) -> Markup:
    from pilotage import charts  # vl-convert, for the HTML report only

    if not rows:
        return Markup("")
    # No title in the SVG: the report's heading above the chart names it.
    svg = charts.render_svg(charts.bar_spec(rows, title="", value_label=label), locale=locale)
    # vl-convert's own SVG; the labels are status classes and depths, not crawled text.
    return Markup(svg)


def _charts(audit: Audit, locale: str, translate: Translate) -> dict[str, Markup]:
    fetch_error = translate(_("no response"))
    statuses = [
        (fetch_error if name == "error" else name, float(n))
        for name, n in sorted(audit.status_counts.items())
    ]
    depths = [(str(d), float(n)) for d, n in sorted(audit.depth_counts.items())]
    return {
        "status": _chart(statuses, translate(_("URLs")), locale),
        "depth": _chart(depths, translate(_("Pages")), locale),
    }


def _affected(audit: Audit) -> dict[str, dict[str, Any]]:
    """Per check id, its first ``URLS_PER_CHECK`` findings (highest priority first), how
    many more there are, and whether any has a detail worth a column."""
    shown: dict[str, list[dict[str, Any]]] = defaultdict(list)
    total: dict[str, int] = defaultdict(int)
    for f in audit.findings:
        total[f.check.id] += 1
        if len(shown[f.check.id]) < URLS_PER_CHECK:
            shown[f.check.id].append({"url": f.url, "detail": f.detail, "link": is_web_url(f.url)})
    return {
        check_id: {
            "rows": rows,
            "more": total[check_id] - len(rows),
            "details": any(row["detail"] for row in rows),
        }
        for check_id, rows in shown.items()
    }


def report_html(audit: Audit, *, locale: str = "en") -> str:
    """A standalone page (inline CSS and SVG, no script, no external asset)."""
    translate = translator(locale)
    data = audit.to_json(translate)
    severities = {s: 0 for s in SEVERITIES}
    for f in audit.findings:
        severities[f.check.severity] += 1
    context = {
        "audit": data,
        "severities": severities,
        "affected": _affected(audit),
        "charts": _charts(audit, locale, translate),
        "start_link": is_web_url(audit.start_url),
    }
    from pilotage.web import templating  # the web package loads the app: only when needed

    return templating.render_string(locale, "seo/report.html", context)
