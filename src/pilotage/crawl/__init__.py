"""Pilotage's shared crawler (used by ``seo`` and ``watch``).

``urls`` (normalisation, filters), ``guard`` (SSRF) and ``transport`` (connections pinned
to checked addresses), ``robots`` (RFC 9309), ``sitemaps``, ``fetch`` (the polite
fetcher), ``store`` (the crawl file), ``parse`` (the workers' half) and ``engine``.
Nothing is imported here: reading a crawl file needs neither httpx nor protego.
"""
