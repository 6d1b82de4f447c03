"""The `pilotage` command line (Typer + Rich). Thin: each command calls the domain code.

Errors end here: a PilotageError or a bad argument prints one line on stderr and exits
with status 2 (1 for a store failure), never a traceback.
"""

from __future__ import annotations

import sys

import typer
from typer._click import exceptions as click_exceptions

from pilotage.cli import admin, demo, imports, sites, stats, users
from pilotage.errors import PilotageError

app = typer.Typer(
    name="pilotage",
    help="Pilotage: web analytics and the product cockpit, on your own data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(admin.init)
app.command()(admin.serve)
app.command()(admin.purge)
app.command("settings")(admin.settings_command)
app.command()(demo.demo)
app.command()(stats.stats)
app.add_typer(sites.sites_app, name="sites")
app.add_typer(sites.goals_app, name="goals")
app.add_typer(sites.rates_app, name="rates")
app.add_typer(imports.app, name="import")
app.add_typer(stats.funnels_app, name="funnels")
app.add_typer(users.users_app, name="users")
app.add_typer(users.keys_app, name="keys")


def _register_optional() -> None:
    """Command groups whose modules may pull heavier imports are added here."""
    from pilotage.cli import attribution, customers, experiments, logs, seo, watch

    app.add_typer(logs.app, name="logs")
    app.command("attribution")(attribution.attribution)
    app.add_typer(customers.app, name="customers")
    app.add_typer(experiments.app, name="ab")
    app.add_typer(seo.app, name="seo")
    app.add_typer(watch.app, name="watch")


_register_optional()


def main(argv: list[str] | None = None) -> int:
    try:
        app(args=argv, prog_name="pilotage", standalone_mode=False)
    except PilotageError as exc:
        print(f"pilotage: error: {exc.message}", file=sys.stderr)
        return exc.exit_status
    except click_exceptions.NoArgsIsHelpError as exc:
        print(exc.format_message())
        return 0
    except click_exceptions.UsageError as exc:
        print(f"pilotage: error: {_one_line(exc.format_message())}", file=sys.stderr)
        return 2
    except typer.Abort:
        print("pilotage: aborted", file=sys.stderr)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.TyperException as exc:
        print(f"pilotage: error: {_one_line(exc.format_message())}", file=sys.stderr)
        return int(exc.exit_code)
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def run() -> None:
    sys.exit(main())
