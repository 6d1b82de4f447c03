"""A crawl on disk: one SQLite file holding the frontier, the pages and the link graph.

Everything a crawl learns is written as it comes, so memory stays flat whatever the
site's size and an interrupted crawl resumes where it stopped: the frontier is a
table (URL primary key = de-duplication), each fetched page is saved with its links
in one transaction, and reopening the directory puts back in the queue the URLs that
were being fetched. The SEO audit, exports and crawl comparisons read the same file.

Tables (see ``SCHEMA``): ``meta`` (start URL, settings, times), ``frontier``,
``pages``, ``texts`` (zlib-compressed visible text), ``links``, ``sitemap_urls`` and
``robots`` (one row per origin).
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pilotage.errors import InvalidInput
from pilotage.seo.model import PageData
from pilotage.seo.terms import count_terms, pack_terms
from pilotage.seo.text import words

FILENAME = "crawl.sqlite"
_HEAD_FIELDS = (
    "title", "headings.h1", "meta_robots", "x_robots_tag", "base_href", "canonical",
    "canonical_header",
)  # fmt: skip
# One json_extract of several paths parses each page's JSON once; the paths are constants.
_PATHS = ", ".join(f"'$.{name}'" for name in _HEAD_FIELDS)
_COLUMNS = ", ".join(
    f"p.{name}" for name in (
        "url", "depth", "status", "final_url", "redirects", "content_type", "size", "ttfb_ms",
        "elapsed_ms", "fetched_at", "error", "robots_allowed", "in_sitemap",
    )
)  # fmt: skip
_HEADS_SQL = (
    "SELECT url, depth, status, final_url, redirects, robots_allowed, "  # noqa: S608
    f"json_extract(data, {_PATHS}) FROM pages WHERE data IS NOT NULL"
)
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS frontier (
    url TEXT PRIMARY KEY, depth INTEGER NOT NULL, source TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued', seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS frontier_queue ON frontier (state, depth, seq);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, depth INTEGER NOT NULL, status INTEGER NOT NULL,
    final_url TEXT NOT NULL, redirects TEXT NOT NULL, content_type TEXT NOT NULL,
    size INTEGER NOT NULL, ttfb_ms REAL NOT NULL, elapsed_ms REAL NOT NULL,
    fetched_at TEXT NOT NULL, error TEXT, robots_allowed INTEGER NOT NULL,
    in_sitemap INTEGER NOT NULL DEFAULT 0, data TEXT
);
CREATE TABLE IF NOT EXISTS texts (url TEXT PRIMARY KEY, text BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS terms (url TEXT PRIMARY KEY, counts BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    src TEXT NOT NULL, dst TEXT NOT NULL, text TEXT NOT NULL, rel TEXT NOT NULL,
    nofollow INTEGER NOT NULL, internal INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sitemap_urls (url TEXT PRIMARY KEY, sitemap TEXT NOT NULL, lastmod TEXT);
CREATE TABLE IF NOT EXISTS robots (
    origin TEXT PRIMARY KEY, url TEXT NOT NULL, status INTEGER, verdict TEXT NOT NULL,
    body TEXT NOT NULL
);
"""


@dataclass
class PageRow:
    """One fetched URL. ``status`` is 0 when no response came (``error`` says why)."""

    url: str
    depth: int
    status: int
    final_url: str
    redirects: list[tuple[str, int]] = field(default_factory=list)
    content_type: str = ""
    size: int = 0
    ttfb_ms: float = 0.0
    elapsed_ms: float = 0.0
    fetched_at: str = ""
    error: str | None = None
    robots_allowed: bool = True
    in_sitemap: bool = False
    data: PageData | None = None

    @property
    def is_html(self) -> bool:
        return self.data is not None


@dataclass(frozen=True)
class LinkRow:
    src: str
    dst: str
    text: str
    rel: str
    nofollow: bool
    internal: bool


@dataclass(frozen=True)
class RobotsRow:
    origin: str
    url: str
    status: int | None
    verdict: str
    body: str


