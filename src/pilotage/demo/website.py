"""The demo shop's website, for the SEO page of ``pilotage demo``.

The same shop as the demo's traffic (``pilotage.demo.site``): a home page, a page per
REES46 category and per product (their real brands and prices), the blog posts and the
information pages, at the paths the simulated visitors read. ``pilotage demo`` serves
these pages on 127.0.0.1 for a moment, crawls and audits them like any site, and keeps
the crawl as the shop's, so the SEO page has an audit to show.

The shop has the faults real shops have, each from a rule written here, none random:
products of one brand and kind share a title; products seldom viewed (one event in the
sample) have no meta description; clothing photos have no alt text; the home page links
to a promotion that redirects and its blog teasers say "Lire la suite"; a category links
to a product no longer sold (404); blog posts are short; the size guide is in the
sitemap but linked from nowhere.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pilotage.demo.catalogue import Catalogue, Product, category_path, load_catalogue
from pilotage.demo.reference import BLOG_POSTS, INFO_PAGES

SHOP_NAME = "Boutique Exemple"
PROMOTION = "/promo"  # redirects to the smartphones
GONE = "/p/ancien-modele-1000000"  # linked from a category, answers 404
ORPHAN = "/guide-des-tailles"  # in the sitemap, linked from nowhere
REASSURANCE = (
    "Livraison offerte dès 50 € d'achat, expédition sous 24 heures ouvrées depuis notre "
    "entrepôt de Lyon. Retours gratuits pendant 30 jours : renvoyez l'article dans son "
    "emballage d'origine avec le bon de retour imprimé depuis votre compte client. Paiement "
    "sécurisé par carte bancaire, virement ou en trois fois sans frais à partir de 150 €. "
    "Notre service client répond du lundi au samedi, de 9 h à 19 h, par téléphone ou par "
    "messagerie, et chaque produit bénéficie de la garantie légale de conformité de deux "
    "ans, à laquelle s'ajoute la garantie commerciale du fabricant lorsqu'elle existe."
)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None


def _kind(category: str) -> str:
    return category.rsplit(".", 1)[-1].replace("_", " ")


def _name(category: str) -> str:
    return " › ".join(part.replace("_", " ").capitalize() for part in category.split("."))


def _page(title: str, body: str, *, description: str | None, canonical: str = "") -> bytes:
    meta = f'<meta name="description" content="{escape(description)}">' if description else ""
    link = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{meta}{link}</head><body>"
        f'<header><a href="/">{SHOP_NAME}</a> · <a href="/livraison-et-retours">Livraison et '
        'retours</a> · <a href="/a-propos">À propos</a> · <a href="/contact">Contact</a>'
        f"</header><main>{body}</main></body></html>"
    ).encode()


def _product(p: Product, origin: str) -> bytes:
    brand, kind = p.brand.capitalize() or "Sans marque", _kind(p.category)
    alt = "" if p.category.startswith("apparel") else f' alt="{escape(f"{brand} {kind}")}"'
    body = (
        f"<h1>{escape(brand)} {escape(kind)}</h1>"
        f'<img src="/img/{p.product_id}.jpg" width="600" height="600"{alt}>'
        f"<p>Prix : {p.price:.2f} €. Référence {p.product_id}.</p>"
        f"<p>Ce {escape(kind)} de la marque {escape(brand)} fait partie de notre sélection "
        f"{escape(_name(p.category))}. Il a été choisi pour sa qualité de fabrication, sa "
        "fiabilité et le rapport entre ce qu'il offre et son prix, après comparaison avec "
        "les autres modèles de la gamme et les avis de nos clients.</p>"
        f"<h2>Livraison, retours et garanties</h2><p>{REASSURANCE}</p>"
        f'<p><a href="{category_path(p.category)}">Voir tous les produits de la catégorie '
        f"{escape(_name(p.category))}</a></p>"
    )
    description = None
    if p.weight > 1:  # the long tail of the catalogue has none
        description = (
            f"{brand} {kind} à {p.price:.2f} € : livraison offerte dès 50 €, retours gratuits "
            "pendant 30 jours, paiement en trois fois."
        )
    title = f"{brand} {kind} | {SHOP_NAME}"
    return _page(title, body, description=description, canonical=origin + p.path)


def _category(category: str, products: tuple[Product, ...], first: bool) -> bytes:
    items = "".join(
        f'<li><a href="{p.path}">{escape(p.brand.capitalize() or "Sans marque")} '
        f"{escape(_kind(p.category))}, {p.price:.2f} €</a></li>"
        for p in products
    )
    if first:
        items += f'<li><a href="{GONE}">Ancien modèle (épuisé)</a></li>'
    body = (
        f"<h1>{escape(_name(category))}</h1><p>{len(products)} produits de la catégorie "
        f"{escape(_name(category))}, sélectionnés par notre équipe et livrés en 48 heures.</p>"
        f"<ul>{items}</ul>"
    )
    description = f"{_name(category)} : {len(products)} produits livrés en 48 heures."
    return _page(f"{_name(category)} | {SHOP_NAME}", body, description=description)


def _home(catalogue: Catalogue) -> bytes:
    categories = "".join(
        f'<li><a href="{category_path(c)}">{escape(_name(c))}</a></li>'
        for c in catalogue.categories
    )
    teasers = "".join(
        f"<li>{escape(slug.replace('-', ' ').capitalize())} "
        f'<a href="/blog/{slug}">Lire la suite</a></li>'
        for slug in BLOG_POSTS
    )
    body = (
        f'<h1>{SHOP_NAME}</h1><p><a href="{PROMOTION}">Promotion sur les smartphones'
        f"</a></p><h2>Nos rayons</h2><ul>{categories}</ul><h2>Le blog</h2><ul>{teasers}</ul>"
    )
    description = "High-tech, électroménager et mode : livraison offerte dès 50 €."
    return _page(f"{SHOP_NAME} : high-tech, électroménager et mode", body, description=description)


def _blog(slug: str, category: str) -> bytes:
    title = slug.replace("-", " ").capitalize()
    body = (
        f"<h1>{escape(title)}</h1><p>Nos conseils pour choisir dans le rayon "
        f"{escape(_name(category))} : comparez les modèles, lisez les avis et vérifiez la "
        "garantie.</p>"
        f'<p><a href="{category_path(category)}">Voir le rayon {escape(_name(category))}</a></p>'
    )
    return _page(f"{title} | Le blog | {SHOP_NAME}", body, description=f"{title} : nos conseils.")


def _info(path: str) -> bytes:
    title = path.strip("/").replace("-", " ").capitalize()
    body = f"<h1>{escape(title)}</h1><p>{REASSURANCE}</p>"
    return _page(f"{title} | {SHOP_NAME}", body, description=f"{title} : {SHOP_NAME}.")


def website(origin: str, catalogue: Catalogue | None = None) -> dict[str, Answer]:
    """Every path of the shop's site and its answer; ``origin`` is where it is served."""
    catalogue = catalogue or load_catalogue()
    pages: dict[str, Answer] = {"/": Answer(200, _home(catalogue))}
    for i, (category, products) in enumerate(catalogue.by_category.items()):
        pages[category_path(category)] = Answer(200, _category(category, products, i == 0))
    for p in catalogue.products:
        pages[p.path] = Answer(200, _product(p, origin))
    for slug, category in BLOG_POSTS.items():
        pages[f"/blog/{slug}"] = Answer(200, _blog(slug, category))
    for path in INFO_PAGES:
        pages[path] = Answer(200, _info(path))
    smartphones = category_path("electronics.smartphone")
    pages[PROMOTION] = Answer(301, location=origin + smartphones)
    listed = [path for path, answer in pages.items() if answer.status == 200]
    urls = "".join(f"<url><loc>{escape(origin + path)}</loc></url>" for path in listed)
    pages["/sitemap.xml"] = Answer(
        200,
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode(),
        "application/xml",
    )
    pages["/robots.txt"] = Answer(
        200, f"User-agent: *\nDisallow: /search\nSitemap: {origin}/sitemap.xml\n".encode(),
        "text/plain",
    )  # fmt: skip
    return pages


@contextmanager
def serving() -> Iterator[str]:
    """The site on 127.0.0.1 from a background thread while the block runs; its origin."""
    answers: dict[str, Answer] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            answer = self._answer()
            self.wfile.write(answer.body)

        def do_HEAD(self) -> None:
            self._answer()

        def _answer(self) -> Answer:
            answer = answers.get(self.path.split("?", 1)[0], Answer(404, b"Not found"))
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            if answer.location:
                self.send_header("Location", answer.location)
            self.end_headers()
            return answer

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    answers.update(website(origin))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()
