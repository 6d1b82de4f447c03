"""Migration 0001 -> 0002 on a real SQLite file that already holds a site."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from pilotage.accounts import create_user, grant, role_on
from pilotage.sites import add_goal, get_site
from pilotage.store.app import AppDB
from pilotage.store.app.db import MIGRATIONS


def migrate(db: AppDB, revision: str, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_an_existing_site_survives_and_is_not_public(tmp_path: Path) -> None:
    db = AppDB(f"sqlite:///{tmp_path / 'app.sqlite'}")
    migrate(db, "0001")
    with db.engine.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO sites (domain, timezone, currency, created_at) "
                "VALUES ('old.example', 'UTC', 'CHF', '2024-01-02 03:04:05')"
            )
        )
    db.upgrade()
    with db.session() as s:
        site = get_site(s, "old.example")
        assert (site.timezone, site.currency, site.public) == ("UTC", "CHF", False)
        ada = create_user(s, "ada@example.com", "0123456789abc")
        grant(s, ada, site, "viewer")
        assert role_on(s, ada, site.id) == "viewer"
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {
        "users",
        "memberships",
        "web_sessions",
        "api_keys",
        "shared_links",
        "audit_log",
    } <= tables
    db.dispose()


def test_downgrade_to_0001_keeps_the_sites(tmp_path: Path) -> None:
    db = AppDB(f"sqlite:///{tmp_path / 'app.sqlite'}")
    db.upgrade()
    with db.engine.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO sites (domain, timezone, currency, created_at, public) "
                "VALUES ('old.example', 'UTC', 'EUR', '2024-01-02 03:04:05', 1)"
            )
        )
    with db.session() as s:
        add_goal(s, get_site(s, "old.example"), "Signup", page="/thanks")
    migrate(db, "0001", down=True)
    inspector = sa.inspect(db.engine)
    assert "users" not in inspector.get_table_names()
    assert "public" not in {c["name"] for c in inspector.get_columns("sites")}
    with db.engine.connect() as c:
        assert c.execute(sa.text("SELECT domain FROM sites")).scalar_one() == "old.example"
        assert c.execute(sa.text("SELECT name FROM goals")).scalar_one() == "Signup"
    db.dispose()
