"""SEO audit pages and API: crawls of a site, their audit, exports and comparisons.

Viewers read crawls and audits; editors start, resume and compare them. Crawls run in
child processes (``pilotage.seo.crawls``); the page of a running crawl refreshes its
progress with htmx. Every URL and detail comes from crawled pages, so it is escaped by
the templates and linked only when it is http(s).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from pilotage import charts
from pilotage.config import Settings
from pilotage.crawl.store import CrawlStore
from pilotage.errors import InvalidInput, PilotageError
from pilotage.i18n import translations
from pilotage.seo import crawls
from pilotage.seo.audit import CHECKS
from pilotage.web.context import Who, instance, prepare, site_access
from pilotage.web.routes.stats_api import authorised_site
from pilotage.web.templating import page_locale, render

router = APIRouter(dependencies=[Depends(prepare)])
api = APIRouter(prefix="/api/v2/seo", tags=["SEO API"])
SHOWN_URLS = 20
MEDIA = {
    "json": ("application/json", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "pages-csv": ("text/csv; charset=utf-8", "csv"),
    "html": ("text/html; charset=utf-8", "html"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _site(request: Request, who: Who, domain: str, action: str = "view") -> tuple[int, str]:
    with instance(request).app.session() as s:
        site = site_access(s, who, domain, action)
        return site.id, site.domain


def _can_edit(request: Request, who: Who, domain: str) -> bool:
    try:
        _site(request, who, domain, "edit_goals")
    except PilotageError:
        return False
    return True


@router.get("/sites/{domain}/seo", response_class=HTMLResponse)
def seo_page(request: Request, who: Who, domain: str) -> Response:
    """The site's crawls, newest first, and the form to start one."""
    site_id, name = _site(request, who, domain)
    context = {
        "spec": {"domain": name},
        "crawls": crawls.list_crawls(_settings(request), site_id),
        "can_edit": _can_edit(request, who, domain),
        "default_url": f"https://{name}/",
    }
    return render(request, "seo/index.html", context)


@router.post("/sites/{domain}/seo", response_class=HTMLResponse)
def start(
    request: Request,
    who: Who,
    domain: str,
    url: Annotated[str, Form()],
    max_pages: Annotated[str, Form()] = "500",
) -> Response:
    site_id, name = _site(request, who, domain, "edit_goals")
    try:
        pages = _int(max_pages, "max_pages")
        crawl_id = crawls.start_crawl(_settings(request), site_id, url, max_pages=pages)
    except PilotageError as exc:
        context = {
            "spec": {"domain": name},
            "crawls": crawls.list_crawls(_settings(request), site_id),
            "can_edit": True,
            "default_url": url,
            "error": exc.message,
        }
        return render(request, "seo/index.html", context, status_code=exc.http_status)
    return RedirectResponse(f"/sites/{name}/seo/{crawl_id}", status_code=303)


def _int(text: str, field: str) -> int:
    try:
        return int(text.strip().replace(" ", "").replace("\u202f", ""))
    except ValueError:
        raise InvalidInput(f"{text[:20]!r} is not a whole number", field=field) from None


def _charts(audit: dict[str, Any], locale: str) -> dict[str, Any]:
    gettext = translations(locale).gettext
    statuses = list(audit["status_counts"].items())
    depths = [(str(k), v) for k, v in audit["depth_counts"].items()]
    return {
        "status": charts.bar_spec(
            statuses, title=gettext("Pages by status"), value_label=gettext("Pages")
        ),
        "depth": charts.bar_spec(
            depths, title=gettext("Pages by click depth"), value_label=gettext("Pages")
        ),
    }


def _checks(audit: dict[str, Any]) -> list[dict[str, Any]]:
    """Each check of the audit with its first affected URLs."""
    by_check: dict[str, list[dict[str, Any]]] = {}
    for issue in audit["issues"]:
        by_check.setdefault(issue["check"], []).append(issue)
    rows = []
    for summary in audit["checks"]:
        issues = by_check.get(summary["id"], [])
        rows.append({**summary, "check": CHECKS[summary["id"]], "shown": issues[:SHOWN_URLS]})
    return rows


