"""The ``civicnews`` command line: a thin layer over the library.

Library errors become one-line ``click.ClickException`` messages here, at the
edge; nothing below this module prints or exits.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tempfile
from datetime import date
from pathlib import Path

import click

from civicnews import __version__
from civicnews.archive import ArchiveError
from civicnews.commands.options import db_option, portals_file_option
from civicnews.registry import RegistryError, load_registry, select

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class ConfigError(click.ClickException):
    """A usage or configuration problem: exit code 2, like click's usage errors."""

    exit_code = EXIT_USAGE


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
@click.option(
    "--full",
    is_flag=True,
    help="Walk every listing page; by default a listing stops after "
    "CIVICNEWS_INCREMENTAL_STOP_AFTER (10) archived articles in a row.",
)
@click.option("--since", metavar="DATE", help="Stop at articles dated before DATE (YYYY-MM-DD).")
@click.option("--max-articles", metavar="N", help="Stop each portal after N articles fetched.")
@click.option(
    "--refresh-after",
    metavar="DAYS",
    help="Refetch archived articles last fetched more than DAYS ago (conditional requests).",
)
@click.option(
    "--time-limit", metavar="DURATION", help="Stop each portal after DURATION (90m, 2h, 3600)."
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing unless something went wrong.")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the crawl log (INFO level) to this file instead of stderr.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log (INFO level).")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set a Scrapy or CIVICNEWS_ setting for this run (repeatable), "
    "e.g. --set DOWNLOAD_TIMEOUT=5.",
)
def crawl(
    portal_names,
    db,
    portals_file,
    full,
    since,
    max_articles,
    refresh_after,
    time_limit,
    quiet,
    log_file,
    verbose,
    as_json,
    overrides=(),
) -> None:
    """Crawl PORTAL(s) from the registry (default: all) into the archive.

    Incremental: archived articles are not fetched again. Exit codes: 0 success;
    1 a health check failed or the run crashed; 2 usage or configuration error;
    75 another run holds the archive's lock.
    """
    options = {
        "full": full,
        "since": _since(since),
        "max_articles": _count("--max-articles", max_articles),
        "refresh_after": _days("--refresh-after", refresh_after),
        "time_limit": _duration("--time-limit", time_limit),
    }
    registry = _load(portals_file)
    try:
        portals = select(registry, portal_names)
    except RegistryError as exc:
        raise ConfigError(_registry_message(exc)) from None
    settings = {"CIVICNEWS_INCREMENTAL": not full}
    if options["since"]:
        settings["CIVICNEWS_SINCE"] = options["since"]
    if options["max_articles"]:
        settings["CIVICNEWS_MAX_ARTICLES"] = options["max_articles"]
    if options["refresh_after"] is not None:
        settings["CIVICNEWS_REFRESH_AFTER_DAYS"] = options["refresh_after"]
    if options["time_limit"]:
        settings["CLOSESPIDER_TIMEOUT"] = options["time_limit"]
    settings.update(_log_settings(verbose, quiet, log_file))
    settings["CIVICNEWS_PROGRESS"] = _progress_wanted(quiet or as_json)
    settings.update(_settings_overrides(overrides))
    summary = _run(
        portals,
        db,
        portals_file,
        verbose,
        settings,
        argv=["civicnews", *sys.argv[1:]],
        options={**options, "portals": list(portal_names), "log_file": log_file},
    )
    _report(summary, as_json, quiet=quiet)
    if log_file:
        for failure in summary.health:
            logging.getLogger("civicnews.health").error("health check failed: %s", failure)
        for warning in summary.warnings:
            logging.getLogger("civicnews.health").warning("health warning: %s", warning)
    sys.exit(summary.exit_code)


def _settings_overrides(pairs) -> dict[str, str]:
    """``--set NAME=VALUE`` pairs as settings; Scrapy's typed getters parse the strings."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.isidentifier() or not name.isupper():
            raise ConfigError(f"--set {pair!r}: expected NAME=VALUE, NAME an upper-case setting")
        out[name] = value
    return out


class LockedError(click.ClickException):
    """Another run holds the archive's lock: exit 75 (EX_TEMPFAIL), try again later."""

    exit_code = 75


