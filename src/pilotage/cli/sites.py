"""`pilotage sites`, `pilotage goals`, `pilotage rates`: app-state administration."""

from __future__ import annotations

from typing import Annotated

import typer

from pilotage.cli.common import instance, print_table
from pilotage.errors import InvalidInput

sites_app = typer.Typer(help="Sites whose traffic Pilotage measures.", no_args_is_help=True)
goals_app = typer.Typer(
    help="Goals: pages or events that count as conversions.", no_args_is_help=True
)
rates_app = typer.Typer(help="Currency rates for revenue reporting.", no_args_is_help=True)


@sites_app.command("add")
def sites_add(
    domain_name: Annotated[str, typer.Argument(metavar="DOMAIN", help="e.g. example.com")],
    timezone: Annotated[str, typer.Option(help="IANA time zone of reports.")] = "Europe/Paris",
    currency: Annotated[str, typer.Option(help="Currency revenue is reported in.")] = "EUR",
) -> None:
    """Add a site."""
    from pilotage import sites as domain

    inst = instance()
    with inst.app.session() as s:
        site = domain.add_site(s, domain_name, timezone, currency)
        typer.echo(f"Added {site.domain} ({site.timezone}, {site.currency}).")


@sites_app.command("list")
def sites_list() -> None:
    """List the sites."""
    from pilotage import sites as domain

    with instance().app.session() as s:
        rows = [(x.domain, x.timezone, x.currency, len(x.goals)) for x in domain.list_sites(s)]
    print_table("Sites", ["domain", "timezone", "currency", "goals"], rows)


def _props(values: list[str]) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidInput(f"--prop '{item}' must be KEY=VALUE", field="prop")
        out[key] = value
    return out


@goals_app.command("add")
def goals_add(
    name: Annotated[str, typer.Argument(help="Goal name, e.g. 'Purchase'.")],
    site: Annotated[str, typer.Option(help="Site domain.")],
    page: Annotated[str, typer.Option(help="Page path pattern: * in a segment, ** across.")] = "",
    event: Annotated[str, typer.Option(help="Custom event name.")] = "",
    prop: Annotated[list[str], typer.Option(help="KEY=VALUE the event must carry.")] = [],  # noqa: B006
    currency: Annotated[str, typer.Option(help="Revenue goal currency.")] = "",
) -> None:
    """Add a goal to a site."""
    from pilotage import sites as domain

    with instance().app.session() as s:
        goal = domain.add_goal(
            s,
            domain.get_site(s, site),
            name,
            page=page,
            event=event,
            props=_props(prop),
            currency=currency or None,
        )
        typer.echo(f"Added goal '{goal.name}' to {site}.")


@goals_app.command("list")
def goals_list(site: Annotated[str, typer.Option(help="Site domain.")]) -> None:
    """List a site's goals."""
    from pilotage import sites as domain

    with instance().app.session() as s:
        goals = domain.get_site(s, site).goals
        rows = [
            (g.name, g.kind, g.page_pattern or g.event_name, g.props or "", g.currency or "")
            for g in goals
        ]
    print_table(f"Goals of {site}", ["name", "kind", "match", "props", "currency"], rows)


@rates_app.command("set")
def rates_set(
    currency: Annotated[str, typer.Argument(help="ISO 4217 code, e.g. CHF.")],
    rate: Annotated[str, typer.Argument(help="Units of the site currency per unit.")],
    site: Annotated[str, typer.Option(help="Site domain.")],
) -> None:
    """Set the rate of a currency against the site currency."""
    from pilotage import sites as domain

    with instance().app.session() as s:
        r = domain.set_rate(s, domain.get_site(s, site), currency, rate)
        typer.echo(f"1 {r.currency} = {r.rate} in {site}'s currency.")
