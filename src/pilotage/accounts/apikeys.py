"""API keys for the Stats and Sites APIs: ``plt_`` + 256 random bits, shown once.

Only the SHA-256 of a key is stored, with its first 8 characters to tell keys apart in
lists. A key acts for its user with at most its scopes, and only on its site when it
has one; it never gives more than the user's own role (the web layer checks both).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pilotage.accounts.audit import audit
from pilotage.accounts.passwords import digest
from pilotage.accounts.roles import role_on
from pilotage.accounts.websessions import naive_utc
from pilotage.errors import InvalidInput, NotFound
from pilotage.store.app import ApiKey, Site, User

SCOPES = ("stats:read", "sites:read", "sites:write", "events:write")
TOKEN_PREFIX = "plt_"


def check_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(scopes))
    unknown = [x for x in chosen if x not in SCOPES]
    if unknown:
        raise InvalidInput(
            f"unknown scope '{unknown[0]}' (one of {', '.join(SCOPES)})", field="scopes"
        )
    if not chosen:
        raise InvalidInput("an API key needs at least one scope", field="scopes")
    return chosen


def _check_name(name: str) -> str:
    n = name.strip()
    if not n or len(n) > 120:
        raise InvalidInput(f"name '{name}' must have 1 to 120 characters", field="name")
    return n


def create_api_key(
    s: Session, user: User, name: str, scopes: Iterable[str], site: Site | None = None
) -> tuple[ApiKey, str]:
    """A new key and its token (returned once, never stored)."""
    chosen = check_scopes(scopes)
    if site is not None and role_on(s, user, site.id) is None:
        raise InvalidInput(f"{user.email} has no role on {site.domain}", field="site")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        user_id=user.id,
        name=_check_name(name),
        prefix=token[:8],
        key_hash=digest(token),
        scopes=chosen,
        site_id=None if site is None else site.id,
    )
    s.add(key)
    s.flush()
    audit(s, user, "apikey.create", key.name, site_id=key.site_id, key=key.id, scopes=chosen)
    return key, token


def authenticate_api_key(s: Session, token: str) -> ApiKey | None:
    """The live key of this token, or None (unknown, revoked, user disabled)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    key = s.scalar(select(ApiKey).where(ApiKey.key_hash == digest(token)))
    if key is None or key.revoked_at is not None or key.user.disabled:
        return None
    key.last_used_at = naive_utc(None)
    return key


def get_api_key(s: Session, key_id: int) -> ApiKey:
    key = s.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"no API key #{key_id}", field="key")
    return key


def revoke_api_key(s: Session, key_id: int, *, by: User | None = None) -> ApiKey:
    """Revoke the key for good (revoking twice keeps the first date)."""
    key = get_api_key(s, key_id)
    if key.revoked_at is None:
        key.revoked_at = naive_utc(None)
        audit(s, by, "apikey.revoke", key.name, site_id=key.site_id, key=key.id)
    s.flush()
    return key


def list_api_keys(s: Session, user: User) -> list[ApiKey]:
    """The user's keys, revoked ones included, oldest first."""
    return list(s.scalars(select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id)))