@router.get("/sites/{domain}/seo/{crawl_id}", response_class=HTMLResponse)
def crawl_page(request: Request, who: Who, domain: str, crawl_id: str) -> Response:
    """A crawl: its progress while it runs, then its audit by priority."""
    site_id, name = _site(request, who, domain)
    path = crawls.crawl_dir(_settings(request), site_id, crawl_id)
    current = crawls.info(path)
    context: dict[str, Any] = {
        "spec": {"domain": name},
        "crawl": current,
        "can_edit": _can_edit(request, who, domain),
        "others": [c for c in crawls.list_crawls(_settings(request), site_id) if c.id != crawl_id],
        "log": crawls.last_log_line(path),
        "tr": translations(page_locale(request)).gettext,
    }
    # Bad input (a refused address, say) ends the child at once with one error line:
    # resuming would fail the same way, so no button offers it.
    context["refused"] = not current.pages and context["log"].startswith("pilotage: error:")
    if current.state != "running" and current.pages:
        audit = crawls.cached_audit(path)
        context.update(
            audit=audit,
            checks=_checks(audit),
            charts=_charts(audit, page_locale(request)),
            severities=_severity_counts(audit),
        )
    return render(request, "seo/crawl.html", context)


def _severity_counts(audit: dict[str, Any]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "notice": 0}
    for check in audit["checks"]:
        counts[check["severity"]] += check["findings"]
    return counts


@router.get("/sites/{domain}/seo/{crawl_id}/progress", response_class=HTMLResponse)
def progress(request: Request, who: Who, domain: str, crawl_id: str) -> Response:
    """The progress fragment a running crawl's page polls; a finished one reloads."""
    site_id, name = _site(request, who, domain)
    current = crawls.info(crawls.crawl_dir(_settings(request), site_id, crawl_id))
    headers = {} if current.state == "running" else {"HX-Refresh": "true"}
    context = {"spec": {"domain": name}, "crawl": current}
    return render(request, "seo/_progress.html", context, headers=headers)


@router.post("/sites/{domain}/seo/{crawl_id}/resume")
def resume(request: Request, who: Who, domain: str, crawl_id: str) -> Response:
    site_id, name = _site(request, who, domain, "edit_goals")
    crawls.resume_crawl(_settings(request), site_id, crawl_id)
    return RedirectResponse(f"/sites/{name}/seo/{crawl_id}", status_code=303)


@router.get("/sites/{domain}/seo/{crawl_id}/export")
def export(request: Request, who: Who, domain: str, crawl_id: str, format: str = "csv") -> Response:
    """The audit as JSON, CSV, XLSX or a standalone HTML report; or the pages as CSV."""
    site_id, name = _site(request, who, domain, "export")
    if format not in MEDIA:
        raise InvalidInput(f"unknown format {format[:20]!r}", field="format")
    path = crawls.crawl_dir(_settings(request), site_id, crawl_id)
    body = _export(path, format, page_locale(request))
    media, extension = MEDIA[format]
    filename = f"seo-{name}-{crawl_id}{'-pages' if format == 'pages-csv' else ''}.{extension}"
    disposition = "inline" if format == "html" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{filename}"'}
    return Response(body, media_type=media, headers=headers)


def _export(path: Path, fmt: str, locale: str) -> bytes:
    from pilotage.seo import report
    from pilotage.seo.saved import saved_audit

    with CrawlStore(path) as store:
        if fmt == "pages-csv":
            return report.pages_csv(store).encode()
        audit = saved_audit(store, save=not crawls.is_running(path))
        if fmt == "xlsx":
            target = path / f"report-{locale}.xlsx"
            report.report_xlsx(audit, store, target, locale=locale)
            return target.read_bytes()
    render_text = {"json": report.report_json, "csv": report.report_csv}
    return render_text.get(fmt, report.report_html)(audit, locale=locale).encode()


