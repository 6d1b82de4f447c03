"""Roles: the permission table, memberships, the instance owner, disabled users."""

from __future__ import annotations

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from pilotage.accounts import (
    ACTIONS,
    ROLES,
    audit_entries,
    can,
    create_user,
    grant,
    members,
    require,
    revoke,
    role_on,
    set_disabled,
    sites_for,
)
from pilotage.errors import Forbidden, InvalidInput, NotFound
from pilotage.sites import add_site
from pilotage.store.app import Membership, Site, User

PW = "0123456789abc"

# The table of the brief, written out role by role (not derived from the code's ranks).
ALLOWED = {
    "view": {"viewer", "editor", "admin", "owner"},
    "export": {"viewer", "editor", "admin", "owner"},
    "edit_goals": {"editor", "admin", "owner"},
    "share": {"admin", "owner"},
    "manage_members": {"admin", "owner"},
    "manage_site": {"admin", "owner"},
    "delete_site": {"owner"},
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", [*ROLES, None])
def test_permission_table(role: str | None, action: str) -> None:
    assert can(role, action) is (role in ALLOWED[action])


def test_every_action_is_in_the_table() -> None:
    assert set(ACTIONS) == set(ALLOWED)
    assert ROLES == ("viewer", "editor", "admin", "owner")


@pytest.mark.parametrize(
    ("role", "action", "field"), [("viewer", "fly", "action"), ("boss", "view", "role")]
)
def test_unknown_roles_and_actions_are_errors(role: str, action: str, field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        can(role, action)
    assert exc.value.field == field


@pytest.fixture
def ada(s: Session) -> User:
    return create_user(s, "ada@example.com", PW)


def test_grant_replace_and_revoke(s: Session, site: Site, ada: User) -> None:
    assert role_on(s, ada, site.id) is None
    grant(s, ada, site, "viewer")
    assert role_on(s, ada, site.id) == "viewer"
    grant(s, ada, site, "admin")
    assert role_on(s, ada, site.id) == "admin"
    assert members(s, site) == [(ada, "admin")]
    revoke(s, ada, site)
    assert role_on(s, ada, site.id) is None and members(s, site) == []
    with pytest.raises(NotFound):
        revoke(s, ada, site)


def test_grant_refuses_unknown_roles(s: Session, site: Site, ada: User) -> None:
    with pytest.raises(InvalidInput) as exc:
        grant(s, ada, site, "superuser")
    assert exc.value.field == "role"


def test_sites_for_members_and_the_instance_owner(s: Session, site: Site, ada: User) -> None:
    other = add_site(s, "blog.example")
    boss = create_user(s, "boss@example.com", PW, is_owner=True)
    assert sites_for(s, ada) == []
    grant(s, ada, site, "editor")
    assert sites_for(s, ada) == [site]
    assert sites_for(s, boss) == [other, site]  # by domain
    assert role_on(s, boss, other.id) == "owner"
    assert role_on(s, boss, 999) is None
    assert members(s, other) == []  # the instance owner is not listed as a member


def test_a_disabled_user_has_no_role(s: Session, site: Site, ada: User) -> None:
    grant(s, ada, site, "admin")
    set_disabled(s, ada, True)
    assert role_on(s, ada, site.id) is None and sites_for(s, ada) == []


def test_require(s: Session, site: Site, ada: User) -> None:
    grant(s, ada, site, "editor")
    assert require(s, ada, site, "edit_goals") == "editor"
    with pytest.raises(Forbidden):
        require(s, ada, site, "share")


def test_deleting_a_site_removes_its_memberships(s: Session, site: Site, ada: User) -> None:
    grant(s, ada, site, "viewer")
    s.execute(delete(Site).where(Site.id == site.id))
    assert s.query(Membership).count() == 0


def test_grants_and_revokes_are_audited_per_site(s: Session, site: Site, ada: User) -> None:
    boss = create_user(s, "boss@example.com", PW, is_owner=True)
    grant(s, ada, site, "viewer", by=boss)
    revoke(s, ada, site, by=boss)
    entries = audit_entries(s, site=site)
    assert [(e.action, e.user_id, e.target) for e in entries] == [
        ("member.revoke", boss.id, "ada@example.com"),
        ("member.grant", boss.id, "ada@example.com"),
    ]
    assert entries[1].detail == {"role": "viewer", "before": None}
