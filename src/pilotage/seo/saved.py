"""The audit of a finished crawl, computed once and kept beside it (``audit.json``).

``seo crawl`` audits the crawl as soon as it is over and saves the result; ``seo report``
and the site's SEO pages read it back instead of auditing again. The saved file keeps
every number at full precision (a report made from it is the report made from a fresh
audit) and names what it was computed from: the Pilotage version and the crawl's
``finished_at`` and page count. A resumed crawl, a new version or a crawl still running
make it stale, and the audit is run again. Audits with a list of known URLs (orphan
pages of ``--urls``) are never saved: they depend on that list.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import orjson

from pilotage import __version__
from pilotage.crawl.store import CrawlStore
from pilotage.seo.audit import CHECKS, Audit, CheckSummary, Finding, run_audit

FILENAME = "audit.json"
FORMAT = 1


def stamp_of(store: CrawlStore) -> dict[str, Any]:
    """What a saved audit was computed from; it is current while this is unchanged."""
    return {
        "format": FORMAT,
        "pilotage": __version__,
        "finished_at": store.get_meta("finished_at"),
        "pages": store.page_count(),
    }


def to_saved(audit: Audit, stamp: dict[str, Any]) -> dict[str, Any]:
    """The audit as plain JSON types, numbers unrounded."""
    return {
        "stamp": stamp,
        "start_url": audit.start_url,
        "started_at": audit.started_at,
        "finished_at": audit.finished_at,
        "pages": audit.pages,
        "html_pages": audit.html_pages,
        "external": audit.external,
        "status_counts": audit.status_counts,
        "depth_counts": [[depth, n] for depth, n in audit.depth_counts.items()],
        "summaries": [[s.check.id, s.pages, s.findings, s.priority] for s in audit.summaries],
        "findings": [
            [f.check.id, f.url, f.detail, f.importance, f.priority] for f in audit.findings
        ],
        "pagerank": audit.pagerank,
        "traps": audit.traps,
        "sitemap_errors": audit.sitemap_errors,
    }


def from_saved(data: dict[str, Any]) -> Audit:
    """The ``Audit`` that ``to_saved`` wrote (KeyError/TypeError/ValueError when it is not)."""
    return Audit(
        start_url=data["start_url"],
        started_at=data["started_at"],
        finished_at=data["finished_at"],
        pages=int(data["pages"]),
        html_pages=int(data["html_pages"]),
        external=int(data["external"]),
        status_counts={str(k): int(v) for k, v in data["status_counts"].items()},
        depth_counts={int(depth): int(n) for depth, n in data["depth_counts"]},
        summaries=[
            CheckSummary(CHECKS[check], int(pages), int(findings), float(priority))
            for check, pages, findings, priority in data["summaries"]
        ],
        findings=[
            Finding(CHECKS[check], str(url), str(detail), float(importance), float(priority))
            for check, url, detail, importance, priority in data["findings"]
        ],
        pagerank={str(url): float(rank) for url, rank in data["pagerank"].items()},
        traps=[str(trap) for trap in data["traps"]],
        sitemap_errors=[[str(x) for x in error] for error in data["sitemap_errors"]],
    )


def _read(path: Path, stamp: dict[str, Any]) -> Audit | None:
    try:
        data = orjson.loads(path.read_bytes())
        if data.get("stamp") != stamp:
            return None
        return from_saved(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # JSONDecodeError too
        return None  # missing, unreadable or from another version: audited again


def saved_audit(store: CrawlStore, *, save: bool = True, executor: Executor | None = None) -> Audit:
    """The crawl's audit: the saved one when it is current, else a fresh one (``run_audit``,
    with ``executor`` if given), saved when the crawl is finished (``save=False``: never
    written, e.g. while a crawl is running)."""
    path = store.directory / FILENAME
    stamp = stamp_of(store)
    audit = _read(path, stamp)
    if audit is not None:
        return audit
    audit = run_audit(store, executor=executor)
    if save and stamp["finished_at"] is not None:
        _write(path, to_saved(audit, stamp))
    return audit


def _write(path: Path, data: dict[str, Any]) -> None:
    # Written aside then renamed: a reader never sees half a file.
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        partial.write_bytes(orjson.dumps(data))  # bytes at once: no str copy of a large audit
        partial.replace(path)
    except OSError:
        partial.unlink(missing_ok=True)  # a read-only crawl directory: audited each time
