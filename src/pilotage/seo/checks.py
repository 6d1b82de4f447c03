"""The SEO audit's page and site checks: the catalogue (``CHECKS``) and ``run_checks``.

Check ids follow Lighthouse 13's SEO audits where one exists (``is-crawlable``,
``document-title``, ``meta-description``, ``http-status-code``, ``link-text``,
``crawlable-anchors``, ``robots-txt``, ``image-alt``, ``hreflang``, ``canonical``) and
apply its rules (``checks_page``, ``checks_site``); the others are the usual crawler
checks (titles, descriptions, headings, links, redirects, sitemaps, speed, weight).

``run_checks`` streams the crawl once: page checks run on every internal HTML page
that answered 200 without redirect; the rows themselves give the status, redirect,
fetch-error and sitemap checks; the only state kept across pages is what the
duplicate and canonical-target checks need (value -> URLs of indexable pages, pages
canonicalised elsewhere). Link checks are SQL joins over the crawl file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pilotage.crawl.store import CrawlStore, PageRow
from pilotage.seo import checks_page, checks_site
from pilotage.seo.model import Category, Check, Issue, Severity

__all__ = ["CHECKS", "Thresholds", "run_checks"]


def _(message: str) -> str:
    """Marks an English msgid for ``pybabel extract``; translated at render time."""
    return message


@dataclass(frozen=True)
class Thresholds:
    """Limits of the length, content and speed checks.

    - ``title_max`` 60 / ``title_min`` 30 characters and ``description_max`` 155 /
      ``description_min`` 70 characters: Screaming Frog SEO Spider's default
      preferences ("Over 60 Characters", "Below 30 Characters" for page titles, "Over 155
      Characters", "Below 70 Characters" for meta descriptions). Google states no length
      (Search Central, "Influencing your title links"): they are where snippets get cut.
    - ``thin_words`` 200: Screaming Frog's default "Low Content Pages" word count.
    - ``slow_ms`` 1000: our choice, one second to download the whole HTML document
      (Lighthouse's ``server-response-time`` fails a time to first byte over 600 ms).
    - ``heavy_bytes`` 1,000,000: our choice, an HTML document of more than 1 MB
      (Google's crawler reads the first 15 MB of a page; a page far below that still
      costs users and crawl budget).
    """

    title_max: int = 60
    title_min: int = 30
    description_max: int = 155
    description_min: int = 70
    thin_words: int = 200
    slow_ms: float = 1000.0
    heavy_bytes: int = 1_000_000


def _check(
    id: str,
    severity: Severity,
    category: Category,
    texts: tuple[str, str, str],
    lighthouse: bool = False,
) -> Check:
    title, explanation, fix = texts
    return Check(id, severity, category, title, explanation, fix, id if lighthouse else None)


CHECKS: tuple[Check, ...] = (
    _check("is-crawlable", "error", "indexability", (
        _("Page is blocked from indexing"),
        _("A noindex directive (meta robots or X-Robots-Tag), a past unavailable_after date "
          "or a robots.txt rule keeps every search engine from indexing this page, so it "
          "cannot appear in search results."),
        _("Remove the noindex or none directive and the robots.txt Disallow rule if the "
          "page should be found in search engines; keep them only on pages meant to stay "
          "out of results."),
    ), lighthouse=True),
    _check("document-title", "error", "content", (
        _("Page has no title"),
        _("The <title> element is missing or empty. Search engines use it as the main "
          "headline of the result and users see it in tabs and bookmarks."),
        _("Give every page a unique <title> that says what the page is about."),
    ), lighthouse=True),
    _check("meta-description", "warning", "content", (
        _("Page has no meta description"),
        _("The meta description is missing or empty. Search engines often show it as the "
          "snippet under the title; without it they pick text from the page."),
        _("Add a <meta name=\"description\"> that summarises the page in one or two "
          "sentences."),
    ), lighthouse=True),
    _check("http-status-code", "error", "indexability", (
        _("Page answers with an HTTP error"),
        _("The URL returned a 4xx or 5xx status code. Search engines do not index pages "
          "that answer with an error and drop them from results."),
        _("Restore the page, redirect its URL (301) to the closest equivalent, or remove "
          "the links that point to it."),
    ), lighthouse=True),
    _check("link-text", "notice", "links", (
        _("Link text is not descriptive"),
        _("Links such as \"click here\", \"read more\" or a bare URL say nothing of their "
          "target. Search engines and screen-reader users rely on the link text to "
          "understand where it leads."),
        _("Write link texts that name the target, e.g. \"pricing of the Pro plan\" rather "
          "than \"click here\"."),
    ), lighthouse=True),
    _check("crawlable-anchors", "warning", "links", (
        _("Link is not crawlable"),
        _("An <a> element has no usable href (empty, javascript:void(0), file: or "
          "unparsable) and only works with JavaScript. Search engines only follow links "
          "with a real href, so the pages behind it may never be found."),
        _("Give the link an href with the target URL, or use a <button> when it triggers "
          "an action rather than a navigation."),
    ), lighthouse=True),
    _check("robots-txt", "error", "indexability", (
        _("robots.txt is not valid"),
        _("The robots.txt file could not be fetched (server error) or has lines that "
          "crawlers do not understand, so they may not crawl or index the site as you "
          "intend."),
        _("Serve robots.txt with status 200 and fix each reported line: known directives "
          "only, rules after a User-agent line, paths starting with / or *, absolute "
          "Sitemap URLs."),
    ), lighthouse=True),
    _check("image-alt", "warning", "content", (
        _("Image has no alt attribute"),
        _("An <img> has no alt attribute. Search engines use the alternative text to "
          "understand images (and image search), and screen readers read it aloud."),
        _("Add an alt text that describes the image, or alt=\"\" for a purely decorative "
          "image."),
    ), lighthouse=True),
    _check("hreflang", "error", "international", (
        _("hreflang link is not valid"),
        _("An hreflang alternate has an unknown language code or a relative href. Search "
          "engines then ignore it and may show the wrong language version of the page."),
        _("Use a valid language code (e.g. fr, en-GB, or x-default) and an absolute URL "
          "starting with https:// in every hreflang link."),
    ), lighthouse=True),
    _check("canonical", "error", "indexability", (
        _("Canonical link is not valid"),
        _("The rel=canonical link is invalid, relative, conflicts with another canonical, "
          "points to another language version or to the home page. Search engines may "
          "ignore it or index the wrong URL."),
        _("Declare one absolute canonical URL per page, pointing to the page itself or to "
          "its true equivalent."),
    ), lighthouse=True),
    _check("canonical-not-crawlable", "error", "indexability", (
        _("Canonical URL is not a crawlable URL of the site"),
        _("The canonical URL is not http(s) (e.g. file://) or is on another site. Search "
          "engines cannot fetch such a URL, or will index the other site instead."),
        _("Point the canonical link to the http(s) URL of this page on this site."),
    )),
    _check("canonical-target-error", "error", "indexability", (
        _("Canonical URL points to a page that cannot be indexed"),
        _("The canonical URL answers with an error, redirects, or is marked noindex. "
          "Search engines then ignore the canonical or drop both pages."),
        _("Point the canonical link to the final, indexable URL that answers 200."),
    )),
    _check("title-duplicate", "warning", "duplicates", (
        _("Title is used by several pages"),
        _("Several indexable pages share the same title, so search engines and users "
          "cannot tell them apart in results, and the pages compete with each other."),
        _("Write a distinct title for each page."),
    )),
    _check("title-too-long", "notice", "content", (
        _("Title is too long"),
        _("Search engines cut long titles in results, so the end of the title is lost."),
        _("Shorten the title and put the important words first."),
    )),
    _check("title-too-short", "notice", "content", (
        _("Title is too short"),
        _("A very short title leaves out words that would describe the page and match "
          "searches."),
        _("Make the title more descriptive."),
    )),
    _check("title-multiple", "warning", "content", (
        _("Page has several titles"),
        _("The page has more than one <title> element; browsers and search engines use "
          "only the first, the others are mistakes."),
        _("Keep a single <title> element in the <head>."),
    )),
    _check("description-duplicate", "warning", "duplicates", (
        _("Meta description is used by several pages"),
        _("Several indexable pages share the same meta description, so their snippets in "
          "results look alike and say little about each page."),
        _("Write a distinct meta description for each page."),
    )),
    _check("description-too-long", "notice", "content", (
        _("Meta description is too long"),
        _("Search engines cut long descriptions in the snippet."),
        _("Shorten the meta description and put the key message first."),
    )),
    _check("description-too-short", "notice", "content", (
        _("Meta description is too short"),
        _("A very short description gives users little reason to choose the result, and "
          "search engines may replace it with text from the page."),
        _("Expand the meta description into one or two informative sentences."),
    )),
    _check("description-multiple", "warning", "content", (
        _("Page has several meta descriptions"),
        _("The page has more than one meta description; search engines may pick either."),
        _("Keep a single <meta name=\"description\">."),
    )),
    _check("h1-missing", "warning", "content", (
        _("Page has no h1 heading"),
        _("The page has no <h1>, or an empty one. The main heading tells users and search "
          "engines what the page is about."),
        _("Add one <h1> that states the topic of the page."),
    )),
    _check("h1-multiple", "notice", "content", (
        _("Page has several h1 headings"),
        _("Several <h1> headings blur the main topic of the page."),
        _("Keep one <h1> and use <h2>-<h6> for sections."),
    )),
    _check("lang-missing", "warning", "international", (
        _("Page does not declare its language"),
        _("The <html> element has no lang attribute. Search engines, browsers (translation) "
          "and screen readers use it to know the language of the page."),
        _("Add the language to the html element, e.g. <html lang=\"fr\">."),
    )),
    _check("viewport-missing", "warning", "content", (
        _("Page has no viewport meta tag"),
        _("Without <meta name=\"viewport\">, mobile browsers show the page zoomed out as on "
          "a desktop screen. Google indexes the mobile version of pages first."),
        _("Add <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">."),
    )),
    _check("broken-link-internal", "error", "links", (
        _("Internal link to a broken page"),
        _("The page links to a URL of the site that answers with an error or cannot be "
          "fetched. Users hit a dead end and crawlers waste their visits."),
        _("Fix the link's URL or restore the target page (or redirect it)."),
    )),
    _check("broken-link-external", "warning", "links", (
        _("External link to a broken page"),
        _("The page links to another site's URL that answers with an error or cannot be "
          "fetched, which frustrates users and looks neglected."),
        _("Update the link to a working URL or remove it."),
    )),
    _check("link-to-redirect", "notice", "redirects", (
        _("Internal link to a redirect"),
        _("The page links to a URL of the site that redirects. Each redirect slows users "
          "down and costs crawlers an extra request."),
        _("Link directly to the final URL."),
    )),
    _check("redirect-chain", "warning", "redirects", (
        _("Redirect chain"),
        _("The URL goes through two or more redirects before reaching its final page. "
          "Chains slow users down and crawlers may stop following them."),
        _("Redirect the URL in a single hop to its final destination."),
    )),
    _check("redirect-loop", "error", "redirects", (
        _("Redirect loop"),
        _("The URL redirects back to itself through one or more hops, so the page can "
          "never be reached by users or crawlers."),
        _("Fix the redirect rules so the URL ends on a page that answers 200."),
    )),
    _check("sitemap-non-indexable", "warning", "indexability", (
        _("Sitemap lists a URL that cannot be indexed"),
        _("The sitemap lists a URL that answers with an error, redirects, is blocked by "
          "robots.txt, is marked noindex or declares another canonical URL. Sitemaps "
          "should only list the URLs you want indexed."),
        _("List only final, indexable, canonical URLs in the sitemap."),
    )),
    _check("thin-content", "warning", "content", (
        _("Page has little content"),
        _("The page has few words of visible text. Search engines tend to rank thin pages "
          "poorly, as they rarely answer a search well."),
        _("Add useful content, merge the page with a related one, or mark it noindex."),
    )),
    _check("mixed-content", "warning", "security", (
        _("HTTPS page loads HTTP resources"),
        _("An https page loads a resource over plain http. Browsers block or flag such "
          "mixed content, which can break the page and its security indicator."),
        _("Load every resource over https."),
    )),
    _check("slow-page", "warning", "performance", (
        _("Page is slow to download"),
        _("The HTML took long to download. Slow pages lose visitors, and search engines "
          "crawl slow sites less."),
        _("Speed up the server (caching, database queries, a CDN) and lighten the HTML."),
    )),
    _check("heavy-page", "warning", "performance", (
        _("Page is heavy"),
        _("The HTML document is very large, which slows its download and rendering, "
          "especially on mobile networks."),
        _("Reduce the HTML: remove inline data and scripts, paginate long lists."),
    )),
    _check("structured-data-invalid", "warning", "structured-data", (
        _("Structured data is not valid"),
        _("JSON-LD, microdata or RDFa on the page could not be parsed. Search engines "
          "ignore invalid structured data, so the page loses rich results."),
        _("Fix the syntax of the structured data and check it with a structured-data "
          "validator."),
    )),
    _check("fetch-error", "error", "indexability", (
        _("URL could not be fetched"),
        _("No response came for this URL (timeout, connection or TLS error, response too "
          "large). Search engines meet the same failure and cannot index the page."),
        _("Check that the server answers this URL reliably and quickly."),
    )),
)  # fmt: skip


def run_checks(
    store: CrawlStore,
    *,
    thresholds: Thresholds = Thresholds(),
    rows: Iterable[PageRow] | None = None,
) -> Iterator[Issue]:
    """Every issue of this module's checks in one pass over the crawl, then the site checks.

    ``rows``: the crawl's pages (``store.pages()``) as the caller reads them, so that an
    audit parses each page once for all its checks; every row is consumed.
    """
    site = checks_site.Site.of(store)
    collector = checks_site.Collector()
    for row in store.pages(links=False) if rows is None else rows:
        if not site.internal(row.url):
            continue
        yield from checks_site.row_issues(row, site)
        data = row.data
        if data is None or row.status != 200 or row.redirects:
            continue
        found = checks_page.canonicals(row.url, data)
        yield from checks_page.page_issues(row, data, site.root, site.robots, thresholds, found)
        collector.add(row.url, data, found)
    yield from collector.issues(store)
    yield from checks_site.link_issues(store)
    yield from checks_site.robots_txt_issues(store, site)
