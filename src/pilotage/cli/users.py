"""`pilotage users` and `pilotage keys`: accounts, roles and API keys from the shell.

Generated passwords and tokens are printed once: only their hashes are kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pilotage.cli.common import instance, print_table
from pilotage.errors import InvalidInput

if TYPE_CHECKING:
    from pilotage.instance import Instance

users_app = typer.Typer(
    help="People who log in to the web app, and their roles.", no_args_is_help=True
)
keys_app = typer.Typer(help="API keys for the Stats and Sites APIs.", no_args_is_help=True)


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="E-mail address, the login name.")],
    name: Annotated[str, typer.Option(help="Name shown in the app.")] = "",
    site: Annotated[str, typer.Option(help="Site domain to grant a role on.")] = "",
    role: Annotated[str, typer.Option(help="Role on --site: viewer, editor, admin, owner.")] = "",
    owner: Annotated[bool, typer.Option("--owner", help="Instance owner: all sites.")] = False,
) -> None:
    """Add a user with a generated password (printed once)."""
    from pilotage import accounts, sites

    if bool(site) != bool(role):
        raise InvalidInput("--site and --role go together", field="role")
    with instance().app.session() as s:
        password = accounts.random_password()
        user = accounts.create_user(s, email, password, name=name, is_owner=owner)
        if site:
            accounts.grant(s, user, sites.get_site(s, site), role)
    typer.echo(f"Added {user.email}{' (owner)' if owner else ''}.")
    typer.echo(f"Password (shown once): {password}")


@users_app.command("list")
def users_list() -> None:
    """List the users and their roles."""
    from sqlalchemy import select

    from pilotage import accounts
    from pilotage.store.app import Membership

    with instance().app.session() as s:
        roles: dict[int, list[str]] = {}
        for m in s.scalars(select(Membership)):
            roles.setdefault(m.user_id, []).append(f"{m.site.domain}:{m.role}")
        rows = [
            (
                u.email,
                u.name,
                "all sites (owner)" if u.is_owner else ", ".join(sorted(roles.get(u.id, []))),
                "disabled" if u.disabled else "active",
                u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never",
            )
            for u in accounts.list_users(s)
        ]
    print_table("Users", ["email", "name", "roles", "status", "last login (UTC)"], rows)


@users_app.command("password")
def users_password(email: Annotated[str, typer.Argument(help="The user's e-mail.")]) -> None:
    """Give the user a new generated password (printed once) and end their sessions."""
    from pilotage import accounts

    with instance().app.session() as s:
        password = accounts.reset_password(s, email)
    typer.echo(f"New password for {email.strip().lower()} (shown once): {password}")


@users_app.command("grant")
def users_grant(
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    domain: Annotated[str, typer.Argument(help="Site domain.")],
    role: Annotated[str, typer.Argument(help="viewer, editor, admin or owner.")],
) -> None:
    """Give a user a role on a site (replacing the one they had)."""
    from pilotage import accounts, sites

    with instance().app.session() as s:
        user = accounts.user_by_email(s, email)
        site = sites.get_site(s, domain)
        accounts.grant(s, user, site, role)
        typer.echo(f"{user.email} is {role} on {site.domain}.")


@keys_app.command("create")
def keys_create(
    email: Annotated[str, typer.Argument(help="The user the key acts for.")],
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'CI'.")],
    scope: Annotated[
        list[str], typer.Option(help="stats:read, sites:read, sites:write or events:write.")
    ],
    site: Annotated[str, typer.Option(help="Limit the key to this site.")] = "",
) -> None:
    """Create an API key (the token is printed once)."""
    from pilotage import accounts, sites

    with instance().app.session() as s:
        user = accounts.user_by_email(s, email)
        limited = sites.get_site(s, site) if site else None
        key, token = accounts.create_api_key(s, user, name, scope, limited)
    typer.echo(f"Created key #{key.id} '{key.name}' ({', '.join(key.scopes)}).")
    typer.echo(f"Token (shown once): {token}")


@keys_app.command("list")
def keys_list(email: Annotated[str, typer.Argument(help="The user's e-mail.")]) -> None:
    """List a user's API keys (prefixes only)."""
    from pilotage import accounts

    with instance().app.session() as s:
        user = accounts.user_by_email(s, email)
        rows = [
            (
                k.id,
                k.name,
                k.prefix + "…",
                " ".join(k.scopes),
                k.site.domain if k.site else "all",
                "revoked" if k.revoked_at else "active",
                k.last_used_at.strftime("%Y-%m-%d %H:%M") if k.last_used_at else "never",
            )
            for k in accounts.list_api_keys(s, user)
        ]
    header = ["id", "name", "prefix", "scopes", "site", "status", "last used (UTC)"]
    print_table(f"API keys of {email}", header, rows)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(metavar="ID", help="Key id.")]) -> None:
    """Revoke an API key for good."""
    from pilotage import accounts

    with instance().app.session() as s:
        key = accounts.revoke_api_key(s, key_id)
        typer.echo(f"Revoked key #{key.id} '{key.name}'.")


def print_owner_login(inst: Instance) -> None:
    """After `init` or `demo`: how to log in, with the owner's password on first run."""
    from pilotage import accounts

    with inst.app.session() as s:
        owner, password = accounts.ensure_owner(s)
        email = owner.email
    if password is None:
        typer.echo(
            f"Log in as {email} (password shown at first run; "
            f"reset it with `pilotage users password {email}`)"
        )
        return
    url = f"http://{inst.settings.host}:{inst.settings.port}"
    typer.echo(f"Log in at {url} as {email} with password {password}")
