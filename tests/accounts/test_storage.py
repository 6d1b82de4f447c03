"""No password or token is stored in clear: the SQLite file bytes are searched."""

from __future__ import annotations

from pathlib import Path

from pilotage.accounts import (
    create_api_key,
    create_shared_link,
    create_user,
    start_session,
)
from pilotage.accounts.passwords import digest
from pilotage.sites import add_site
from pilotage.store.app import AppDB


def file_bytes(path: Path) -> bytes:
    # WAL mode: recent pages may still sit in the -wal file beside the database.
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_secrets_are_only_stored_hashed(tmp_path: Path) -> None:
    path = tmp_path / "app.sqlite"
    db = AppDB(f"sqlite:///{path}")
    db.upgrade()
    user_pw, link_pw = "user password 1234", "link password 5678"
    with db.session() as s:
        site = add_site(s, "shop.example")
        ada = create_user(s, "ada@example.com", user_pw)
        _, session_token = start_session(s, ada)
        _, api_token = create_api_key(s, ada, "CI", ["stats:read"])
        link = create_shared_link(s, site, "Board", link_pw)
        user_hash, link_hash = ada.password_hash, link.password_hash
    db.dispose()
    raw = file_bytes(path)
    for secret in (user_pw, link_pw, session_token, api_token, api_token[8:]):
        assert secret.encode() not in raw
    # ...while what should be there is found, so the search itself works.
    assert link_hash is not None
    for stored in (user_hash, link_hash, digest(session_token), digest(api_token)):
        assert stored.encode() in raw
    assert b"ada@example.com" in raw and api_token[:8].encode() in raw
