"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106's second
recommended option) and the random secrets handed to people.

``hasher`` is module-level so that tests can swap in a cheaper one; the application
never changes it.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pilotage.errors import InvalidInput

MIN_LENGTH = 10
# Argon2 hashes any length, but a megabyte password costs CPU for nothing.
MAX_LENGTH = 1024
# No 0/o, 1/l/i: a password read off a terminal is typed again without doubt.
READABLE = "abcdefghjkmnpqrstuvwxyz23456789"

hasher = PasswordHasher()
_dummy: tuple[PasswordHasher, str] | None = None


def check_password(pw: str) -> str:
    if len(pw) < MIN_LENGTH:
        raise InvalidInput(
            f"a password has at least {MIN_LENGTH} characters (this one has {len(pw)})",
            field="password",
        )
    if len(pw) > MAX_LENGTH:
        raise InvalidInput(f"a password has at most {MAX_LENGTH} characters", field="password")
    return pw


def hash_password(pw: str) -> str:
    return hasher.hash(check_password(pw))


def verify_password(hashed: str, pw: str) -> bool:
    if len(pw) > MAX_LENGTH:
        return False
    try:
        return hasher.verify(hashed, pw)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    try:
        return hasher.check_needs_rehash(hashed)
    except InvalidHashError:
        return True


def dummy_verify(pw: str) -> None:
    """As long as a real verification, for unknown accounts (timing must not tell)."""
    global _dummy
    if _dummy is None or _dummy[0] is not hasher:
        _dummy = (hasher, hasher.hash(secrets.token_urlsafe(16)))
    verify_password(_dummy[1], pw)


def random_password(groups: int = 4, size: int = 4) -> str:
    """E.g. ``k7dm-q2xa-9fhe-wrt3``: 16 characters of 31 symbols, about 79 bits."""
    return "-".join("".join(secrets.choice(READABLE) for _ in range(size)) for _ in range(groups))


def digest(token: str) -> str:
    """SHA-256 hex of a token: what is stored instead of session and API tokens.

    A plain hash is enough there (unlike passwords): the tokens carry 256 random bits."""
    return hashlib.sha256(token.encode()).hexdigest()
