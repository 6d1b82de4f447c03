"""The package's public names exist, and those the web layer and CLI call are there."""

from __future__ import annotations

import pilotage.accounts as accounts


def test_all_names_exist() -> None:
    assert all(hasattr(accounts, name) for name in accounts.__all__)
    assert len(set(accounts.__all__)) == len(accounts.__all__)


def test_the_names_of_the_brief() -> None:
    needed = {
        "hash_password", "verify_password", "create_user", "get_user", "find_user",
        "list_users", "authenticate", "set_password", "set_locale", "ensure_owner",
        "reset_password", "ROLES", "grant", "revoke", "role_on", "sites_for", "members",
        "can", "start_session", "session_for", "end_session", "end_all_sessions", "SCOPES",
        "create_api_key", "authenticate_api_key", "revoke_api_key", "list_api_keys",
        "create_shared_link", "shared_link", "link_password_ok", "revoke_shared_link",
        "list_shared_links", "audit", "audit_entries", "LoginThrottle",
    }  # fmt: skip
    assert needed <= set(accounts.__all__)
