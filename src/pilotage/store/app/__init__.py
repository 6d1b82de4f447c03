"""App state through SQLAlchemy, migrated by Alembic (SQLite by default)."""

from pilotage.store.app.account_models import (
    ApiKey,
    AuditEntry,
    Membership,
    SharedLink,
    User,
    WebSession,
)
from pilotage.store.app.db import AppDB
from pilotage.store.app.models import Funnel, Goal, Rate, Site

__all__ = [
    "ApiKey",
    "AppDB",
    "AuditEntry",
    "Funnel",
    "Goal",
    "Membership",
    "Rate",
    "SharedLink",
    "Site",
    "User",
    "WebSession",
]