class CrawlStore:
    """The crawl file of ``directory``; ``create`` makes the directory and the tables."""

    def __init__(self, directory: Path | str, *, create: bool = False) -> None:
        self.directory = Path(directory)
        self.path = self.directory / FILENAME
        if create:
            self.directory.mkdir(parents=True, exist_ok=True)
        elif not self.path.is_file():
            raise InvalidInput(
                f"{self.directory} holds no crawl ({FILENAME} is missing)", field="dir"
            )
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise InvalidInput(f"{self.path} is not a crawl file ({exc})", field="dir") from None
        self._seq = self.db.execute("SELECT coalesce(max(seq), 0) FROM frontier").fetchone()[0]

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> CrawlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta -----------------------------------------------------------------------------

    def set_meta(self, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    # -- frontier -------------------------------------------------------------------------

    def enqueue(self, entries: Iterable[tuple[str, int, str]]) -> int:
        """Add ``(url, depth, source)`` entries not seen before; a queued URL found again at a
        smaller depth takes it (a sitemap URL later linked from the home page). Returns how
        many rows were added or moved up."""
        rows = []
        for url, depth, source in entries:
            self._seq += 1
            rows.append((url, depth, source, self._seq))
        before = self.db.total_changes
        self.db.executemany(
            "INSERT INTO frontier (url, depth, source, seq) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (url) DO UPDATE SET depth = excluded.depth "
            "WHERE frontier.state = 'queued' AND excluded.depth < frontier.depth",
            rows,
        )
        return self.db.total_changes - before

    def take(self, limit: int) -> list[tuple[str, int]]:
        """The next queued URLs, breadth first, marked as being fetched."""
        rows = self.db.execute(
            "SELECT url, depth FROM frontier WHERE state = 'queued' ORDER BY depth, seq LIMIT ?",
            (limit,),
        ).fetchall()
        self.db.executemany(
            "UPDATE frontier SET state = 'fetching' WHERE url = ?", [(u,) for u, _ in rows]
        )
        return [(str(u), int(d)) for u, d in rows]

    def requeue_interrupted(self) -> int:
        """Put back URLs left 'fetching' by an interrupted run; returns how many."""
        return self.db.execute(
            "UPDATE frontier SET state = 'queued' WHERE state IN ('fetching', 'deferred')"
        ).rowcount

    def mark_done(self, url: str, state: str = "done") -> None:
        """Close a frontier entry without a page ('skipped' when a limit or filter said no)."""
        self.db.execute("UPDATE frontier SET state = ? WHERE url = ?", (state, url))

    def is_known(self, url: str) -> bool:
        row = self.db.execute("SELECT 1 FROM frontier WHERE url = ?", (url,)).fetchone()
        return row is not None

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, count(*) FROM frontier GROUP BY state").fetchall()
        return {str(state): int(n) for state, n in rows}

    # -- results --------------------------------------------------------------------------

    def save_page(self, page: PageRow, links: Iterable[LinkRow] = ()) -> None:
        """Write a page, its text and its links, and close its frontier entry, atomically."""
        data = None if page.data is None else page.data.to_json_bytes()
        text = counts = b""
        if page.data is not None and page.data.text:
            text = zlib.compress(page.data.text.encode(), 1)
            counts = pack_terms(count_terms(words(page.data.text)))
        rows = [(x.dst, x.text, x.rel, x.nofollow, x.internal) for x in links]
        self.write_page(page, data, text, rows, counts)

    def write_page(
        self,
        page: PageRow,
        data_json: bytes | None,
        text_blob: bytes,
        links: Iterable[tuple[str, str, str, bool, bool]],
        terms_blob: bytes = b"",
    ) -> None:
        """``save_page`` with the page's JSON, text, links and packed term counts
        (``pilotage.seo.terms``) already prepared: ``pilotage.crawl.parse`` does it in
        worker processes."""
        data = None if data_json is None else data_json.decode()
        known = self.db.execute("SELECT 1 FROM pages WHERE url = ?", (page.url,)).fetchone()
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO pages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    page.url, page.depth, page.status, page.final_url,
                    json.dumps(page.redirects), page.content_type, page.size, page.ttfb_ms,
                    page.elapsed_ms, page.fetched_at, page.error, int(page.robots_allowed),
                    int(page.in_sitemap), data,
                ),
            )  # fmt: skip
            if text_blob:
                self.db.execute("INSERT OR REPLACE INTO texts VALUES (?, ?)", (page.url, text_blob))
            if terms_blob:
                self.db.execute(
                    "INSERT OR REPLACE INTO terms VALUES (?, ?)", (page.url, terms_blob)
                )
            if known:  # saved again (a resumed crawl): links has no index on src
                self.db.execute("DELETE FROM links WHERE src = ?", (page.url,))
            self.db.executemany(
                "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?)",
                [(page.url, dst, text, rel, int(nf), int(i)) for dst, text, rel, nf, i in links],
            )
            self.db.execute("UPDATE frontier SET state = 'done' WHERE url = ?", (page.url,))

    def add_sitemap_urls(self, entries: Iterable[tuple[str, str, str | None]]) -> None:
        """``(url, sitemap, lastmod)`` rows; the first sitemap naming a URL is kept."""
        self.db.executemany("INSERT OR IGNORE INTO sitemap_urls VALUES (?, ?, ?)", entries)

    def save_robots(self, row: RobotsRow) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO robots VALUES (?, ?, ?, ?, ?)",
            (row.origin, row.url, row.status, row.verdict, row.body),
        )

    def index_links(self) -> None:
        """Index the link graph by target once the crawl is over (not while inserting)."""
        self.db.execute("CREATE INDEX IF NOT EXISTS links_dst ON links (dst)")

    def mark_sitemap_pages(self) -> None:
        self.db.execute(
            "UPDATE pages SET in_sitemap = 1 WHERE url IN (SELECT url FROM sitemap_urls)"
        )

    # -- reading --------------------------------------------------------------------------

    def pages(self, *, with_data: bool = True, links: bool = True) -> Iterator[PageRow]:
        """Every saved page in crawl order (breadth first).

        ``links=False``: without each page's ``data.links``, the larger part of its JSON
        (SQLite drops them before Python parses anything), unless the page was saved
        before the crawl listed its vague links (``PageData.vague_links``), which the
        link-text check then needs the links for.
        """
        data = "p.data" if links or not with_data else "json_remove(p.data, '$.links')"
        sql = (
            f"SELECT {_COLUMNS}, {data} FROM pages p "  # noqa: S608 (constants only)
            "LEFT JOIN frontier f USING (url) ORDER BY f.seq"
        )
        for row in self.db.execute(sql):
            page = _page_row(row, with_data)
            if page.data is not None and page.data.vague_links is None and not links:
                page = _page_row((*row[:13], self._data(page.url)), with_data)
            yield page

    def _data(self, url: str) -> str | None:
        row = self.db.execute("SELECT data FROM pages WHERE url = ?", (url,)).fetchone()
        return None if row is None else row[0]

    def page_heads(self) -> Iterator[PageRow]:
        """Every HTML page with only its titles, h1s, robots directives and canonicals in
        ``data``: what indexability and headlines need, without parsing the whole JSON of
        each page (SQLite extracts the fields)."""
        for url, depth, status, final_url, redirects, allowed, head in self.db.execute(_HEADS_SQL):
            fields = dict(zip(_HEAD_FIELDS, orjson.loads(head), strict=True))
            h1 = fields.pop("headings.h1") or []
            data = PageData(**{k: v for k, v in fields.items() if v is not None})
            data.headings = {"h1": h1}
            yield PageRow(
                url=url, depth=depth, status=status, final_url=final_url,
                redirects=[(str(u), int(s)) for u, s in json.loads(redirects)],
                robots_allowed=bool(allowed), data=data,
            )  # fmt: skip

    def page(self, url: str) -> PageRow | None:
        row = self.db.execute("SELECT * FROM pages WHERE url = ?", (url,)).fetchone()
        return None if row is None else _page_row(row, True)

    def page_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM pages").fetchone()[0])

    def internal_page_count(self) -> int:
        """Pages of the crawled site itself (meta "site"), external links checked left out."""
        netloc = str(self.get_meta("site", "")).partition("://")[2]
        if not netloc:
            return self.page_count()
        row = self.db.execute(
            "SELECT count(*) FROM pages WHERE url LIKE ? OR url LIKE ?",
            (f"http://{netloc}/%", f"https://{netloc}/%"),
        ).fetchone()
        return int(row[0])

    def links(self) -> Iterator[LinkRow]:
        for src, dst, text, rel, nofollow, internal in self.db.execute("SELECT * FROM links"):
            yield LinkRow(src, dst, text, rel, bool(nofollow), bool(internal))

    def text(self, url: str) -> str:
        row = self.db.execute("SELECT text FROM texts WHERE url = ?", (url,)).fetchone()
        return "" if row is None else zlib.decompress(row[0]).decode()

    def texts(self) -> Iterator[tuple[str, str]]:
        for url, blob in self.db.execute("SELECT url, text FROM texts ORDER BY url"):
            yield str(url), zlib.decompress(blob).decode()

    def term_rows(self) -> Iterator[tuple[str, bytes | None, str | None]]:
        """(url, packed term counts, text) of every page with text, in URL order; the text
        only when no counts were stored (a page saved by an older version)."""
        sql = (
            "SELECT t.url, k.counts, CASE WHEN k.counts IS NULL THEN t.text END "
            "FROM texts t LEFT JOIN terms k USING (url) ORDER BY t.url"
        )
        for url, counts, text in self.db.execute(sql):
            yield str(url), counts, None if text is None else zlib.decompress(text).decode()

    def sitemap_urls(self) -> Iterator[tuple[str, str, str | None]]:
        yield from self.db.execute("SELECT url, sitemap, lastmod FROM sitemap_urls ORDER BY url")

    def robots(self) -> list[RobotsRow]:
        rows = self.db.execute("SELECT * FROM robots ORDER BY origin").fetchall()
        return [RobotsRow(*row) for row in rows]

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _page_row(row: tuple[Any, ...], with_data: bool) -> PageRow:
    data = None
    if with_data and row[13] is not None:
        data = PageData.from_json(orjson.loads(row[13]))
    return PageRow(
        url=row[0], depth=row[1], status=row[2], final_url=row[3],
        redirects=[(str(u), int(s)) for u, s in json.loads(row[4])], content_type=row[5],
        size=row[6], ttfb_ms=row[7], elapsed_ms=row[8], fetched_at=row[9], error=row[10],
        robots_allowed=bool(row[11]), in_sitemap=bool(row[12]), data=data,
    )  # fmt: skip
