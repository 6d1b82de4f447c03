"""Shared links: slugs, optional password, revocation, audit."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from pilotage.accounts import (
    audit_entries,
    create_shared_link,
    create_user,
    get_shared_link,
    link_password_ok,
    list_shared_links,
    revoke_shared_link,
    shared_link,
)
from pilotage.errors import InvalidInput, NotFound
from pilotage.sites import add_site
from pilotage.store.app import Site


def test_a_link_without_password_opens_for_anyone(s: Session, site: Site) -> None:
    link = create_shared_link(s, site, "Board")
    assert len(link.slug) == 22  # 16 random bytes in URL-safe base64
    assert shared_link(s, link.slug) is link and link.site is site
    assert link_password_ok(link, None) and link_password_ok(link, "anything")


def test_a_password_protected_link(s: Session, site: Site) -> None:
    link = create_shared_link(s, site, "Board", "board password")
    assert link.password_hash is not None and "board password" not in link.password_hash
    assert link_password_ok(link, "board password")
    assert not link_password_ok(link, "wrong password")
    assert not link_password_ok(link, None)


def test_link_passwords_follow_the_password_rule(s: Session, site: Site) -> None:
    with pytest.raises(InvalidInput) as exc:
        create_shared_link(s, site, "Board", "short")
    assert exc.value.field == "password"


def test_slugs_differ(s: Session, site: Site) -> None:
    slugs = {create_shared_link(s, site, f"L{i}").slug for i in range(5)}
    assert len(slugs) == 5


def test_revoked_links_are_gone_but_listed(s: Session, site: Site) -> None:
    boss = create_user(s, "boss@example.com", "0123456789abc", is_owner=True)
    a = create_shared_link(s, site, "A", by=boss)
    b = create_shared_link(s, site, "B")
    revoke_shared_link(s, a.id, by=boss)
    assert shared_link(s, a.slug) is None and shared_link(s, b.slug) is b
    assert list_shared_links(s, site) == [a, b]
    assert list_shared_links(s, add_site(s, "blog.example")) == []
    assert a.created_by == boss.id
    assert [e.action for e in audit_entries(s, site=site)] == [
        "link.revoke",
        "link.create",
        "link.create",
    ]


def test_unknown_links(s: Session, site: Site) -> None:
    assert shared_link(s, "no-such-slug") is None
    with pytest.raises(NotFound):
        get_shared_link(s, 42)
    with pytest.raises(NotFound):
        revoke_shared_link(s, 42)
    with pytest.raises(InvalidInput):
        create_shared_link(s, site, "")
