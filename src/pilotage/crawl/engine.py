"""The crawl itself: a breadth-first walk of one site, written to disk as it goes.

Order of work: the start origin's robots.txt (RFC 9309, obeyed with the crawl's user
agent unless told otherwise), its sitemaps, then the frontier breadth first. Internal
HTML pages are parsed (``pilotage.seo.extract``) and their links followed; external
link targets are checked once (HEAD, then GET when HEAD is refused) and never
followed. Sitemap URLs wait behind every linked URL (their depth starts at
``SITEMAP_DEPTH``), so a page reached only from the sitemap reads as such.

Limits: pages (internal), depth, time, and infinite URL spaces: a path seen with more
than ``max_query_variants`` query strings (a calendar's ``?month=N+1`` links) stops
growing and is named in the crawl's ``traps``. Everything is saved through
``CrawlStore``, so a crawl stopped by Ctrl-C or a crash resumes where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pilotage import __version__
from pilotage.crawl.fetch import Fetcher, FetchResult
from pilotage.crawl.frontier import SITEMAP_DEPTH, LinkQueue
from pilotage.crawl.guard import Resolver, UrlGuard
from pilotage.crawl.parse import ParsedPage, fast_host, is_internal, parse_page
from pilotage.crawl.robots import RobotsCache
from pilotage.crawl.sitemaps import SitemapReader, candidate_sitemaps
from pilotage.crawl.store import CrawlStore, PageRow, RobotsRow
from pilotage.crawl.urls import UrlFilter, normalise_url, same_site
from pilotage.errors import InvalidInput

if TYPE_CHECKING:
    from pilotage.crawl.render import Renderer

DEFAULT_USER_AGENT = f"PilotageBot/{__version__} (+https://github.com/pilotage/pilotage)"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HEAD_REFUSED = frozenset({400, 403, 405, 501})
RENDER_MODES = ("never", "auto", "always")
RETIME_ABOVE_MS = 500.0  # pages slower than this are timed again alone after the crawl
RETIME_MAX = 200


@dataclass(frozen=True)
class CrawlSettings:
    """What to crawl and how politely; the defaults suit a site of a few thousand pages."""

    start_url: str
    max_pages: int = 10_000
    max_depth: int | None = None
    max_seconds: float | None = None
    concurrency: int = 16
    per_host: int = 8
    delay: float = 0.0
    obey_robots: bool = True
    allow_private: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    subdomains: bool = False
    check_external: bool = True
    sitemaps: bool = True
    follow_nofollow: bool = False
    max_query_variants: int = 100
    user_agent: str = DEFAULT_USER_AGENT
    max_bytes: int = 5_000_000
    timeout: float = 20.0
    render: str = "never"  # "never", "auto" (pages that look built by JavaScript), "always"

    def __post_init__(self) -> None:
        if self.max_pages < 1:
            raise InvalidInput(
                f"max pages must be at least 1, not {self.max_pages}", field="max_pages"
            )
        if self.max_depth is not None and self.max_depth < 0:
            raise InvalidInput(f"max depth cannot be {self.max_depth}", field="max_depth")
        if not 1 <= self.concurrency <= 256:
            raise InvalidInput(
                f"concurrency {self.concurrency} is not in 1..256", field="concurrency"
            )
        if self.delay < 0:
            raise InvalidInput(f"delay cannot be negative ({self.delay})", field="delay")
        UrlFilter(self.include, self.exclude)  # raises on a bad pattern
        if self.render not in RENDER_MODES:
            raise InvalidInput(
                f"render {self.render!r} is not one of {', '.join(RENDER_MODES)}", field="render"
            )


@dataclass
class CrawlProgress:
    pages: int = 0
    external: int = 0
    errors: int = 0
    queued: int = 0
    elapsed: float = 0.0


@dataclass
class CrawlSummary:
    start_url: str
    pages: int
    external: int
    errors: int
    elapsed_s: float
    stopped_by: str  # "done", "max-pages", "time"
    resumed: bool
    traps: list[str] = field(default_factory=list)
    sitemap_errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.elapsed_s if self.elapsed_s > 0 else 0.0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Crawler:
    """Runs one crawl into ``store``; ``executor`` parses pages elsewhere (a process pool
    gives the parsing its own cores)."""

    def __init__(
        self,
        settings: CrawlSettings,
        store: CrawlStore,
        *,
        resolver: Resolver | None = None,
        executor: Executor | None = None,
        on_progress: Callable[[CrawlProgress], None] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.start = normalise_url(settings.start_url)
        self._site_host = fast_host(self.start)
        self.guard = UrlGuard(allow_private=settings.allow_private, resolver=resolver)
        self.links = LinkQueue(settings, store, self.start)
        self.executor = executor
        self.on_progress = on_progress
        self.progress = CrawlProgress()
        self._internal_taken = 0
        self._full = False
        self._delays: set[str] = set()
        self._began = time.monotonic()
        self._reported = 0.0
        self._counted = float("-inf")
        self._renderer: Renderer | None = None

    # -- setup ----------------------------------------------------------------------------

    def _begin(self) -> bool:
        """Record the crawl's settings, or check them against the crawl being resumed."""
        known = self.store.get_meta("start_url")
        if known is None:
            self.store.set_meta("start_url", self.start)
            parts = urlsplit(self.start)
            self.store.set_meta("site", f"{parts.scheme}://{parts.netloc}")
            self.store.set_meta("settings", asdict(self.settings))
            self.store.set_meta("started_at", _now())
            self.store.set_meta("version", __version__)
            self.store.enqueue([(self.start, 0, "seed")])
            return False
        if known != self.start:
            raise InvalidInput(
                f"{self.store.directory} holds a crawl of {known}, not {self.start}", field="out"
            )
        if self.store.get_meta("finished_at") is not None:
            raise InvalidInput(
                f"{self.store.directory} holds a finished crawl; choose another directory",
                field="out",
            )
        self.store.requeue_interrupted()
        self._internal_taken = self.store.internal_page_count()
        self.links.resume()
        return True

    async def _read_sitemaps(self, fetcher: Fetcher, robots: RobotsCache) -> list[tuple[str, str]]:
        rules = await robots.rules_for(self.start)
        reader = SitemapReader(
            fetcher.client, self.settings.user_agent, self.guard, max_urls=self.settings.max_pages
        )
        result = await reader.read(candidate_sitemaps(self.start, rules))
        rows: list[tuple[str, str, str | None]] = []
        for entry in result.urls:
            try:
                rows.append((normalise_url(entry.loc), entry.sitemap, entry.lastmod))
            except InvalidInput:
                result.errors.append((entry.sitemap, f"invalid URL {entry.loc[:200]!r}"))
        self.store.add_sitemap_urls(rows)
        self.store.enqueue(
            (url, SITEMAP_DEPTH, "sitemap") for url, _, _ in rows if self.links.follows(url)
        )
        return result.errors

    # -- main loop ------------------------------------------------------------------------

    async def run(self) -> CrawlSummary:
        await self.guard.acheck(self.start)
        resumed = self._begin()
        began = self._began = time.monotonic()
        async with (
            Fetcher(
                guard=self.guard,
                user_agent=self.settings.user_agent,
                max_bytes=self.settings.max_bytes,
                timeout=self.settings.timeout,
                concurrency=self.settings.concurrency,
                per_host=self.settings.per_host,
                delay=self.settings.delay,
            ) as fetcher,
            contextlib.AsyncExitStack() as stack,
        ):
            if self.settings.render != "never":
                self._renderer = await stack.enter_async_context(self._new_renderer())
            robots = RobotsCache(fetcher.client, self.settings.user_agent, self.guard)
            sitemap_errors: list[tuple[str, str]] = []
            if self.settings.sitemaps and not resumed:
                sitemap_errors = await self._read_sitemaps(fetcher, robots)
                self.store.set_meta("sitemap_errors", sitemap_errors)
            stopped_by = await self._loop(fetcher, robots, began)
            if stopped_by != "time":
                await self._retime_slow(fetcher)
            for origin, rules in robots.fetched.items():
                row = RobotsRow(origin, rules.url, rules.status, rules.verdict, rules.body)
                self.store.save_robots(row)
        self._reported = self._counted = float("-inf")
        self._report()
        self.store.mark_sitemap_pages()
        self.store.index_links()
        self.store.set_meta("traps", self.links.traps)
        if stopped_by == "done" or stopped_by == "max-pages":
            self.store.set_meta("finished_at", _now())
        self.store.set_meta("stopped_by", stopped_by)
        return CrawlSummary(
            start_url=self.start,
            pages=self.progress.pages,
            external=self.progress.external,
            errors=self.progress.errors,
            elapsed_s=time.monotonic() - began,
            stopped_by=stopped_by,
            resumed=resumed,
            traps=self.links.traps,
            sitemap_errors=sitemap_errors,
        )

    async def _loop(self, fetcher: Fetcher, robots: RobotsCache, began: float) -> str:
        limit = self.settings.max_seconds
        in_flight: set[asyncio.Task[None]] = set()
        window = self.settings.concurrency * 2
        while True:
            if len(in_flight) < window:
                for url, depth in self.store.take(window - len(in_flight)):
                    task = asyncio.create_task(self._visit(fetcher, robots, url, depth))
                    in_flight.add(task)
            if not in_flight:
                return "max-pages" if self._full else "done"
            timeout = None if limit is None else max(0.0, began + limit - time.monotonic())
            done, in_flight = await asyncio.wait(
                in_flight, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                task.result()
            if limit is not None and time.monotonic() - began >= limit:
                for task in in_flight:
                    task.cancel()
                await asyncio.gather(*in_flight, return_exceptions=True)
                return "time"

    async def _retime_slow(self, fetcher: Fetcher) -> None:
        """Time again, one at a time, the pages that looked slow during the crawl.

        Under a busy crawl a response waits for the crawler's own event loop and for the
        CPU the parsers share, so a fast page can read slow. The best of the two
        measurements is kept: the second is made alone, as a visitor's browser would.
        """
        slow = self.store.db.execute(
            "SELECT url, ttfb_ms, elapsed_ms FROM pages WHERE elapsed_ms > ? AND status = 200 "
            "AND data IS NOT NULL ORDER BY elapsed_ms DESC LIMIT ?",
            (RETIME_ABOVE_MS, RETIME_MAX),
        ).fetchall()
        for url, ttfb, elapsed in slow:
            again = await fetcher.fetch(url)
            if again.error is None and again.status == 200:
                self.store.db.execute(
                    "UPDATE pages SET ttfb_ms = ?, elapsed_ms = ? WHERE url = ?",
                    (
                        round(min(ttfb, again.ttfb_ms), 1),
                        round(min(elapsed, again.elapsed_ms), 1),
                        url,
                    ),
                )

    def _report(self) -> None:
        if self.on_progress is None:
            return
        now = time.monotonic()
        if now - self._reported < 0.25:  # counting the queue scans the frontier: not per page
            return
        self._reported = now
        self.progress.elapsed = now - self._began
        if now - self._counted >= 2.0:  # a GROUP BY over the frontier: every 2 s at most
            self._counted = now
            self.progress.queued = self.store.counts().get("queued", 0)
        self.on_progress(self.progress)

    # -- one URL --------------------------------------------------------------------------

    async def _visit(self, fetcher: Fetcher, robots: RobotsCache, url: str, depth: int) -> None:
        internal = is_internal(url, self._site_host, self.settings.subdomains)
        if internal:
            if self._full:
                self.store.mark_done(url, "deferred")
                return
            self._internal_taken += 1
            self._full = self._internal_taken >= self.settings.max_pages
        elif self.progress.external >= self.settings.max_pages:
            self.store.mark_done(url, "skipped")
            return
        if internal and self.settings.obey_robots and not await robots.allowed(url):
            blocked = PageRow(url, depth, 0, url, error="robots.txt", robots_allowed=False)
            self._save(blocked, None)
            return
        if internal:
            await self._apply_crawl_delay(fetcher, robots, url)
            result = await fetcher.fetch(url)
        else:
            result = await fetcher.fetch(url, method="HEAD")
            if result.status in HEAD_REFUSED:
                result = await fetcher.fetch(url)
        await self._record(result, depth, internal)

    async def _apply_crawl_delay(self, fetcher: Fetcher, robots: RobotsCache, url: str) -> None:
        origin = url.split("/", 3)[:3]
        key = "/".join(origin)
        if key in self._delays or not self.settings.obey_robots:
            return
        self._delays.add(key)
        delay = await robots.crawl_delay(url)
        if delay:
            fetcher.set_host_delay(url, min(delay, 60.0))

    async def _record(self, result: FetchResult, depth: int, internal: bool) -> None:
        row = _base_row(result, depth)
        if not result.hops or result.error:
            parsed = await self._parse(result) if internal else None
            self._save(row, parsed, internal)
            return
        row.status = result.hops[0].status
        self._save(row, None, internal)
        final = result.final_url
        if final == result.url or self.store.is_known(final):
            return
        final_internal = same_site(final, self.start, subdomains=self.settings.subdomains)
        self.store.enqueue([(final, depth, "redirect")])
        final_row = _base_row(result, depth)
        final_row.url, final_row.redirects = final, []
        parsed = await self._parse(result) if final_internal else None
        self._save(final_row, parsed, final_internal, count=False)

    def _new_renderer(self) -> Renderer:
        from pilotage.crawl.render import Renderer

        return Renderer(
            guard=self.guard,
            user_agent=self.settings.user_agent,
            timeout=self.settings.timeout,
            max_bytes=self.settings.max_bytes,
        )

    async def _parse(self, result: FetchResult) -> ParsedPage | None:
        if not (200 <= result.status < 300) or not _is_html(result):
            return None
        mode = self.settings.render
        parsed = None if mode == "always" else await self._parse_body(result.body, result)
        if self._renderer is None or (parsed is not None and not parsed.looks_empty):
            return parsed
        from pilotage.crawl.render import Document

        document = Document(result.final_url, result.status, result.headers, result.body)
        rendered = await self._renderer.render(result.final_url, document)
        if rendered.error is not None or not rendered.html:
            return parsed or await self._parse_body(result.body, result)
        return await self._parse_body(rendered.html, result, charset="utf-8")

    async def _parse_body(
        self, body: bytes, result: FetchResult, charset: str | None = None
    ) -> ParsedPage:
        parse = functools.partial(
            parse_page, result.final_url, body, result.headers, charset or result.charset,
            self._site_host, self.settings.subdomains,
        )  # fmt: skip
        if self.executor is None:
            return parse()
        return await asyncio.get_running_loop().run_in_executor(self.executor, parse)

    def _save(
        self, row: PageRow, parsed: ParsedPage | None, internal: bool = True, *, count: bool = True
    ) -> None:
        if parsed is None:
            self.store.write_page(row, None, b"", [])
        else:
            self.store.write_page(
                row, parsed.data_json, parsed.text_blob, parsed.links, parsed.terms_blob
            )
            self.links.enqueue_links(row, parsed)
        if count:
            if internal:
                self.progress.pages += 1
            else:
                self.progress.external += 1
            failed = (row.status == 0 and row.robots_allowed) or row.status >= 400
            self.progress.errors += failed
        self._report()

    # -- links ----------------------------------------------------------------------------


def _base_row(result: FetchResult, depth: int) -> PageRow:
    error = result.error
    if error is not None and result.error_kind == "redirect-loop":
        error = error if error.startswith("redirect loop") else f"redirect loop: {error}"
    return PageRow(
        url=result.url,
        depth=depth,
        status=0 if error else result.status,
        final_url=result.final_url,
        redirects=[(hop.url, hop.status) for hop in result.hops],
        content_type=result.content_type,
        size=len(result.body),
        ttfb_ms=round(result.ttfb_ms, 1),
        elapsed_ms=round(result.elapsed_ms, 1),
        fetched_at=_now(),
        error=error,
    )


def _is_html(result: FetchResult) -> bool:
    if result.content_type in HTML_TYPES:
        return True
    return result.content_type == "" and result.body.lstrip()[:1] == b"<"
