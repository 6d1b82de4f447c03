"""`pilotage init`, `pilotage serve`, `pilotage purge`."""

from __future__ import annotations

from typing import Annotated

import typer

from pilotage.cli.common import console, instance
from pilotage.cli.users import print_owner_login


def init() -> None:
    """Create the data folder, the event store and the app-state database."""
    inst = instance()
    inst.app  # noqa: B018 - opening migrates
    inst.events  # noqa: B018
    inst.salts.rotate()
    console.print(f"Pilotage is ready in {inst.settings.data_dir.resolve()}")
    print_owner_login(inst)
    inst.close()


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Processes taking collector traffic (default: setting).")
    ] = None,
) -> None:
    """Serve the collector, the tracker and the web app."""
    from pilotage.config import load_settings
    from pilotage.web.serve import serve as run

    settings = load_settings()
    run(settings, host or settings.host, port or settings.port, workers or settings.workers)


def purge(
    months: Annotated[
        int | None, typer.Option(help="Keep this many months (default: the retention setting).")
    ] = None,
) -> None:
    """Delete events and visits older than the retention period, and expired salts."""
    inst = instance()
    events, visits = inst.purge(months)
    console.print(f"Deleted {events} events and {visits} visits.")
    inst.close()


def settings_command() -> None:
    """Print the settings in force (secrets masked)."""
    from pilotage.cli.common import print_table
    from pilotage.config import Settings, load_settings

    current = load_settings()
    rows = []
    for name, field in Settings.model_fields.items():
        value = getattr(current, name)
        shown = "••••" if "secret" in name and value else str(value)
        rows.append((f"PILOTAGE_{name.upper()}", shown, field.description or ""))
    print_table("Settings", ["variable", "value", "meaning"], rows)
