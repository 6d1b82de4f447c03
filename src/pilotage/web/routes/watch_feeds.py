"""Atom feeds of the competitive watch: the changes of a site's monitors, or of one.

Signed in, ``/sites/DOMAIN/watch/feed.atom`` and ``.../watch/ID/feed.atom``. A feed reader
cannot sign in, so the same feeds are served under a shared link, ``/share/SLUG/watch/
feed.atom``: the secret URL the owner already hands out for the dashboard, revoked by
deleting the link. A link with a password does not open feeds (a reader could not give
it), and the entries link to the watch pages, which need signing in.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from pilotage import accounts
from pilotage.errors import Forbidden, NotFound
from pilotage.i18n import translations
from pilotage.store.app import Site
from pilotage.watch.feed_out import atom_feed
from pilotage.watch.monitors import get_monitor, recent_changes
from pilotage.watch.runner import notice_for
from pilotage.web.context import Who, instance, prepare, public_base, site_access
from pilotage.web.templating import page_locale

router = APIRouter(dependencies=[Depends(prepare)])
FEED_ENTRIES = 50
ATOM = "application/atom+xml; charset=utf-8"


def _feed(request: Request, site_id: int, monitor_id: int | None) -> Response:
    """The feed of the site (all its monitors, or ``monitor_id``)."""
    locale = page_locale(request)
    gettext = translations(locale).gettext
    base = public_base(request)
    with instance(request).app.session() as s:
        site = s.get(Site, site_id)
        if site is None:
            raise NotFound("this site no longer exists", field="domain")
        monitor = None if monitor_id is None else get_monitor(s, monitor_id, site)
        changes = recent_changes(s, site=site, monitor=monitor, limit=FEED_ENTRIES)
        page = f"{base}/sites/{site.domain}/watch"
        notices = [notice_for(c, c.monitor, f"{page}/{c.monitor_id}", locale) for c in changes]
        name = site.domain if monitor is None else monitor.name
    self_url = base + request.url.path
    body = atom_feed(
        notices,
        feed_id=self_url,
        title=gettext("Watch: %(name)s") % {"name": name},
        self_url=self_url,
        updated=notices[0].detected_at if notices else datetime.now(UTC),
        translate=gettext,
    )
    return Response(body, media_type=ATOM)


def _member_site(request: Request, who: Who, domain: str) -> int:
    with instance(request).app.session() as s:
        return site_access(s, who, domain).id


def _shared_site(request: Request, slug: str) -> int:
    with instance(request).app.session() as s:
        link = accounts.shared_link(s, slug)
        if link is None:
            raise NotFound("this shared link does not exist or was revoked", field="slug")
        if link.password_hash is not None:
            raise Forbidden(
                "this shared link has a password, which a feed reader cannot give: "
                "share a link without one for feeds",
                field="slug",
            )
        return link.site_id


@router.get("/sites/{domain}/watch/feed.atom")
def site_feed(request: Request, who: Who, domain: str) -> Response:
    """Atom feed of the changes of all the site's monitors, newest first."""
    return _feed(request, _member_site(request, who, domain), None)


@router.get("/sites/{domain}/watch/{monitor_id}/feed.atom")
def monitor_feed(request: Request, who: Who, domain: str, monitor_id: int) -> Response:
    """Atom feed of one monitor's changes."""
    return _feed(request, _member_site(request, who, domain), monitor_id)


@router.get("/share/{slug}/watch/feed.atom")
def shared_site_feed(request: Request, slug: str) -> Response:
    """The site's watch feed through a shared link (no sign-in: for feed readers)."""
    return _feed(request, _shared_site(request, slug), None)


@router.get("/share/{slug}/watch/{monitor_id}/feed.atom")
def shared_monitor_feed(request: Request, slug: str, monitor_id: int) -> Response:
    """One monitor's feed through a shared link."""
    return _feed(request, _shared_site(request, slug), monitor_id)
