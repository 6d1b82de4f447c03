"""A generated static site of N pages for the crawler's memory benchmark.

Pages sit at ``/s/<i // 1000>/<i>.html`` (page 0 is ``/index.html``) and form a
20-ary tree: page i links to its children 20i+1 .. 20i+20, to its parent and to the
home page, plus 5 random cross-links (a seeded generator, so every run builds the same
site). Each page is 10-20 KB of HTML: a unique title and meta description, an h1,
h2 sections of paragraphs drawn from a fixed vocabulary, a navigation and a footer,
much as a CMS renders an article. ``write_sitemaps`` adds ``/sitemap.xml`` (an index)
and sitemaps of at most 50,000 URLs each (the protocol's limit) once the server's base
URL is known.

Run: .venv/bin/python bench/gen_site.py DIR [--pages 100000]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

FANOUT = 20
CROSS_LINKS = 5
SITEMAP_LIMIT = 50_000
_WORDS = (
    "analytics audience bounce campaign canonical checkout click content conversion "
    "crawler dashboard domain engagement funnel growth headline index keyword landing "
    "link market metric mobile newsletter organic page partner performance pricing "
    "product ranking referral report retention revenue search segment session signup "
    "sitemap snippet social source strategy subscriber target traffic trend visitor "
    "website the a of and to in for with on by from that this is are was be our your "
    "their more most new best how why what when which team customer service support"
)
VOCABULARY = tuple(_WORDS.split())


def page_path(i: int) -> str:
    """Site-relative path of page ``i`` (no leading slash)."""
    return "index.html" if i == 0 else f"s/{i // 1000}/{i}.html"


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCABULARY, k=n))


def _links(i: int, pages: int, rng: random.Random) -> list[int]:
    children = range(FANOUT * i + 1, min(FANOUT * i + FANOUT + 1, pages))
    parent = [(i - 1) // FANOUT] if i else []
    cross = [rng.randrange(pages) for _ in range(CROSS_LINKS)]
    return [0, *parent, *children, *cross]


def render_page(i: int, pages: int, rng: random.Random) -> str:
    """The HTML of page ``i``; links are root-relative so any base URL works."""
    title = f"{_words(rng, 5).capitalize()} {i}"
    links = "\n".join(
        f'<li><a href="/{page_path(j)}">{_words(rng, 3).capitalize()} {j}</a></li>'
        for j in _links(i, pages, rng)
    )
    sections = []
    for _ in range(rng.randint(3, 6)):
        paragraphs = "\n".join(f"<p>{_words(rng, rng.randint(60, 120))}.</p>" for _ in range(4))
        sections.append(f"<h2>{_words(rng, 4).capitalize()}</h2>\n{paragraphs}")
    body = "\n".join(sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta name="description" content="{_words(rng, 22).capitalize()} {i}.">
<link rel="stylesheet" href="/style.css">
</head><body>
<header><nav><a href="/index.html">Home</a></nav></header>
<main><h1>{title}</h1>
<img src="/logo.png" alt="{_words(rng, 3)}">
{body}
<h2>Related pages</h2>
<ul>
{links}
</ul></main>
<footer><p>{_words(rng, 30)}.</p></footer>
</body></html>
"""


def generate(root: Path, pages: int, seed: int = 5) -> int:
    """Write ``pages`` pages under ``root``; return the bytes written."""
    rng = random.Random(seed)
    total = 0
    for i in range(pages):
        target = root / page_path(i)
        if i % 1000 in (0, 1):
            target.parent.mkdir(parents=True, exist_ok=True)
        html = render_page(i, pages, rng).encode()
        target.write_bytes(html)
        total += len(html)
    (root / "style.css").write_text("body { font-family: sans-serif; }\n")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return total


def write_sitemaps(root: Path, base_url: str, pages: int) -> None:
    """A sitemap index at /sitemap.xml and sitemaps of at most 50,000 URLs."""
    base = base_url.rstrip("/")
    names = []
    for n, start in enumerate(range(0, pages, SITEMAP_LIMIT), 1):
        urls = "".join(
            f"<url><loc>{base}/{page_path(i)}</loc></url>\n"
            for i in range(start, min(start + SITEMAP_LIMIT, pages))
        )
        names.append(f"sitemap-{n}.xml")
        (root / names[-1]).write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
        )
    entries = "".join(f"<sitemap><loc>{base}/{name}</loc></sitemap>\n" for name in names)
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</sitemapindex>\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--pages", type=int, default=100_000)
    args = parser.parse_args()
    size = generate(args.root, args.pages)
    print(f"{args.pages:,} pages, {size / 1e6:,.0f} MB in {args.root}")


if __name__ == "__main__":
    main()
