"""Users: creation rules, look-up, authentication, passwords and the instance owner."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from pilotage.accounts import (
    audit_entries,
    authenticate,
    create_user,
    ensure_owner,
    find_user,
    get_user,
    list_users,
    passwords,
    reset_password,
    session_for,
    set_disabled,
    set_locale,
    set_password,
    start_session,
)
from pilotage.errors import Conflict, InvalidInput, NotFound
from tests.accounts.conftest import cheap_hasher

PW = "0123456789abc"


def test_create_then_read_back(s: Session) -> None:
    u = create_user(s, "  Ada@Example.COM ", PW, name="Ada", locale="fr")
    assert u.email == "ada@example.com"
    assert get_user(s, u.id) is u
    assert find_user(s, "ADA@example.com") is u
    assert (u.name, u.locale, u.is_owner, u.disabled) == ("Ada", "fr", False, False)
    assert isinstance(u.created_at, datetime) and u.last_login_at is None


def test_users_are_listed_by_email(s: Session) -> None:
    for e in ["zoe@example.com", "ada@example.com", "max@example.com"]:
        create_user(s, e, PW)
    assert [u.email for u in list_users(s)] == sorted(
        ["zoe@example.com", "ada@example.com", "max@example.com"]
    )


@pytest.mark.parametrize(
    "email", ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "a@b@c.com"]
)
def test_bad_emails_are_refused(s: Session, email: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        create_user(s, email, PW)
    assert exc.value.field == "email"


def test_the_same_email_twice_is_a_conflict(s: Session) -> None:
    create_user(s, "ada@example.com", PW)
    with pytest.raises(Conflict):
        create_user(s, "ADA@example.com", PW)


def test_unknown_users(s: Session) -> None:
    assert find_user(s, "nobody@example.com") is None
    with pytest.raises(NotFound):
        get_user(s, 999)


def test_locale_is_fr_en_or_none(s: Session) -> None:
    u = create_user(s, "ada@example.com", PW)
    set_locale(s, u, "en")
    assert u.locale == "en"
    set_locale(s, u, None)
    assert u.locale is None
    with pytest.raises(InvalidInput) as exc:
        set_locale(s, u, "de")
    assert exc.value.field == "locale"


def test_authenticate_right_wrong_unknown_disabled(s: Session) -> None:
    u = create_user(s, "ada@example.com", PW)
    assert authenticate(s, "ada@example.com", "wrong password") is None
    assert authenticate(s, "nobody@example.com", PW) is None
    assert authenticate(s, "Ada@Example.com", PW) is u
    assert u.last_login_at is not None
    set_disabled(s, u, True)
    assert authenticate(s, "ada@example.com", PW) is None
    actions = [e.action for e in audit_entries(s)]
    assert actions.count("user.login_failed") == 2 and actions.count("user.login") == 1


class CountingHasher(PasswordHasher):
    verifies = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        CountingHasher.verifies += 1
        return super().verify(hash, password)


def test_an_unknown_email_costs_one_verification_too(
    s: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        passwords, "hasher", CountingHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    CountingHasher.verifies = 0
    assert authenticate(s, "nobody@example.com", PW) is None
    assert CountingHasher.verifies == 1


def test_an_old_hash_is_upgraded_at_login(s: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    u = create_user(s, "ada@example.com", PW)
    old = u.password_hash
    stronger = cheap_hasher(time_cost=2)
    monkeypatch.setattr(passwords, "hasher", stronger)
    assert authenticate(s, "ada@example.com", PW) is u
    assert u.password_hash != old and "t=2" in u.password_hash
    assert not stronger.check_needs_rehash(u.password_hash)
    assert authenticate(s, "ada@example.com", PW) is u


def test_set_password(s: Session) -> None:
    u = create_user(s, "ada@example.com", PW)
    set_password(s, u, "another password")
    assert authenticate(s, "ada@example.com", PW) is None
    assert authenticate(s, "ada@example.com", "another password") is u
    with pytest.raises(InvalidInput):
        set_password(s, u, "short")


def test_ensure_owner_creates_once_with_a_password_that_works(s: Session) -> None:
    owner, password = ensure_owner(s)
    assert owner.is_owner and owner.email == "owner@pilotage.local"
    assert password is not None
    assert authenticate(s, "owner@pilotage.local", password) is owner
    assert ensure_owner(s) == (owner, None)
    assert len(list_users(s)) == 1


def test_ensure_owner_returns_the_first_owner(s: Session) -> None:
    first = create_user(s, "boss@example.com", PW, is_owner=True)
    create_user(s, "other@example.com", PW, is_owner=True)
    assert ensure_owner(s) == (first, None)


def test_reset_password_gives_a_new_one_and_ends_sessions(s: Session) -> None:
    u = create_user(s, "ada@example.com", PW)
    _, token = start_session(s, u)
    new = reset_password(s, "ADA@example.com")
    assert authenticate(s, "ada@example.com", PW) is None
    assert authenticate(s, "ada@example.com", new) is u
    assert session_for(s, token) is None
    with pytest.raises(NotFound):
        reset_password(s, "nobody@example.com")


def test_disabling_ends_sessions_and_enabling_lets_in_again(s: Session) -> None:
    u = create_user(s, "ada@example.com", PW)
    _, token = start_session(s, u)
    set_disabled(s, u, True)
    assert session_for(s, token) is None
    set_disabled(s, u, False)
    assert authenticate(s, "ada@example.com", PW) is u
