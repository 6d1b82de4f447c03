"""App state through SQLAlchemy, migrated by Alembic (SQLite by default)."""

from pilotage.store.app.db import AppDB
from pilotage.store.app.models import Funnel, Goal, Rate, Site

__all__ = ["AppDB", "Funnel", "Goal", "Rate", "Site"]
