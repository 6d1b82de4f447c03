"""A migrated SQLite app database per test, and a cheap Argon2 so tests stay fast."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from pilotage.accounts import passwords
from pilotage.sites import add_site
from pilotage.store.app import AppDB, Site

# Captured before any test swaps it: the application's own hasher.
DEFAULT_HASHER = passwords.hasher


def cheap_hasher(time_cost: int = 1) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "hasher", cheap_hasher())


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database file, copied by each test (migrating costs ~40 ms)."""
    path = tmp_path_factory.mktemp("template") / "app.sqlite"
    app = AppDB(f"sqlite:///{path}")
    app.upgrade()
    app.dispose()  # the last connection closing folds the WAL into the file
    return path


@pytest.fixture
def db(tmp_path: Path, migrated: Path) -> Iterator[AppDB]:
    path = tmp_path / "app.sqlite"
    shutil.copyfile(migrated, path)
    app = AppDB(f"sqlite:///{path}")
    yield app
    app.dispose()


@pytest.fixture
def s(db: AppDB) -> Iterator[Session]:
    with db.session() as session:
        yield session


@pytest.fixture
def site(s: Session) -> Site:
    return add_site(s, "shop.example")