def _since(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ConfigError(f"--since: expected a date as YYYY-MM-DD, got {value!r}") from None


def _count(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ConfigError(f"{name}: expected a whole number of at least 1, got {value!r}")
    return number


def _days(name: str, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number >= 0 or number == float("inf"):
        raise ConfigError(f"{name}: expected a number of days (0 or more), got {value!r}")
    return number


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$")


def _duration(name: str, value: str | None) -> float | None:
    """Seconds from ``3600``, ``90s``, ``45m``, ``2h`` or ``1h30m``."""
    if value is None:
        return None
    match = _DURATION.match(value.strip().lower())
    seconds = 0.0
    if match and any(match.groups()):
        hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if seconds <= 0:
        raise ConfigError(f"{name}: expected a duration such as 90m, 2h or 3600, got {value!r}")
    return seconds


def _log_settings(verbose: bool, quiet: bool, log_file: str | None) -> dict:
    if log_file:
        # Scrapy then logs to the file only: the terminal (or cron mail) stays clean.
        return {"LOG_FILE": log_file, "LOG_LEVEL": "DEBUG" if verbose else "INFO"}
    if verbose:
        return {"LOG_LEVEL": "INFO"}
    # --quiet: the summary and health lines say what went wrong, not the log.
    return {"LOG_LEVEL": "CRITICAL" if quiet else "WARNING"}


def _progress_wanted(silent: bool) -> bool:
    forced = os.environ.get("CIVICNEWS_PROGRESS")
    if forced in ("0", "1"):
        return forced == "1"
    return not silent and sys.stdout.isatty()


def _run(portals, db, portals_file, verbose, extra_settings=None, argv=None, options=None):
    from civicnews.crawl import SettingsError, run_crawl  # imports Scrapy: keep `--help` fast
    from civicnews.lock import LockHeld

    settings = {"LOG_LEVEL": "INFO" if verbose else "WARNING", **(extra_settings or {})}
    try:
        return run_crawl(
            portals, db, portals_file=portals_file, settings=settings, argv=argv, options=options
        )
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    except LockHeld as exc:
        raise LockedError(str(exc)) from None
    except SettingsError as exc:
        raise ConfigError(str(exc)) from None
    except Exception as exc:
        raise click.ClickException(
            f"the crawl crashed ({type(exc).__name__}: {exc}); the run is recorded in "
            "crawl_runs, the traceback in the log"
        ) from None


def _report(summary, as_json: bool, quiet: bool = False) -> None:
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    elif not (quiet and summary.ok):
        header = (
            f"{'portal':<20} {'new':>6} {'known':>6} {'dropped':>7} {'pages':>6} {'errors':>6}  "
            f"{'finish':<20} health"
        )
        click.echo(header)
        for p in summary.portals:
            health = "FAILED" if not p.ok else ("warning" if p.warnings else "ok")
            click.echo(
                f"{p.portal:<20} {p.articles_new:>6} {p.articles_known:>6} {p.dropped:>7} "
                f"{p.pages:>6} {p.errors:>6}  {p.finish_reason:<20} {health}"
            )
    for failure in summary.health:
        click.echo(f"civicnews: health check failed: {failure['message']}", err=True)
    for warning in summary.warnings:
        click.echo(f"civicnews: health warning: {warning['message']}", err=True)


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
    db_arg = "" if db == "archive.db" else f" --db {db}"
    bin_dir = _bin_dir()
    click.echo("Try:")
    # Search ignores diacritics by default: typed without them, it finds "an ninh Tổ quốc".
    click.echo(f'  {bin_dir}civicnews search "an ninh to quoc"{db_arg}')
    click.echo(
        f'  {bin_dir}sqlite-utils {db} "SELECT published_at, author, title FROM articles '
        'ORDER BY published_at DESC LIMIT 5" --table'
    )
    sys.exit(EXIT_OK if summary.ok else EXIT_FAILED)


def _bin_dir() -> str:
    """Where the civicnews command lives, as a prefix to type, or "" when it is on PATH."""
    import os
    import shutil

    here = Path(sys.executable).parent
    on_path = shutil.which("civicnews")
    if on_path and Path(on_path).parent.resolve() == here.resolve():
        return ""
    try:
        return os.path.relpath(here) + os.sep
    except ValueError:
        return str(here) + os.sep


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
    "civicnews.commands.runs:runs",
    "civicnews.commands.probe:probe",
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
