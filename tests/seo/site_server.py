"""Serve a directory on 127.0.0.1 from a background thread, with a few dynamic routes.

Test support, free of pytest: ``serve_site(root, routes)`` is a context manager that
starts a threaded ``http.server`` on a free port and yields a ``SiteServer`` whose
``url`` is ``http://127.0.0.1:PORT`` and whose ``requests`` logs every path asked
for (with its query), so a test can see what a crawler fetched.

Files are served from ``root`` (``/dir/`` serves ``dir/index.html``); in text files
(HTML, XML, plain text) the placeholders ``%ORIGIN%`` (this server's origin) and any
given in ``variables`` are replaced, because absolute URLs in a static site cannot
know the port chosen at run time. A ``Route`` of the routes table changes what one
path answers: status, extra headers, content type, a delay, a generated body, or a
dropped connection.

``serve_seo_site()`` starts the SEO test site of ``tests/data/seo_site`` with its
routes (``SEO_SITE_ROUTES``) and a second server reached as ``http://localhost:PORT``
that plays an external site (``%EXTERNAL%`` in the pages): hosts differ, so for the
crawler its links are external.
"""

from __future__ import annotations

import mimetypes
import random
import threading
import time
from base64 import b64encode
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

SITE_DIR = Path(__file__).resolve().parents[1] / "data" / "seo_site"

Query = dict[str, list[str]]
BodyMaker = Callable[[Query], bytes]
HTML = "text/html; charset=utf-8"
_TEXT_SUFFIXES = frozenset({".html", ".htm", ".xml", ".txt", ".svg"})


@dataclass(frozen=True)
class Route:
    """What one path answers instead of (or on top of) the file at that path.

    ``body`` None serves the file (404 when missing); ``content_type`` None guesses it
    from the file name; ``drop`` closes the connection without answering.
    """

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | BodyMaker | None = None
    content_type: str | None = None
    delay: float = 0.0
    drop: bool = False


@dataclass
class SiteServer:
    url: str  # origin, no trailing slash
    port: int
    requests: list[str] = field(default_factory=list)  # "METHOD /path?query", in order

    def paths(self, method: str = "GET") -> list[str]:
        return [line.split(" ", 1)[1] for line in self.requests if line.startswith(method + " ")]


def _content_type(path: Path) -> str:
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if guessed.startswith("text/") or path.suffix in {".html", ".htm"}:
        return f"{guessed}; charset=utf-8"
    return guessed


