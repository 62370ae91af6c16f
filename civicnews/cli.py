"""The ``civicnews`` command line: a thin layer over the library.

Library errors become one-line ``click.ClickException`` messages here, at the
edge; nothing below this module prints or exits.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click

from civicnews import __version__
from civicnews.archive import ArchiveError
from civicnews.registry import RegistryError, load_registry, select

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class ConfigError(click.ClickException):
    """A usage or configuration problem: exit code 2, like click's usage errors."""

    exit_code = EXIT_USAGE


def db_option(f):
    return click.option(
        "--db",
        "db",
        default="archive.db",
        show_default=True,
        type=click.Path(dir_okay=False),
        help="Path of the SQLite archive.",
    )(f)


def portals_file_option(f):
    return click.option(
        "--portals-file",
        type=click.Path(dir_okay=False),
        default=None,
        help="TOML file adding or overriding portal registry entries.",
    )(f)


def _load(portals_file: str | None):
    try:
        return load_registry(portals_file)
    except RegistryError as exc:
        raise ConfigError(_registry_message(exc)) from None


def _registry_message(exc: RegistryError) -> str:
    return f"{exc.source}: " + "; ".join(exc.problems)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="civicnews")
def cli() -> None:
    """Archive crawler for Vietnamese local-government news portals."""


@cli.command()
@click.argument("portal_names", nargs=-1, metavar="[PORTAL]...")
@db_option
@portals_file_option
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log (INFO level).")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
def crawl(portal_names, db, portals_file, verbose, as_json) -> None:
    """Crawl PORTAL(s) from the registry (default: all) into the archive."""
    registry = _load(portals_file)
    try:
        portals = select(registry, portal_names)
    except RegistryError as exc:
        raise ConfigError(_registry_message(exc)) from None
    summary = _run(portals, db, portals_file, verbose)
    _report(summary, as_json)
    sys.exit(EXIT_OK if summary.ok else EXIT_FAILED)


def _run(portals, db, portals_file, verbose, extra_settings=None):
    from civicnews.crawl import run_crawl  # imports Scrapy: keep `--help` fast

    settings = {"LOG_LEVEL": "INFO" if verbose else "WARNING", **(extra_settings or {})}
    try:
        return run_crawl(portals, db, portals_file=portals_file, settings=settings)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None


def _report(summary, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
        return
    header = (
        f"{'portal':<20} {'new':>6} {'known':>6} {'dropped':>7} {'pages':>6} {'errors':>6}  finish"
    )
    click.echo(header)
    for p in summary.portals:
        click.echo(
            f"{p.portal:<20} {p.articles_new:>6} {p.articles_known:>6} {p.dropped:>7} "
            f"{p.pages:>6} {p.errors:>6}  {p.finish_reason}"
        )
    for p in summary.portals:
        if p.archive_error:
            click.echo(f"error: {p.archive_error}", err=True)


@cli.command()
@db_option
@click.option(
    "--articles",
    default=60,
    show_default=True,
    type=click.IntRange(10, 100_000),
    help="Size of the replica portal.",
)
@click.option("--seed", default=1, show_default=True, type=int, help="Replica content seed.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log (INFO level).")
def demo(db, articles, seed, verbose) -> None:
    """Crawl a bundled replica of the Bắc Từ Liêm portal (offline) into the archive."""
    from civicnews.replica import ReplicaServer

    server = ReplicaServer(family="liferay", articles=articles, seed=seed)
    try:
        server.start()
    except OSError as exc:
        raise click.ClickException(f"cannot start the replica portal: {exc}") from None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            portals_file = Path(tmp) / "portals.toml"
            portals_file.write_text(demo_portals_toml(server.start_url), "utf-8")
            registry = _load(str(portals_file))
            click.echo(f"Replica portal serving {articles} articles at {server.start_url}")
            summary = _run([registry["demo"]], db, str(portals_file), verbose)
    finally:
        server.stop()
    _report(summary, False)
    click.echo(f"\nArchive: {Path(db).resolve()}")
    click.echo("Try:")
    click.echo(
        f'  sqlite3 {db} "SELECT published_at, author, title FROM articles '
        'ORDER BY published_at DESC LIMIT 5"'
    )
    sys.exit(EXIT_OK if summary.ok else EXIT_FAILED)


def demo_portals_toml(start_url: str) -> str:
    """Registry entry for a local replica: no delay, concurrency alone bounds it."""
    return (
        "[portals.demo]\n"
        'name = "Replica of Quận Bắc Từ Liêm (demo)"\n'
        'family = "liferay"\n'
        f'start_urls = ["{start_url}"]\n'
        "delay = 0\n"
        "concurrency = 8\n"
    )


@cli.command()
@portals_file_option
@click.option("--json", "as_json", is_flag=True, help="Print the registry as JSON.")
def portals(portals_file, as_json) -> None:
    """List the portals in the registry."""
    registry = _load(portals_file)
    if as_json:
        click.echo(
            json.dumps([p.to_dict() for p in registry.values()], ensure_ascii=False, indent=2)
        )
        return
    click.echo(f"{'key':<16} {'family':<15} {'name':<32} start URL")
    for p in registry.values():
        family = p.family + ("?" if p.family_guess else "")
        click.echo(f"{p.key:<16} {family:<15} {p.name:<32} {p.start_urls[0]}")


# Command groups living in their own modules ("module:attribute"); each
# feature adds its line here and keeps its commands in its own file.
COMMAND_MODULES = [
    "civicnews.replica.cli:replica",
    "civicnews.commands.archive:search",
    "civicnews.commands.archive:stats",
    "civicnews.commands.export:export",
    "civicnews.commands.export:verify",
]


def _mount(spec: str) -> None:
    from importlib import import_module

    module, _, attr = spec.partition(":")
    cli.add_command(getattr(import_module(module), attr))


for _spec in COMMAND_MODULES:
    _mount(_spec)


def main() -> None:
    cli(prog_name="civicnews")


if __name__ == "__main__":
    main()
