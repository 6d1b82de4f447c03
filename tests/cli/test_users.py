"""`pilotage users`, `pilotage keys`, and the owner's login line of `init`."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher

from pilotage.accounts import authenticate, authenticate_api_key, passwords, role_on
from pilotage.cli import main
from pilotage.config import Settings
from pilotage.sites import get_site
from pilotage.store.app import AppDB


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def shown(out: str) -> str:
    """The secret printed after "(shown once):"."""
    m = re.search(r"\(shown once\): (\S+)", out)
    assert m, out
    return m.group(1)


def test_add_prints_a_password_that_logs_in(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "sites", "add", "shop.example")
    code, out, err = run(
        capsys,
        "users",
        "add",
        "Ada@Example.com",
        "--name",
        "Ada",
        "--site",
        "shop.example",
        "--role",
        "editor",
    )
    assert code == 0, err
    password = shown(out)
    db = AppDB(settings.app_url)
    with db.session() as s:
        ada = authenticate(s, "ada@example.com", password)
        assert ada is not None and ada.name == "Ada"
        assert role_on(s, ada, get_site(s, "shop.example").id) == "editor"
    db.dispose()
    code, out, _ = run(capsys, "users", "list")
    assert code == 0 and "ada@example.com" in out and "shop.example:editor" in out


def test_password_reset_and_grant(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "sites", "add", "shop.example")
    first = shown(run(capsys, "users", "add", "ada@example.com")[1])
    code, out, _ = run(capsys, "users", "password", "ada@example.com")
    assert code == 0
    new = shown(out)
    assert run(capsys, "users", "grant", "ada@example.com", "shop.example", "admin")[0] == 0
    db = AppDB(settings.app_url)
    with db.session() as s:
        assert authenticate(s, "ada@example.com", first) is None
        ada = authenticate(s, "ada@example.com", new)
        assert ada is not None and role_on(s, ada, get_site(s, "shop.example").id) == "admin"
    db.dispose()


def test_keys_create_list_revoke(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "users", "add", "ada@example.com", "--owner")
    code, out, err = run(
        capsys,
        "keys",
        "create",
        "ada@example.com",
        "--name",
        "CI",
        "--scope",
        "stats:read",
        "--scope",
        "sites:read",
    )
    assert code == 0, err
    token = shown(out)
    db = AppDB(settings.app_url)
    with db.session() as s:
        key = authenticate_api_key(s, token)
        assert key is not None and key.scopes == ["stats:read", "sites:read"]
        key_id = key.id
    code, out, _ = run(capsys, "keys", "list", "ada@example.com")
    assert code == 0 and token[:8] in out and token not in out and "active" in out
    assert run(capsys, "keys", "revoke", str(key_id))[0] == 0
    with db.session() as s:
        assert authenticate_api_key(s, token) is None
    db.dispose()
    assert "revoked" in run(capsys, "keys", "list", "ada@example.com")[1]


@pytest.mark.parametrize(
    "args",
    [
        ["users", "add", "not-an-email"],
        ["users", "add", "bob@example.com", "--site", "shop.example"],
        ["users", "add", "bob@example.com", "--site", "shop.example", "--role", "boss"],
        ["users", "add", "ada@example.com"],
        ["users", "password", "nobody@example.com"],
        ["users", "grant", "ada@example.com", "shop.example", "superuser"],
        ["users", "grant", "ada@example.com", "missing.example", "viewer"],
        ["keys", "create", "ada@example.com", "--name", "x", "--scope", "stats:write"],
        [
            "keys",
            "create",
            "ada@example.com",
            "--name",
            "x",
            "--scope",
            "stats:read",
            "--site",
            "shop.example",
        ],
        ["keys", "list", "nobody@example.com"],
        ["keys", "revoke", "42"],
        ["keys", "revoke", "abc"],
    ],
)
def test_bad_input_is_one_line_and_status_2(
    settings: Settings, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    run(capsys, "sites", "add", "shop.example")
    run(capsys, "users", "add", "ada@example.com")
    code, out, err = run(capsys, *args)
    assert code == 2, out
    assert err.count("\n") == 1 and err.startswith("pilotage: error: ")
    assert "Password" not in out


def test_a_failed_add_creates_nobody(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "sites", "add", "shop.example")
    run(capsys, "users", "add", "bob@example.com", "--site", "shop.example", "--role", "boss")
    assert "bob@example.com" not in run(capsys, "users", "list")[1]


def test_init_shows_the_owner_password_once(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "init")
    assert code == 0, err
    m = re.search(r"Log in at http://127\.0\.0\.1:8000 as (\S+) with password (\S+)", out)
    assert m, out
    email, password = m.groups()
    db = AppDB(settings.app_url)
    with db.session() as s:
        owner = authenticate(s, email, password)
        assert owner is not None and owner.is_owner
    db.dispose()
    code, out, _ = run(capsys, "init")
    assert code == 0 and password not in out
    assert f"Log in as {email} (password shown at first run" in out
    assert f"pilotage users password {email}" in out
