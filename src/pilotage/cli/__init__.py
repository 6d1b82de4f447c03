"""The `pilotage` command line (Typer + Rich). Thin: each command calls the domain code.

Errors end here: a PilotageError or a bad argument prints one line on stderr and exits
with status 2 (1 for a store failure), never a traceback.
"""

from __future__ import annotations

import sys

import click
import typer

from pilotage.cli import admin, demo, imports, sites, stats
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
app.command()(demo.demo)
app.command()(stats.stats)
app.add_typer(sites.sites_app, name="sites")
app.add_typer(sites.goals_app, name="goals")
app.add_typer(sites.rates_app, name="rates")
app.add_typer(imports.app, name="import")
app.add_typer(stats.funnels_app, name="funnels")


def _register_optional() -> None:
    """Command groups whose modules may pull heavier imports are added here."""
    from pilotage.cli import logs

    app.add_typer(logs.app, name="logs")


_register_optional()


def main(argv: list[str] | None = None) -> int:
    try:
        app(args=argv, prog_name="pilotage", standalone_mode=False)
    except PilotageError as exc:
        print(f"pilotage: error: {exc.message}", file=sys.stderr)
        return exc.exit_status
    except click.exceptions.NoArgsIsHelpError:
        return 0
    except click.UsageError as exc:
        print(f"pilotage: error: {exc.format_message()}", file=sys.stderr)
        return 2
    except click.exceptions.Abort:
        print("pilotage: aborted", file=sys.stderr)
        return 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        print(f"pilotage: error: {exc.format_message()}", file=sys.stderr)
        return exc.exit_code
    return 0


def run() -> None:
    sys.exit(main())
