"""Fixtures of the web tests: an app in-process with an owner and a site."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from pilotage.accounts import passwords
from pilotage.config import Settings, load_settings
from pilotage.web import create_app
from tests.web.web_support import BASE, Web, prepare_instance


@pytest.fixture
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def private_web(
    settings: Settings, cheap_argon2: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Web]:
    """The app with private addresses allowed, as the local sites crawled and watched by
    the SEO and Watch tests need."""
    monkeypatch.setenv("PILOTAGE_WATCH_ALLOW_PRIVATE", "true")
    allowed = load_settings()
    prepare_instance(allowed)
    with TestClient(create_app(allowed), base_url=BASE) as client:
        yield Web(client, allowed)


@pytest.fixture
def web(settings: Settings, cheap_argon2: None) -> Iterator[Web]:
    prepare_instance(settings)
    with TestClient(create_app(settings), base_url=BASE) as client:
        yield Web(client, settings)
