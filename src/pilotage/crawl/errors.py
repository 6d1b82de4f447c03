"""Crawl-specific errors, placed in Pilotage's one tree (see ``pilotage.errors``).

Forbidden
 └── UrlRefused     the SSRF guard refused a URL (scheme, or address class)
PilotageError
 └── FetchError     a URL could not be fetched (DNS, connection, timeout, too large)
"""

from __future__ import annotations

from pilotage.errors import Forbidden, PilotageError


class UrlRefused(Forbidden):
    code = "url_refused"


class FetchError(PilotageError):
    code = "fetch_error"
    exit_status = 1
    http_status = 502
