"""``civicnews portals``: list the portal registry."""

from __future__ import annotations

import json

import click

from civicnews.commands.options import portals_file_option
from civicnews.registry import load_registry


@click.command()
@portals_file_option
@click.option("--json", "as_json", is_flag=True, help="Print the registry as JSON.")
def portals(portals_file, as_json) -> None:
    """List the portals in the registry."""
    registry = load_registry(portals_file)
    if as_json:
        click.echo(
            json.dumps([p.to_dict() for p in registry.values()], ensure_ascii=False, indent=2)
        )
        return
    click.echo(f"{'key':<16} {'family':<15} {'name':<32} start URL")
    for p in registry.values():
        family = p.family + ("?" if p.family_guess else "")
        click.echo(f"{p.key:<16} {family:<15} {p.name:<32} {p.start_urls[0]}")
