"""Which discovered URLs join a crawl's frontier, and the links of a saved page queued.

A URL is followed when it passes the include/exclude filters and the depth limit and is
not one more query string of a path already seen with more than ``max_query_variants``
of them (a calendar's ``?month=N+1`` links): that path is then a URL trap, named in the
crawl's summary. Sitemap URLs enter at ``SITEMAP_DEPTH`` and move up when a link reaches
them. The frontier itself is the crawl file's table (``CrawlStore.enqueue``).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pilotage.crawl.parse import ParsedPage
from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.crawl.urls import UrlFilter, normalise_url, same_site
from pilotage.errors import InvalidInput

if TYPE_CHECKING:
    from pilotage.crawl.engine import CrawlSettings

SITEMAP_DEPTH = 1000  # the depth of a URL known only from a sitemap
MAX_URL_LENGTH = 2048
# Most links of a page lead where other pages led (menus, footers): a bounded memory of
# the URLs enqueued lately spares a frontier upsert per link. Cleared when full.
KNOWN_CACHE = 20_000


class LinkQueue:
    """The crawl's rules for following URLs, with its trap counts."""

    def __init__(self, settings: CrawlSettings, store: CrawlStore, start: str) -> None:
        self.settings = settings
        self.store = store
        self.start = start
        self.filter = UrlFilter(settings.include, settings.exclude)
        self._variants: Counter[str] = Counter()
        self._known: dict[str, int] = {}  # URLs recently enqueued -> their depth (a cache)
        self._traps: set[str] = set()

    @property
    def traps(self) -> list[str]:
        return sorted(self._traps)

    def resume(self) -> None:
        """Take back the traps and the query-string counts of the crawl being resumed."""
        self._traps = set(self.store.get_meta("traps", []))
        for (url,) in self.store.db.execute("SELECT url FROM frontier WHERE url LIKE '%?%'"):
            parts = urlsplit(url)
            self._variants[f"{parts.netloc}{parts.path}"] += 1

    def enqueue_links(self, row: PageRow, parsed: ParsedPage) -> None:
        """Queue the links of a saved page that the crawl follows, and its canonical."""
        if not parsed.follow:
            return
        depth = row.depth + 1
        queue: list[tuple[str, int, str]] = []
        seen: set[str] = set()
        known = self._known
        for dst, _text, _rel, nofollow, internal in parsed.links:
            if dst in seen or (nofollow and not self.settings.follow_nofollow):
                continue
            seen.add(dst)
            if (at := known.get(dst)) is not None and at <= depth:
                continue  # in the frontier already, as close: the upsert would change nothing
            if internal and self.follows(dst, depth):
                queue.append((dst, depth, "link"))
            elif not internal and self.settings.check_external:
                queue.append((dst, depth, "external"))
        if parsed.canonical:
            canonical = _resolve(parsed.canonical, row.url)
            if canonical and same_site(canonical, self.start) and self.follows(canonical):
                queue.append((canonical, depth, "canonical"))
        self.store.enqueue(queue)
        if len(known) > KNOWN_CACHE:
            known.clear()
        for url, at, _source in queue:
            if url not in known or at < known[url]:
                known[url] = at

    def follows(self, url: str, depth: int = 0) -> bool:
        """Whether a discovered internal URL joins the frontier (filters, depth, traps)."""
        if len(url) > MAX_URL_LENGTH or not self.filter.allows(url):
            return False
        limit = self.settings.max_depth
        if limit is not None and limit < depth < SITEMAP_DEPTH:
            return False
        parts = urlsplit(url)
        if not parts.query or self.store.is_known(url):
            return True
        path = f"{parts.netloc}{parts.path}"
        self._variants[path] += 1
        if self._variants[path] > self.settings.max_query_variants:
            self._traps.add(f"{parts.scheme}://{path}")
            return False
        return True


def _resolve(href: str, base: str) -> str:
    try:
        url = normalise_url(href, base)
    except InvalidInput:
        return ""
    return url if url.startswith(("http://", "https://")) else ""
