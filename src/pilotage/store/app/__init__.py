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
from pilotage.store.app.watch_models import (
    Change,
    Competitor,
    Criterion,
    Monitor,
    Score,
    Snapshot,
)

__all__ = [
    "ApiKey",
    "AppDB",
    "AuditEntry",
    "Change",
    "Competitor",
    "Criterion",
    "Funnel",
    "Goal",
    "Membership",
    "Monitor",
    "Rate",
    "Score",
    "SharedLink",
    "Site",
    "Snapshot",
    "User",
    "WebSession",
]
