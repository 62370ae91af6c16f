"""``civicnews crawl``: crawl portals into the archive, locally or as a distributed worker.

Also the crawl's shared edge for ``civicnews demo``: running a crawl with its errors
made one line (:func:`run_crawl_or_explain`) and printing its summary (:func:`print_summary`).
"""

from __future__ import annotations

import json
import logging
import os
import sys

import click

from civicnews.archive import ArchiveError
from civicnews.commands.options import db_option, portals_file_option
from civicnews.crawl_options import CrawlOptions, settings_from_pairs
from civicnews.errors import UsageError


@click.command()
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
@click.option(
    "--images",
    is_flag=True,
    help="Archive the images in article bodies too (CIVICNEWS_FILES_IMAGES).",
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
    images=False,
) -> None:
    """Crawl PORTAL(s) from the registry (default: all) into the archive.

    Incremental: archived articles are not fetched again. Exit codes: 0 success;
    1 a health check failed or the run crashed; 2 usage or configuration error;
    75 another run holds the archive's lock.
    """
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
        # --images first: a --set of the same setting wins, as --set always does.
        settings={**({"CIVICNEWS_FILES_IMAGES": True} if images else {}),
                  **settings_from_pairs(overrides)},  # fmt: skip
    )
    if redis_url is not None:
        _crawl_worker(options, redis_url, job, as_json, quiet)
    summary = run_crawl_or_explain(options, argv=["civicnews", *sys.argv[1:]])
    print_summary(summary, as_json, quiet=quiet)
    if log_file:
        for failure in summary.health:
            logging.getLogger("civicnews.health").error("health check failed: %s", failure)
        for warning in summary.warnings:
            logging.getLogger("civicnews.health").warning("health warning: %s", warning)
    sys.exit(summary.exit_code)


def _crawl_worker(options, redis_url, job, as_json, quiet):
    """``crawl --redis``: a worker of a distributed job (civicnews.commands.distributed)."""
    from civicnews.commands.distributed import crawl_worker

    summary = crawl_worker(options, redis_url, job)
    print_summary(summary, as_json, quiet=quiet)
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


def run_crawl_or_explain(options: CrawlOptions, argv: list[str] | None = None):
    from civicnews.crawl import run_crawl  # imports Scrapy: keep `--help` fast
    from civicnews.lock import LockHeld

    try:
        return run_crawl(options, argv=argv)
    except (UsageError, ArchiveError, LockHeld):
        raise  # civicnews.cli makes each one line with its exit code
    except Exception as exc:
        raise click.ClickException(
            f"the crawl crashed ({type(exc).__name__}: {exc}); the run is recorded in "
            "crawl_runs, the traceback in the log"
        ) from None


def print_summary(summary, as_json: bool, quiet: bool = False) -> None:
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
