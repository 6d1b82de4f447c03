"""API keys: tokens shown once, scopes, site limits, revocation."""

from __future__ import annotations

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from pilotage.accounts import (
    SCOPES,
    authenticate_api_key,
    create_api_key,
    create_user,
    get_api_key,
    grant,
    list_api_keys,
    revoke_api_key,
    set_disabled,
)
from pilotage.accounts.passwords import digest
from pilotage.errors import InvalidInput, NotFound
from pilotage.store.app import ApiKey, Site, User


@pytest.fixture
def ada(s: Session) -> User:
    return create_user(s, "ada@example.com", "0123456789abc")


def test_create_then_authenticate(s: Session, ada: User) -> None:
    key, token = create_api_key(s, ada, "CI", ["stats:read", "sites:read"])
    assert token.startswith("plt_") and len(token) == 4 + 43
    assert key.prefix == token[:8] and key.key_hash == digest(token)
    assert key.scopes == ["stats:read", "sites:read"] and key.site_id is None
    assert key.last_used_at is None
    assert authenticate_api_key(s, token) is key
    assert key.last_used_at is not None
    assert get_api_key(s, key.id) is key


@pytest.mark.parametrize("scopes", [["stats:write"], [], ["stats:read", "admin"]])
def test_unknown_or_no_scopes_are_refused(s: Session, ada: User, scopes: list[str]) -> None:
    with pytest.raises(InvalidInput) as exc:
        create_api_key(s, ada, "CI", scopes)
    assert exc.value.field == "scopes"


def test_the_four_scopes() -> None:
    assert SCOPES == ("stats:read", "sites:read", "sites:write", "events:write")


def test_a_name_is_required(s: Session, ada: User) -> None:
    with pytest.raises(InvalidInput) as exc:
        create_api_key(s, ada, "  ", ["stats:read"])
    assert exc.value.field == "name"


@pytest.mark.parametrize("token", ["", "plt_", "plt_unknown", "abc"])
def test_unknown_tokens(s: Session, ada: User, token: str) -> None:
    create_api_key(s, ada, "CI", ["stats:read"])
    assert authenticate_api_key(s, token) is None


def test_revoked_keys_and_disabled_users_fail(s: Session, ada: User) -> None:
    key, token = create_api_key(s, ada, "CI", ["stats:read"])
    _, other = create_api_key(s, ada, "cron", ["stats:read"])
    revoke_api_key(s, key.id)
    first = key.revoked_at
    assert first is not None and authenticate_api_key(s, token) is None
    revoke_api_key(s, key.id)
    assert key.revoked_at == first
    set_disabled(s, ada, True)
    assert authenticate_api_key(s, other) is None
    with pytest.raises(NotFound):
        revoke_api_key(s, 999)


def test_list_keeps_revoked_keys(s: Session, ada: User) -> None:
    a, _ = create_api_key(s, ada, "a", ["stats:read"])
    b, _ = create_api_key(s, ada, "b", ["stats:read"])
    revoke_api_key(s, a.id)
    assert list_api_keys(s, ada) == [a, b]
    bob = create_user(s, "bob@example.com", "0123456789abc")
    assert list_api_keys(s, bob) == []


def test_a_site_key_needs_a_role_there(s: Session, ada: User, site: Site) -> None:
    with pytest.raises(InvalidInput) as exc:
        create_api_key(s, ada, "CI", ["stats:read"], site)
    assert exc.value.field == "site"
    grant(s, ada, site, "viewer")
    key, _ = create_api_key(s, ada, "CI", ["stats:read"], site)
    assert key.site is site


def test_a_site_key_dies_with_its_site_instead_of_widening(
    s: Session, ada: User, site: Site
) -> None:
    grant(s, ada, site, "viewer")
    _, token = create_api_key(s, ada, "CI", ["stats:read"], site)
    s.execute(delete(Site).where(Site.id == site.id))
    s.expire_all()
    assert authenticate_api_key(s, token) is None
    assert s.query(ApiKey).count() == 0
