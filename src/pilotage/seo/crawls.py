"""Crawls started from the web app: where they live, how they run, what they say.

A site's crawls are directories under ``<data_dir>/crawls/<site id>/`` named by their
start time (``20261122-103000``), each holding the crawl file of ``pilotage seo crawl``.
The server runs each crawl as that same command in a child process: the crawl's
parsing then uses its own cores and memory, never the web server's, and a crawl that
stops (server restart, crash) is resumed by running it again in its directory. The
SSRF guard is on unless the instance allows private addresses
(``PILOTAGE_WATCH_ALLOW_PRIVATE``). The audit of a finished crawl is computed once and
kept beside it (``audit.json``, ``pilotage.seo.saved``), with what the SEO page shows of
it (``overview.json``).
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pilotage.config import Settings
from pilotage.crawl.store import FILENAME, CrawlStore
from pilotage.crawl.urls import normalise_url
from pilotage.errors import Conflict, InvalidInput, NotFound

_ID = re.compile(r"^\d{8}-\d{6}$")
MAX_PAGES = 100_000
_RUNNING: dict[Path, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class CrawlInfo:
    id: str
    path: Path
    start_url: str
    started_at: str | None
    finished_at: str | None
    pages: int
    state: str  # "running", "finished", "stopped"
    stopped_by: str | None


def site_dir(settings: Settings, site_id: int) -> Path:
    return settings.data_dir / "crawls" / str(site_id)


def crawl_dir(settings: Settings, site_id: int, crawl_id: str) -> Path:
    path = site_dir(settings, site_id) / crawl_id
    if not _ID.match(crawl_id) or not (path / FILENAME).is_file():
        raise NotFound(f"no crawl {crawl_id[:40]!r}", field="crawl")
    return path


def is_running(path: Path) -> bool:
    process = _RUNNING.get(path)
    if process is None:
        return False
    if process.poll() is None:
        return True
    del _RUNNING[path]
    return False


def info(path: Path) -> CrawlInfo:
    with CrawlStore(path) as store:
        start = str(store.get_meta("start_url", ""))
        started = store.get_meta("started_at")
        finished = store.get_meta("finished_at")
        stopped_by = store.get_meta("stopped_by")
        pages = store.internal_page_count()
    state = "running" if is_running(path) else ("finished" if finished else "stopped")
    return CrawlInfo(path.name, path, start, started, finished, pages, state, stopped_by)


def list_crawls(settings: Settings, site_id: int) -> list[CrawlInfo]:
    """Newest first."""
    root = site_dir(settings, site_id)
    if not root.is_dir():
        return []
    paths = [p for p in root.iterdir() if _ID.match(p.name) and (p / FILENAME).is_file()]
    return [info(p) for p in sorted(paths, reverse=True)]


def _command(path: Path, url: str, max_pages: int, allow_private: bool) -> list[str]:
    command = [
        sys.executable, "-m", "pilotage", "seo", "crawl", url, "--out", str(path),
        "--max-pages", str(max_pages), "--quiet", "--workers", "1",
    ]  # fmt: skip
    return [*command, "--allow-private"] if allow_private else command


def start_crawl(settings: Settings, site_id: int, url: str, *, max_pages: int = 500) -> str:
    """Start a crawl of ``url`` in a child process; returns its id."""
    try:
        start = normalise_url(url.strip())
    except InvalidInput:
        raise InvalidInput(f"start URL {url[:200]!r} is not a valid URL", field="url") from None
    if not start.startswith(("http://", "https://")):
        raise InvalidInput(f"start URL {url[:200]!r} must be http(s)", field="url")
    if not 1 <= max_pages <= MAX_PAGES:
        raise InvalidInput(f"max pages must be between 1 and {MAX_PAGES:,}", field="max_pages")
    root = site_dir(settings, site_id)
    if any(is_running(root / name) for name in _running_names(root)):
        raise Conflict("a crawl of this site is already running", field="url")
    crawl_id = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = root / crawl_id
    if path.exists():
        raise Conflict("a crawl was started this very second; try again", field="url")
    CrawlStore(path, create=True).close()
    _spawn(path, _command(path, start, max_pages, settings.watch_allow_private))
    return crawl_id


def resume_crawl(settings: Settings, site_id: int, crawl_id: str) -> None:
    path = crawl_dir(settings, site_id, crawl_id)
    current = info(path)
    if current.state != "stopped":
        raise Conflict(f"crawl {crawl_id} is {current.state}", field="crawl")
    with CrawlStore(path) as store:
        settings_used = store.get_meta("settings", {})
    max_pages = int(settings_used.get("max_pages", 500))
    allow = bool(settings_used.get("allow_private", False)) and settings.watch_allow_private
    _spawn(path, _command(path, current.start_url, max_pages, allow))


def _running_names(root: Path) -> list[str]:
    return [p.name for p in _RUNNING if p.parent == root]


def _spawn(path: Path, command: list[str]) -> None:
    log = (path / "crawl.log").open("ab")
    _RUNNING[path] = subprocess.Popen(  # our own command, no shell
        command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
    )
    log.close()


def last_log_line(path: Path) -> str:
    """The crawl's last message (an error, or its summary)."""
    try:
        lines = (path / "crawl.log").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return next((line for line in reversed(lines) if line.strip()), "")[:500]


def cached_audit(path: Path) -> dict[str, Any]:
    """What the SEO page shows of a crawl's audit (``pilotage.seo.saved``), with its top
    pages and terms; kept in ``overview.json`` once the crawl is over."""
    from pilotage.seo.keywords import site_terms
    from pilotage.seo.saved import saved_audit, stamp_of

    cache = path / "overview.json"
    with CrawlStore(path) as store:
        stamp = stamp_of(store)
        try:
            data: dict[str, Any] = json.loads(cache.read_text(encoding="utf-8"))
            if data.get("stamp") == stamp:
                return data
        except (OSError, ValueError):
            pass  # not made yet, or unreadable: made again
        audit = saved_audit(store, save=not is_running(path))
        data = audit.to_json()
        top = sorted(audit.pagerank.items(), key=lambda item: -item[1])[:20]
        data["top_pages"] = [[url, round(rank, 6)] for url, rank in top]
        data["keywords"] = [
            [t.term, t.documents, t.count] for t in site_terms(store, n=(1, 2), top=15)
        ]
        data["stamp"] = stamp
    if not is_running(path) and data.get("finished_at"):
        # A read-only data directory: the overview is made again next time.
        with contextlib.suppress(OSError):
            cache.write_text(json.dumps(data), encoding="utf-8")
    return data
