"""Argon2 hashing: round trips, the length rule, the default cost, readable passwords."""

from __future__ import annotations

import hashlib

import pytest
from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY

from pilotage.accounts import hash_password, random_password, verify_password
from pilotage.accounts.passwords import READABLE, digest, needs_rehash
from pilotage.errors import InvalidInput
from tests.accounts.conftest import DEFAULT_HASHER


def test_a_hash_verifies_with_its_password_only() -> None:
    h = hash_password("correct horse battery")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "correct horse battery")
    assert not verify_password(h, "correct horse batterz")


def test_the_hash_is_standard_argon2_any_verifier_accepts() -> None:
    h = hash_password("correct horse battery")
    assert PasswordHasher().verify(h, "correct horse battery")


@pytest.mark.parametrize("pw", ["", "123456789", "x" * 1025])
def test_too_short_or_too_long_passwords_are_refused(pw: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        hash_password(pw)
    assert exc.value.field == "password"


def test_ten_characters_are_enough() -> None:
    assert verify_password(hash_password("0123456789"), "0123456789")


@pytest.mark.parametrize("bad", ["", "not a hash", "$argon2id$v=19$m=8,t=1,p=1$broken"])
def test_a_malformed_hash_verifies_nothing(bad: str) -> None:
    assert not verify_password(bad, "0123456789")
    assert needs_rehash(bad)


def test_the_application_uses_argon2_cffi_default_cost() -> None:
    # argon2-cffi's defaults are RFC 9106's "low memory" profile.
    assert DEFAULT_HASHER.time_cost == RFC_9106_LOW_MEMORY.time_cost
    assert DEFAULT_HASHER.memory_cost == RFC_9106_LOW_MEMORY.memory_cost
    assert DEFAULT_HASHER.parallelism == RFC_9106_LOW_MEMORY.parallelism


def test_random_passwords_are_readable_long_enough_and_differ() -> None:
    a, b = random_password(), random_password()
    assert a != b
    assert len(a) == 19 and a.count("-") == 3
    assert set(a.replace("-", "")) <= set(READABLE)
    assert not set("01ilo") & set(READABLE)
    assert verify_password(hash_password(a), a)


def test_digest_is_sha256_hex() -> None:
    # FIPS 180-2, appendix B.1: SHA-256("abc").
    assert digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert digest("plt_x") == hashlib.sha256(b"plt_x").hexdigest()
