"""People who log in: creation, look-up, authentication, passwords, the instance owner.

E-mail addresses are stored lower-cased and are the login name. The instance owner
(``is_owner``) has every right on every site; ``pilotage init`` creates one.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from pilotage.accounts.audit import audit
from pilotage.accounts.passwords import (
    dummy_verify,
    hash_password,
    needs_rehash,
    random_password,
    verify_password,
)
from pilotage.accounts.websessions import end_all_sessions, naive_utc
from pilotage.errors import Conflict, InvalidInput, NotFound
from pilotage.store.app import User

# Deliberately loose (one @, a dot in the domain, no spaces): the only real check of
# an address is a message that arrives.
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]+$")
LOCALES = ("fr", "en")
DEFAULT_OWNER = "owner@pilotage.local"


def normalise_email(email: str) -> str:
    e = email.strip().lower()
    if len(e) > 254 or not EMAIL.match(e):
        raise InvalidInput(f"'{email}' is not an e-mail address", field="email")
    return e


def check_locale(locale: str | None) -> str | None:
    if locale is not None and locale not in LOCALES:
        raise InvalidInput(f"unknown locale '{locale}' (fr or en)", field="locale")
    return locale


def create_user(
    s: Session,
    email: str,
    password: str,
    *,
    name: str = "",
    locale: str | None = None,
    is_owner: bool = False,
    by: User | None = None,
) -> User:
    e = normalise_email(email)
    if len(name) > 120:
        raise InvalidInput("a name has at most 120 characters", field="name")
    if find_user(s, e) is not None:
        raise Conflict(f"user '{e}' already exists", field="email")
    user = User(
        email=e,
        name=name.strip(),
        password_hash=hash_password(password),
        locale=check_locale(locale),
        is_owner=is_owner,
        disabled=False,
    )
    s.add(user)
    s.flush()
    audit(s, by, "user.create", e, owner=is_owner)
    return user


def get_user(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise NotFound(f"no user #{user_id}", field="user")
    return user


def find_user(s: Session, email: str) -> User | None:
    return s.scalar(select(User).where(User.email == email.strip().lower()))


def user_by_email(s: Session, email: str) -> User:
    """Like :func:`find_user`, but a missing user is an error (for the CLI)."""
    user = find_user(s, email)
    if user is None:
        raise NotFound(f"no user '{email}' (add it with `pilotage users add`)", field="email")
    return user


def list_users(s: Session) -> list[User]:
    return list(s.scalars(select(User).order_by(User.email)))


def authenticate(s: Session, email: str, password: str) -> User | None:
    """The user whose e-mail and password these are, or None; logs the attempt.

    An unknown address costs one Argon2 verification too, so response time does not
    tell which addresses have accounts."""
    user = find_user(s, email)
    if user is None:
        dummy_verify(password)
        return None
    if not verify_password(user.password_hash, password) or user.disabled:
        reason = "disabled" if user.disabled else "password"
        audit(s, user, "user.login_failed", user.email, reason=reason)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = naive_utc(None)
    audit(s, user, "user.login", user.email)
    return user


def set_password(s: Session, user: User, password: str) -> None:
    """Change the password. Sessions stay open: the web layer ends the others itself."""
    user.password_hash = hash_password(password)
    s.flush()


def set_locale(s: Session, user: User, locale: str | None) -> None:
    user.locale = check_locale(locale)
    s.flush()


def set_disabled(s: Session, user: User, disabled: bool, *, by: User | None = None) -> None:
    """Disable (or enable again) an account; disabling ends its web sessions."""
    user.disabled = disabled
    if disabled:
        end_all_sessions(s, user)
    audit(s, by, "user.disable" if disabled else "user.enable", user.email)
    s.flush()


def ensure_owner(s: Session, email: str = DEFAULT_OWNER) -> tuple[User, str | None]:
    """The instance owner, created with a random password if there is none.

    The password is returned only when the owner was just created: it is shown once
    and never stored in clear."""
    owner = s.scalar(select(User).where(User.is_owner.is_(True)).order_by(User.id).limit(1))
    if owner is not None:
        return owner, None
    password = random_password()
    return create_user(s, email, password, name="Owner", is_owner=True), password


def reset_password(s: Session, email: str, *, by: User | None = None) -> str:
    """A new random password for the user (returned once); their web sessions end."""
    user = user_by_email(s, email)
    password = random_password()
    user.password_hash = hash_password(password)
    end_all_sessions(s, user)
    audit(s, by, "user.password_reset", user.email)
    s.flush()
    return password