def _handler_class(
    root: Path | None,
    routes: Mapping[str, Route],
    variables: Mapping[str, str],
    log: list[str],
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "PilotageTestSite/1.0"

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def log_message(self, format: str, *args: object) -> None:
            return  # tests read ``requests`` instead of stderr noise

        def _answer(self, send_body: bool) -> None:
            log.append(f"{self.command} {self.path}")
            parts = urlsplit(self.path)
            route = routes.get(parts.path, _directory_redirect(root, parts.path))
            if route.delay:
                time.sleep(route.delay)
            if route.drop:
                self.close_connection = True
                return
            status, content_type, body = self._content(route, parts.path, parts.query)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def _content(self, route: Route, path: str, query: str) -> tuple[int, str, bytes]:
            if callable(route.body):
                return route.status, route.content_type or HTML, route.body(parse_qs(query))
            if route.body is not None:
                return route.status, route.content_type or HTML, route.body
            file = _resolve(root, path)
            if file is None:
                return 404, HTML, NOT_FOUND
            data = file.read_bytes()
            if file.suffix in _TEXT_SUFFIXES:
                for name, value in variables.items():
                    data = data.replace(name.encode(), value.encode())
            return route.status, route.content_type or _content_type(file), data

    return Handler


def _directory_redirect(root: Path | None, path: str) -> Route:
    # As real servers do, so that relative links in dir/index.html resolve under dir/.
    if root is not None and not path.endswith("/") and (root / path.lstrip("/")).is_dir():
        return Route(status=301, headers={"Location": path + "/"}, body=b"")
    return Route()


NOT_FOUND = b"<!DOCTYPE html><html lang=fr><title>Page introuvable</title><h1>404</h1></html>"


def _resolve(root: Path | None, path: str) -> Path | None:
    if root is None:
        return None
    candidate = (root / path.lstrip("/")).resolve()
    if candidate.is_dir():
        candidate = candidate / "index.html"
    if not candidate.is_file() or not candidate.is_relative_to(root.resolve()):
        return None
    return candidate


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops the SYNs of a concurrent crawler, whose retry a
    # second later would show up as a slow page.
    request_queue_size = 128
    daemon_threads = True


@contextmanager
def serve_site(
    root: Path | None,
    routes: Mapping[str, Route] | None = None,
    *,
    variables: Mapping[str, str] | None = None,
    url_host: str = "127.0.0.1",
) -> Iterator[SiteServer]:
    """Serve ``root`` (None: routes only) on 127.0.0.1; ``url_host`` names it in ``url``."""
    log: list[str] = []
    httpd = _Server(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = int(httpd.server_address[1])
    site = SiteServer(url=f"http://{url_host}:{port}", port=port, requests=log)
    names = {"%ORIGIN%": site.url, **(variables or {})}
    httpd.RequestHandlerClass = _handler_class(root, routes or {}, names, log)
    thread = threading.Thread(target=httpd.serve_forever, name=f"site-{port}", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


# --- the SEO test site's dynamic routes -------------------------------------------


def _page(title: str, body: str, lang: str = "fr") -> bytes:
    head = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n</head>\n"
    )
    return (head + f"<body>\n{body}\n</body>\n</html>\n").encode()


def calendar_page(query: Query) -> bytes:
    """/agenda?month=N links to month N+1 forever: an infinite URL space."""
    try:
        month = int(query.get("month", ["1"])[0])
    except ValueError:
        month = 1
    year, number = 2024 + (month - 1) // 12, (month - 1) % 12 + 1
    body = (
        f"<h1>Agenda des ateliers : {number:02d}/{year}</h1>\n"
        "<p>Aucun atelier n'est encore prévu ce mois-ci.</p>\n"
        f'<p><a href="/agenda?month={month + 1}">Mois suivant</a></p>'
    )
    return _page(f"Agenda des ateliers {number:02d}/{year} – Boutique Pilotage Test", body)


@cache
def _gallery() -> bytes:
    """A photo gallery whose images are inlined as data URIs: about 1.5 MB of HTML."""
    rng = random.Random(20240601)
    figures = []
    for index in range(1, 13):
        blob = b64encode(rng.randbytes(96_000)).decode()
        figures.append(
            f'<figure><img src="data:image/jpeg;base64,{blob}" alt="Atelier, photo {index}">'
            f"<figcaption>Notre atelier de Lyon, photo {index}</figcaption></figure>"
        )
    body = (
        "<h1>Galerie photos de nos ateliers</h1>\n"
        "<p>Découvrez en images le travail de nos artisans : ponçage, assemblage, "
        "finitions à l'huile et emballage de vos commandes.</p>\n" + "\n".join(figures)
    )
    return _page("Galerie photos de nos ateliers – Boutique Pilotage Test", body)


def heavy_gallery(query: Query) -> bytes:
    return _gallery()


_SERVER_ERROR = _page(
    "Erreur interne – Boutique Pilotage Test",
    "<h1>Erreur 500</h1><p>Le stock de ce produit n'a pas pu être lu.</p>",
)


def _redirect(status: int, location: str) -> Route:
    return Route(status=status, headers={"Location": location}, body=b"")


SEO_SITE_ROUTES: dict[str, Route] = {
    "/agenda": Route(body=calendar_page),
    "/galerie-photos.html": Route(body=heavy_gallery),
    "/produits/lampe-cuivre.html": Route(delay=1.2),
    "/produits/stock-indisponible.html": Route(status=500, body=_SERVER_ERROR),
    "/produits/commode-ancienne.html": Route(drop=True),
    "/promotions/soldes-2023.html": Route(headers={"X-Robots-Tag": "noindex"}),
    # Old page saved in Latin-1, served with no charset anywhere.
    "/ancien/a-propos.html": Route(content_type="text/html"),
    "/ancienne-collection.html": _redirect(301, "/boutique/"),
    "/offre-speciale": _redirect(301, "/offres/"),
    "/offres/": _redirect(302, "/boutique/"),
    "/compte": _redirect(302, "/connexion"),
    "/connexion": _redirect(302, "/compte"),
}

EXTERNAL_ROUTES: dict[str, Route] = {
    "/partenaire.html": Route(
        body=_page("Atelier partenaire", "<h1>Atelier partenaire</h1><p>Bienvenue.</p>")
    ),
}


@dataclass(frozen=True)
class SeoSite:
    site: SiteServer  # the site under audit, http://127.0.0.1:PORT
    external: SiteServer  # another host, http://localhost:PORT2


@contextmanager
def serve_seo_site() -> Iterator[SeoSite]:
    """The SEO test site and its external partner, both running until the block exits."""
    with (
        serve_site(None, EXTERNAL_ROUTES, url_host="localhost") as external,
        serve_site(SITE_DIR, SEO_SITE_ROUTES, variables={"%EXTERNAL%": external.url}) as site,
    ):
        yield SeoSite(site=site, external=external)
