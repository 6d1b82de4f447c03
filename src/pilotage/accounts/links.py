"""Shared links: a secret URL showing one site's dashboard, optionally with a password
(after Plausible's shared links, docs/shared-links.md of plausible/docs).

The slug is 128 random bits; revoking a link kills the URL for good.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from pilotage.accounts.audit import audit
from pilotage.accounts.passwords import hash_password, verify_password
from pilotage.accounts.websessions import naive_utc
from pilotage.errors import InvalidInput, NotFound
from pilotage.store.app import SharedLink, Site, User


def create_shared_link(
    s: Session, site: Site, name: str, password: str | None = None, *, by: User | None = None
) -> SharedLink:
    n = name.strip()
    if not n or len(n) > 120:
        raise InvalidInput(f"name '{name}' must have 1 to 120 characters", field="name")
    link = SharedLink(
        site_id=site.id,
        slug=secrets.token_urlsafe(16),
        name=n,
        password_hash=None if password is None else hash_password(password),
        created_by=None if by is None else by.id,
    )
    s.add(link)
    s.flush()
    audit(s, by, "link.create", n, site_id=site.id, link=link.id, password=password is not None)
    return link


def shared_link(s: Session, slug: str) -> SharedLink | None:
    """The live link of this slug, or None (unknown or revoked)."""
    link = s.scalar(select(SharedLink).where(SharedLink.slug == slug))
    if link is None or link.revoked_at is not None:
        return None
    return link


def link_password_ok(link: SharedLink, password: str | None) -> bool:
    """True when the link has no password or this is it."""
    if link.password_hash is None:
        return True
    return password is not None and verify_password(link.password_hash, password)


def get_shared_link(s: Session, link_id: int) -> SharedLink:
    link = s.get(SharedLink, link_id)
    if link is None:
        raise NotFound(f"no shared link #{link_id}", field="link")
    return link


def revoke_shared_link(s: Session, link_id: int, *, by: User | None = None) -> SharedLink:
    link = get_shared_link(s, link_id)
    if link.revoked_at is None:
        link.revoked_at = naive_utc(None)
        audit(s, by, "link.revoke", link.name, site_id=link.site_id, link=link.id)
    s.flush()
    return link


def list_shared_links(s: Session, site: Site) -> list[SharedLink]:
    """The site's links, revoked ones included, oldest first."""
    q = select(SharedLink).where(SharedLink.site_id == site.id).order_by(SharedLink.id)
    return list(s.scalars(q))
