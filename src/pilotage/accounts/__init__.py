"""Accounts: users, roles on sites, web sessions, API keys, shared links, audit log.

Pure domain code over a SQLAlchemy session (``AppDB.session()``); the web layer and
the CLI call these functions and translate the errors. Mutating functions that take
``by=`` (the acting user, None for the CLI) write an audit entry themselves.
"""

from pilotage.accounts.apikeys import (
    SCOPES,
    authenticate_api_key,
    create_api_key,
    get_api_key,
    list_api_keys,
    revoke_api_key,
)
from pilotage.accounts.audit import audit, audit_entries
from pilotage.accounts.links import (
    create_shared_link,
    get_shared_link,
    link_password_ok,
    list_shared_links,
    revoke_shared_link,
    shared_link,
)
from pilotage.accounts.passwords import hash_password, random_password, verify_password
from pilotage.accounts.roles import (
    ACTIONS,
    ROLES,
    can,
    grant,
    members,
    require,
    revoke,
    role_on,
    sites_for,
)
from pilotage.accounts.throttle import LoginThrottle
from pilotage.accounts.users import (
    authenticate,
    create_user,
    ensure_owner,
    find_user,
    get_user,
    list_users,
    reset_password,
    set_disabled,
    set_locale,
    set_password,
    user_by_email,
)
from pilotage.accounts.websessions import (
    end_all_sessions,
    end_session,
    purge_sessions,
    session_for,
    start_session,
)
from pilotage.store.app import ApiKey, AuditEntry, Membership, SharedLink, User, WebSession

__all__ = [
    "ACTIONS",
    "ROLES",
    "SCOPES",
    "ApiKey",
    "AuditEntry",
    "LoginThrottle",
    "Membership",
    "SharedLink",
    "User",
    "WebSession",
    "audit",
    "audit_entries",
    "authenticate",
    "authenticate_api_key",
    "can",
    "create_api_key",
    "create_shared_link",
    "create_user",
    "end_all_sessions",
    "end_session",
    "ensure_owner",
    "find_user",
    "get_api_key",
    "get_shared_link",
    "get_user",
    "grant",
    "hash_password",
    "link_password_ok",
    "list_api_keys",
    "list_shared_links",
    "list_users",
    "members",
    "purge_sessions",
    "random_password",
    "require",
    "reset_password",
    "revoke",
    "revoke_api_key",
    "revoke_shared_link",
    "role_on",
    "session_for",
    "set_disabled",
    "set_locale",
    "set_password",
    "shared_link",
    "sites_for",
    "start_session",
    "user_by_email",
    "verify_password",
]
