"""The ``civicnews`` command line: a thin layer over the library.

Library errors become one-line ``click.ClickException`` messages here, at the
edge; nothing below this module prints or exits.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from pathlib import Path

import click

from civicnews import __version__
from civicnews.archive import ArchiveError
from civicnews.commands.options import db_option, portals_file_option
from civicnews.crawl_options import CrawlOptions, settings_from_pairs
from civicnews.errors import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_USAGE, UsageError
from civicnews.registry import load_registry


def _one_line(message: str, exit_code: int) -> click.ClickException:
    error = click.ClickException(message)
    error.exit_code = exit_code
    return error


class _Commands(click.Group):
    """Library errors become one line and their exit code here, once for every command."""

    def invoke(self, ctx: click.Context):
        from civicnews.lock import LockHeld

        try:
            return super().invoke(ctx)
        except UsageError as exc:
            raise _one_line(str(exc), EXIT_USAGE) from None
        except LockHeld as exc:
            raise _one_line(str(exc), EXIT_LOCKED) from None
        except ArchiveError as exc:
            raise _one_line(str(exc), EXIT_FAILED) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option(
    "--redis",
    "redis_url",
    default=None,
    metavar="URL",
    help="Run as a worker of a distributed crawl job in this Redis (see civicnews enqueue).",
)
@click.option(
    "--job", default="default", show_default=True, metavar="NAME", help="With --redis: the job."
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
    redis_url=None,
    job="default",
) -> None:
    """Crawl PORTAL(s) from the registry (default: all) into the archive.

    Incremental: archived articles are not fetched again. Exit codes: 0 success;
    1 a health check failed or the run crashed; 2 usage or configuration error;
    75 another run holds the archive's lock.
    """
    if redis_url is not None:
        _crawl_worker(portal_names, redis_url, job, portals_file, verbose, quiet, log_file,
                      as_json, overrides)  # fmt: skip
    options = CrawlOptions(
        portals=portal_names,
        db=db,
        portals_file=portals_file,
        full=full,
        since=since,
        max_articles=max_articles,
        refresh_after=refresh_after,
        time_limit=time_limit,
        log_file=log_file,
        log_level=_log_level(verbose, quiet, log_file),
        progress=_progress_wanted(quiet or as_json),
        settings=settings_from_pairs(overrides),
    )
    summary = _run(options, argv=["civicnews", *sys.argv[1:]])
    _report(summary, as_json, quiet=quiet)
    if log_file:
        for failure in summary.health:
            logging.getLogger("civicnews.health").error("health check failed: %s", failure)
        for warning in summary.warnings:
            logging.getLogger("civicnews.health").warning("health warning: %s", warning)
    sys.exit(summary.exit_code)


def _crawl_worker(portal_names, redis_url, job, portals_file, verbose, quiet, log_file, as_json,
                  overrides):  # fmt: skip
    """``crawl --redis``: a worker of a distributed job (civicnews.commands.distributed)."""
    from civicnews.commands.distributed import crawl_worker

    settings = {"LOG_LEVEL": _log_level(verbose, quiet, log_file)}
    if log_file:
        settings["LOG_FILE"] = log_file
    settings["CIVICNEWS_PROGRESS"] = _progress_wanted(quiet or as_json)
    settings.update(settings_from_pairs(overrides))
    summary = crawl_worker(portal_names, redis_url, job, portals_file, settings)
    _report(summary, as_json, quiet=quiet)
    sys.exit(summary.exit_code)


def _log_level(verbose: bool, quiet: bool, log_file: str | None) -> str:
    if log_file:
        # Scrapy then logs to the file only: the terminal (or cron mail) stays clean.
        return "DEBUG" if verbose else "INFO"
    if verbose:
        return "INFO"
    # --quiet: the summary and health lines say what went wrong, not the log.
    return "CRITICAL" if quiet else "WARNING"


def _progress_wanted(silent: bool) -> bool:
    forced = os.environ.get("CIVICNEWS_PROGRESS")
    if forced in ("0", "1"):
        return forced == "1"
    return not silent and sys.stdout.isatty()


def _run(options: CrawlOptions, argv: list[str] | None = None):
    from civicnews.crawl import run_crawl  # imports Scrapy: keep `--help` fast
    from civicnews.lock import LockHeld

    try:
        return run_crawl(options, argv=argv)
    except (UsageError, ArchiveError, LockHeld):
        raise  # _Commands makes each one line with its exit code
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
    # The replica listens on a free port, a new one each run.  Crawled as
    # http://127.0.0.1:PORT/..., every rerun would archive every article again under
    # new URLs.  The archive's URLs name a fixed host instead, and the replica is
    # reached as the HTTP proxy of that host: reruns find their articles archived,
    # two demos can run at once, and a .invalid name (RFC 2606) can never resolve,
    # so nothing can leave the machine even if the proxy were bypassed.
    start_url = f"http://{DEMO_HOST}{server.renderer.start_path}"
    os.environ["http_proxy"] = server.url  # Scrapy's HttpProxyMiddleware reads it
    for bypass in ("no_proxy", "NO_PROXY"):  # a no_proxy=* of the user's would skip it
        os.environ.pop(bypass, None)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            portals_file = Path(tmp) / "portals.toml"
            portals_file.write_text(demo_portals_toml(start_url), "utf-8")
            click.echo(
                f"Replica portal serving {articles} articles at {start_url} (on {server.url})"
            )
            options = CrawlOptions(
                portals=("demo",),
                db=db,
                portals_file=str(portals_file),
                log_level="INFO" if verbose else "WARNING",
            )
            summary = _run(options)
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


#: The host name of the demo portal in the archive's URLs (see demo()).
DEMO_HOST = "bactuliem.demo.invalid"


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
    "civicnews.commands.upgrade:upgrade",
    "civicnews.commands.report:report",
    "civicnews.commands.distributed:enqueue",
    "civicnews.commands.distributed:ingest",
    "civicnews.commands.distributed:jobs",
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
