"""The other ways a change is announced: a signed webhook, and apprise's channels
(Slack, Teams, Telegram, ntfy, Matrix and about a hundred more).

Both post to addresses users give, so both pass the SSRF guard (``UrlGuard``) first, and
both keep secrets out of errors and logs as ``pilotage.watch.notify`` does for e-mail.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import warnings
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime
from urllib.parse import urlsplit

import apprise
import httpx

from pilotage.crawl.errors import FetchError, UrlRefused
from pilotage.crawl.guard import UrlGuard
from pilotage.errors import InvalidInput
from pilotage.watch.notify import (
    WEBHOOK_MAX_LINES,
    WEBHOOK_VERSION,
    ChangeNotice,
    Locale,
    NotifyError,
    Translate,
    capped,
    identity,
    masked,
    one_line,
    redact,
    render_text,
    subject,
    url_secrets,
)

with warnings.catch_warnings():
    # apprise's e-mail plugin imports imghdr, deprecated since 3.11 (PEP 594, gone in 3.13
    # where apprise shims it): import it once, quietly, so loading plugins does not warn.
    warnings.simplefilter("ignore", DeprecationWarning)
    with suppress(ImportError):
        import imghdr  # noqa: F401


# --- webhook -------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def webhook_body(notice: ChangeNotice) -> bytes:
    """The JSON document a webhook receives (see ``post_webhook`` for its schema)."""
    added, added_more = capped(notice.added, WEBHOOK_MAX_LINES)
    removed, removed_more = capped(notice.removed, WEBHOOK_MAX_LINES)
    document = {
        "event": "watch.change",
        "version": WEBHOOK_VERSION,
        "monitor": {"id": notice.monitor_id, "name": notice.monitor_name, "url": notice.url},
        "kind": notice.kind,
        "detected_at": _iso(notice.detected_at),
        "summary": notice.summary,
        "significance": notice.significance,
        "added": added,
        "removed": removed,
        "added_omitted": added_more,
        "removed_omitted": removed_more,
        "link": notice.link,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(body: bytes, secret: str) -> str:
    """``sha256=`` + hex HMAC-SHA256 of the exact body bytes, as GitHub's webhooks."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


async def post_webhook(
    url: str,
    notice: ChangeNotice,
    *,
    client: httpx.AsyncClient,
    guard: UrlGuard,
    secret: str | None = None,
) -> None:
    """POST the change as JSON to a user's URL; any non-2xx answer raises ``NotifyError``.

    Body (UTF-8 JSON, field names stable; ``version`` changes if they ever do)::

        {"event": "watch.change", "version": 1,
         "monitor": {"id": 3, "name": "Competitor A", "url": "https://..."},
         "kind": "text" | "price" | "availability" | "feed",
         "detected_at": "2025-01-05T10:00:00Z", "summary": "...", "significance": 0.42,
         "added": ["line", ...], "removed": ["line", ...],
         "added_omitted": 0, "removed_omitted": 0, "link": "https://..." | null}

    With a ``secret``, header ``X-Pilotage-Signature: sha256=<hex>`` is the HMAC-SHA256 of
    the raw body under the secret; receivers compare it in constant time. The URL must
    pass ``guard`` (no private addresses unless allowed); redirects are not followed.
    Error messages name only the URL's origin, since webhook URLs often hold a token.
    """
    try:
        await guard.acheck(url)
    except UrlRefused as exc:
        raise UrlRefused(redact(exc.message, [url]), field="webhook_url") from None
    except FetchError as exc:
        raise NotifyError(redact(exc.message, [url])) from None
    body = webhook_body(notice)
    headers = {"Content-Type": "application/json", "X-Pilotage-Event": "watch.change"}
    if secret:
        headers["X-Pilotage-Signature"] = signature(body, secret)
    secrets = [*url_secrets(url), *([secret] if secret else [])]
    with masked(("httpx", "httpcore"), secrets):
        try:
            response = await client.post(url, content=body, headers=headers, follow_redirects=False)
        except httpx.HTTPError as exc:
            message = f"webhook to {_origin(url)} failed: {type(exc).__name__} {exc}"
            raise NotifyError(one_line(redact(message, secrets), 300)) from None
    if not response.is_success:
        raise NotifyError(f"webhook to {_origin(url)} answered HTTP {response.status_code}")


# --- apprise -------------------------------------------------------------------------------

_APPRISE_LOGGERS = (
    "apprise",
    "requests",
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
)


def _apprise_for(urls: Sequence[str]) -> apprise.Apprise:
    if not urls:
        raise InvalidInput("no apprise URL given", field="apprise_url")
    channels = apprise.Apprise(asset=apprise.AppriseAsset(secure_logging=True))
    for index, url in enumerate(urls, start=1):
        if not channels.add(url):
            scheme = urlsplit(url).scheme if "://" in url else ""
            raise InvalidInput(
                f"apprise URL #{index} (scheme {scheme[:20]!r}) is not valid", field="apprise_url"
            )
    return channels


# apprise schemes that post to any host a user names: the SSRF guard checks that host.
_ANY_HOST_SCHEMES = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})


def guard_apprise(urls: Sequence[str], guard: UrlGuard) -> None:
    """Refuse generic apprise URLs (``json://``, ``form://``, ``xml://``) whose host is not
    public, as webhooks are: apprise itself applies no such guard. Service schemes
    (Slack, Telegram…) reach their fixed public APIs."""
    for index, url in enumerate(urls, start=1):
        parts = urlsplit(url)
        if parts.scheme.lower() in _ANY_HOST_SCHEMES:
            secure = parts.scheme.lower().endswith("s")
            try:
                guard.check(f"{'https' if secure else 'http'}://{parts.netloc.rpartition('@')[2]}/")
            except UrlRefused:
                raise UrlRefused(
                    f"apprise URL #{index} points to an address that is not public",
                    field="apprise_url",
                ) from None


def send_apprise(
    urls: Sequence[str],
    notice: ChangeNotice,
    *,
    locale: Locale,
    translate: Translate = identity,
    guard: UrlGuard | None = None,
) -> None:
    """Send the change as plain text to apprise channels; URLs are secrets (tokens).

    Plain text rather than Markdown, so page content cannot become links or markup.
    With a ``guard``, generic URLs are checked first (:func:`guard_apprise`).
    """
    if guard is not None:
        guard_apprise(urls, guard)
    secrets = [s for url in urls for s in url_secrets(url)]
    with masked(_APPRISE_LOGGERS, secrets):
        channels = _apprise_for(urls)
        result = channels.notify(
            body=render_text(notice, locale=locale, translate=translate),
            title=subject(notice, translate=translate),
            body_format=apprise.NotifyFormat.TEXT,
        )
    if not result:
        failed = sorted({one_line(r.name, 40) for r in result if not r}) or ["?"]
        raise NotifyError(f"apprise could not deliver to {len(failed)} channel(s): {failed}")


async def asend_apprise(
    urls: Sequence[str],
    notice: ChangeNotice,
    *,
    locale: Locale,
    translate: Translate = identity,
    guard: UrlGuard | None = None,
) -> None:
    """``send_apprise`` in a worker thread (apprise blocks on network I/O)."""
    await asyncio.to_thread(
        send_apprise, urls, notice, locale=locale, translate=translate, guard=guard
    )
