"""The SEO audit of a crawl: every check run, each issue weighed by its page's importance.

Priority (documented in docs/seo.md):

- a page's *importance* is its internal PageRank times the number of pages in the link
  graph, so the average page weighs 1, the home page usually several, a page few links
  reach less than 1; URLs outside the graph (external links, errors) weigh 1;
- a finding's priority is its check's severity weight (error 3, warning 2, notice 1)
  times the importance of its page;
- a check's priority is the sum over its findings, i.e. severity × pages affected ×
  their mean importance. Checks are listed by decreasing priority.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any

from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.crawl.urls import same_site
from pilotage.seo import checks, duplicates, graph, keywords
from pilotage.seo.model import SEVERITY_WEIGHT, Check, Issue

CHECKS: dict[str, Check] = {
    check.id: check
    for check in (*checks.CHECKS, *graph.CHECKS, *duplicates.CHECKS, *keywords.CHECKS)
}


def identity(message: str) -> str:
    return message


@dataclass(frozen=True, slots=True)
class Finding:
    check: Check
    url: str
    detail: str
    importance: float
    priority: float


@dataclass
class CheckSummary:
    check: Check
    pages: int
    findings: int
    priority: float


@dataclass
class Audit:
    start_url: str
    started_at: str | None
    finished_at: str | None
    pages: int  # internal URLs stored
    html_pages: int  # internal HTML pages answered 2xx
    external: int
    status_counts: dict[str, int]
    depth_counts: dict[int, int]
    summaries: list[CheckSummary]
    findings: list[Finding]
    pagerank: dict[str, float] = field(default_factory=dict)
    traps: list[str] = field(default_factory=list)
    sitemap_errors: list[list[str]] = field(default_factory=list)

    @property
    def issues(self) -> list[Issue]:
        return [Issue(f.check.id, f.url, f.detail) for f in self.findings]

    def to_json(self, translate: Callable[[str], str] = identity) -> dict[str, Any]:
        def check_json(check: Check) -> dict[str, Any]:
            return {
                "id": check.id,
                "severity": check.severity,
                "category": check.category,
                "title": translate(check.title),
                "explanation": translate(check.explanation),
                "fix": translate(check.fix),
                "lighthouse": check.lighthouse,
            }

        return {
            "start_url": self.start_url,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "pages": self.pages,
            "html_pages": self.html_pages,
            "external": self.external,
            "status_counts": self.status_counts,
            "depth_counts": {str(k): v for k, v in sorted(self.depth_counts.items())},
            "traps": self.traps,
            "sitemap_errors": self.sitemap_errors,
            "checks": [
                {
                    **check_json(s.check),
                    "pages": s.pages,
                    "findings": s.findings,
                    "priority": round(s.priority, 3),
                }
                for s in self.summaries
            ],
            "issues": [
                {
                    "check": f.check.id,
                    "severity": f.check.severity,
                    "url": f.url,
                    "detail": f.detail,
                    "importance": round(f.importance, 3),
                    "priority": round(f.priority, 3),
                }
                for f in self.findings
            ],
        }


def status_class(status: int) -> str:
    return "error" if status == 0 else f"{status // 100}xx"


def _overview(
    store: CrawlStore, start: str, click_depths: dict[str, int]
) -> tuple[int, int, int, Counter[str], Counter[int]]:
    pages = html = external = 0
    statuses: Counter[str] = Counter()
    depths: Counter[int] = Counter()
    for page in store.pages(with_data=False):
        if not same_site(page.url, start):
            external += 1
            continue
        pages += 1
        statuses[status_class(page.status)] += 1
        if page.content_type in ("text/html", "application/xhtml+xml") and page.status // 100 == 2:
            html += 1
    for depth in click_depths.values():
        depths[depth] += 1
    return pages, html, external, statuses, depths


def all_issues(
    store: CrawlStore,
    extra_urls: Iterable[str] = (),
    links: graph.LinkGraph | None = None,
    contested: Future[dict[str, list[str]]] | None = None,
) -> Iterable[Issue]:
    """Every check's issues; the pages are read and parsed once, the page checks taking
    them as they come while the duplicate checks gather their fingerprints. ``contested``:
    the keyword terms several pages target, when another process is computing them."""
    prints: list[duplicates.Fingerprint] = []

    def gathering(rows: Iterable[PageRow]) -> Iterator[PageRow]:
        for row in rows:
            duplicates.add_fingerprint(row, prints)
            yield row

    yield from graph.graph_issues(store, extra_urls=extra_urls, graph=links)
    links = None  # let the graph go before the pages are read (a large crawl's peak)
    yield from checks.run_checks(store, rows=gathering(store.pages(links=False)))
    yield from duplicates.fingerprint_issues(prints)
    terms = None if contested is None else contested.result()
    yield from keywords.cannibalisation_issues(store, contested=terms)


def run_audit(
    store: CrawlStore, *, extra_urls: Iterable[str] = (), executor: Executor | None = None
) -> Audit:
    """Audit the crawl in ``store``; ``extra_urls`` are known URLs for orphan detection.

    ``executor`` (the crawl's pool of worker processes): the keyword terms are computed
    there while this process runs the other checks, so an audit uses two cores.
    """
    start = str(store.get_meta("start_url", ""))
    contested = None
    if executor is not None:
        contested = executor.submit(keywords.contested_terms_in, str(store.directory))
    links = graph.build_graph(store)  # once: PageRank, depths and graph checks share it
    rank = graph.pagerank(links)
    scale = float(len(rank)) or 1.0
    depths = graph.click_depth(links)
    issues = all_issues(store, extra_urls, links, contested)
    del links  # all_issues drops it once the graph checks are done
    findings: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    for issue in issues:
        key = (issue.check, issue.url, issue.detail)
        if key in seen:
            continue
        seen.add(key)
        check = CHECKS[issue.check]
        importance = rank[issue.url] * scale if issue.url in rank else 1.0
        priority = SEVERITY_WEIGHT[check.severity] * importance
        findings.append(Finding(check, issue.url, issue.detail, importance, priority))
    findings.sort(key=lambda f: (-f.priority, f.check.id, f.url, f.detail))
    pages, html, external, statuses, depth_counts = _overview(store, start, depths)
    return Audit(
        start_url=start,
        started_at=store.get_meta("started_at"),
        finished_at=store.get_meta("finished_at"),
        pages=pages,
        html_pages=html,
        external=external,
        status_counts=dict(sorted(statuses.items())),
        depth_counts=dict(depth_counts),
        summaries=summarise(findings),
        findings=findings,
        pagerank=rank,
        traps=list(store.get_meta("traps", [])),
        sitemap_errors=[list(e) for e in store.get_meta("sitemap_errors", [])],
    )


def summarise(findings: Iterable[Finding]) -> list[CheckSummary]:
    by_check: dict[str, CheckSummary] = {}
    urls: dict[str, set[str]] = {}
    for f in findings:
        summary = by_check.setdefault(f.check.id, CheckSummary(f.check, 0, 0, 0.0))
        summary.findings += 1
        summary.priority += f.priority
        urls.setdefault(f.check.id, set()).add(f.url)
    for check_id, summary in by_check.items():
        summary.pages = len(urls[check_id])
    return sorted(by_check.values(), key=lambda s: (-s.priority, s.check.id))


def checks_markdown() -> str:
    """The table of checks in docs/seo.md, generated from the catalogue (a test compares)."""
    lines = [
        "| id | severity | category | Lighthouse | what it finds | how to fix it |",
        "|---|---|---|---|---|---|",
    ]
    for check in CHECKS.values():
        cells = (
            f"`{check.id}`", check.severity, check.category, check.lighthouse or "",
            f"**{check.title}.** {check.explanation}", check.fix,
        )  # fmt: skip
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