@router.get("/sites/{domain}/seo-compare", response_class=HTMLResponse)
def compare_page(request: Request, who: Who, domain: str, old: str, new: str) -> Response:
    """What changed between two crawls: new, fixed and persisting issues; page changes."""
    from pilotage.seo.compare import compare
    from pilotage.seo.saved import saved_audit

    site_id, name = _site(request, who, domain)
    settings = _settings(request)
    old_path = crawls.crawl_dir(settings, site_id, old)
    new_path = crawls.crawl_dir(settings, site_id, new)
    with CrawlStore(old_path) as before, CrawlStore(new_path) as after:
        issues = [
            saved_audit(store, save=not crawls.is_running(path)).issues
            for store, path in ((before, old_path), (after, new_path))
        ]
        result = compare(before, after, *issues)
    context = {
        "spec": {"domain": name},
        "old": crawls.info(old_path),
        "new": crawls.info(new_path),
        "result": result.to_json(),
        "checks": CHECKS,
        "tr": translations(page_locale(request)).gettext,
    }
    return render(request, "seo/compare.html", context)


# -- API ----------------------------------------------------------------------------------


@api.get("/crawls", summary="List a site's crawls")
def api_crawls(request: Request, site_id: str = "") -> JSONResponse:
    """The crawls of ``site_id``, newest first (scope ``stats:read``)."""
    domain, _ = authorised_site(request, site_id, "stats:read")
    with instance(request).app.session() as s:
        from pilotage.sites import get_site

        number = get_site(s, domain).id
    rows = [
        {"id": c.id, "start_url": c.start_url, "state": c.state, "pages": c.pages,
         "started_at": c.started_at, "finished_at": c.finished_at}
        for c in crawls.list_crawls(_settings(request), number)
    ]  # fmt: skip
    return JSONResponse({"results": rows})


@api.post("/crawls", summary="Start a crawl of a site", status_code=202)
def api_start(
    request: Request,
    body: Annotated[
        dict[str, Any] | None,
        Body(examples=[{"site_id": "boutique.example", "url": "https://boutique.example/"}]),
    ] = None,
) -> JSONResponse:
    """Start crawling ``url`` (``max_pages``, default 500); scope ``sites:write`` and an
    editor role on the site. Poll ``GET /api/v2/seo/crawls/{id}?site_id=`` for the audit."""
    body = body or {}  # the key is checked before the body
    domain, _ = authorised_site(request, body.get("site_id"), "sites:write", action="edit_goals")
    url = body.get("url")
    if not isinstance(url, str):
        raise InvalidInput("url must be a string", field="url")
    max_pages = body.get("max_pages", 500)
    if not isinstance(max_pages, int) or isinstance(max_pages, bool):
        raise InvalidInput("max_pages must be a whole number", field="max_pages")
    with instance(request).app.session() as s:
        from pilotage.sites import get_site

        number = get_site(s, domain).id
    crawl_id = crawls.start_crawl(_settings(request), number, url, max_pages=max_pages)
    return JSONResponse({"id": crawl_id, "state": "running"}, status_code=202)


@api.get("/crawls/{crawl_id}", summary="A crawl's audit")
def api_audit(request: Request, crawl_id: str, site_id: str = "") -> JSONResponse:
    """The crawl's state, and once it is over its audit: checks by priority and issues."""
    domain, _ = authorised_site(request, site_id, "stats:read")
    with instance(request).app.session() as s:
        from pilotage.sites import get_site

        number = get_site(s, domain).id
    path = crawls.crawl_dir(_settings(request), number, crawl_id)
    current = crawls.info(path)
    body: dict[str, Any] = {"id": current.id, "state": current.state, "pages": current.pages}
    if current.state != "running":
        body["audit"] = crawls.cached_audit(path)
    return JSONResponse(body)
