"""``civicnews enqueue``, ``civicnews ingest``, ``civicnews jobs`` and the worker behind
``civicnews crawl --redis``: the thin click layer over :mod:`civicnews.distributed`.

Nothing here imports Redis or scrapy-redis before a command that needs them runs,
so a local crawl works without them installed.  Errors are one line: a bad option
exits 2, an unreachable Redis or an unknown job 1, a held archive lock 75.
"""

from __future__ import annotations

import json
import signal
import sys
from urllib.parse import urlsplit, urlunsplit

import click

from civicnews.archive import ArchiveError
from civicnews.commands.options import db_option, portals_file_option
from civicnews.errors import UsageError

DEFAULT_JOB = "default"


def redis_option(f):
    return click.option(
        "--redis",
        "redis_url",
        required=True,
        metavar="URL",
        help="The job's Redis, e.g. redis://HOST:6379/0.",
    )(f)


def job_option(f):
    return click.option(
        "--job",
        default=DEFAULT_JOB,
        show_default=True,
        metavar="NAME",
        help="The crawl job: its frontier, dupefilter and item stream in Redis.",
    )(f)


def redacted(url: str) -> str:
    """The URL without its password, for run records and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


def _errors(func, *args, **kwargs):
    """Run ``func``, turning library errors into one-line click errors."""
    from civicnews.distributed import DistributedError, DistributedUsageError
    from civicnews.lock import LockHeld
    from civicnews.registry import RegistryError

    try:
        return func(*args, **kwargs)
    except DistributedUsageError as exc:
        raise UsageError(str(exc)) from None
    except (DistributedError, ArchiveError) as exc:
        raise click.ClickException(str(exc)) from None
    except RegistryError as exc:
        raise UsageError(f"{exc.source}: " + "; ".join(exc.problems)) from None
    except LockHeld:
        raise  # the command group makes it one line and exit 75, as for every command
    except Exception as exc:
        import redis

        if isinstance(exc, redis.RedisError):
            raise click.ClickException(f"Redis failed: {exc}") from None
        raise


def _client(url: str):
    from civicnews.distributed import connect

    return connect(url)


def _portals(registry, names):
    from civicnews.registry import select

    return select(registry, names)


#: Options of a local crawl that are the job's in a distributed one (given to enqueue).
JOB_OPTIONS = {
    "full": "--full",
    "since": "--since",
    "refresh_after": "--refresh-after",
    "max_articles": "--max-articles",
}


def crawl_worker(options, redis_url, job):
    """``civicnews crawl --redis``: returns the worker's RunSummary (cli reports it).

    ``options`` are the crawl's, checked (CrawlOptions); those that are the job's are
    refused here, the time limit is this worker's."""
    from civicnews.distributed import require_redis
    from civicnews.distributed.keys import check_job
    from civicnews.errors import UsageError as SettingsError
    from civicnews.registry import load_registry

    for name, flag in JOB_OPTIONS.items():
        if getattr(options, name) not in (None, False):
            raise UsageError(
                f"{flag} is the job's, the same for every worker: give it to civicnews enqueue "
                f"--job {job}"
            )
    settings = {"LOG_LEVEL": options.log_level, "CIVICNEWS_PROGRESS": options.progress}
    if options.log_file:
        settings["LOG_FILE"] = options.log_file
    if options.time_limit is not None:
        settings["CLOSESPIDER_TIMEOUT"] = options.time_limit
    settings.update(options.settings)
    portals_file = settings.get("CIVICNEWS_PORTALS_FILE") or options.portals_file

    def start():
        require_redis()  # before anything imports scrapy-redis: one line if it is missing
        from civicnews.distributed.jobs import require_job
        from civicnews.distributed.worker import run_worker

        check_job(job)
        registry = load_registry(portals_file)
        names = list(options.portals) or require_job(_client(redis_url), job)["portals"]
        portals = _portals(registry, names)
        try:
            return run_worker(portals, redis_url, job, portals_file=portals_file, settings=settings)
        except SettingsError as exc:
            raise UsageError(str(exc)) from None

    return _errors(start)


@click.command()
@click.argument("portal_names", nargs=-1, metavar="[PORTAL]...")
@redis_option
@job_option
@click.option(
    "--db",
    default=None,
    type=click.Path(dir_okay=False),
    help="The archive, read only: what it holds is not fetched again (incremental).",
)
@portals_file_option
@click.option("--full", is_flag=True, help="The job's workers walk every listing page.")
@click.option("--since", metavar="DATE", help="The job stops at articles dated before DATE.")
@click.option(
    "--refresh-after",
    metavar="DAYS",
    help="The job refetches archived articles last fetched more than DAYS ago.",
)
@click.option("--max-articles", metavar="N", help="The job stores at most N articles per portal.")
@click.option("--json", "as_json", is_flag=True, help="Print what was seeded as JSON.")
def enqueue(
    portal_names, redis_url, job, db, portals_file, full, since, refresh_after, max_articles,
    as_json,
) -> None:  # fmt: skip
    """Seed crawl job NAME in Redis with PORTAL(s) (default: all) for workers to crawl.

    With --db, what the archive knows of each portal is published for the workers, so
    they crawl incrementally as a local crawl does. --full, --since, --refresh-after and
    --max-articles are the job's: every worker crawls by them.
    """
    from civicnews.crawl_options import CrawlOptions
    from civicnews.distributed.jobs import enqueue as seed
    from civicnews.distributed.keys import check_job
    from civicnews.errors import UsageError as OptionError
    from civicnews.registry import load_registry

    try:
        checked = CrawlOptions(
            full=full, since=since, refresh_after=refresh_after, max_articles=max_articles
        )
    except OptionError as exc:
        raise UsageError(str(exc)) from None
    options = {
        "full": checked.full,
        "since": checked.since and checked.since.isoformat(),
        "refresh_after": checked.refresh_after,
        "max_articles": checked.max_articles,
    }

    def run():
        check_job(job)
        portals = _portals(load_registry(portals_file), portal_names)
        return seed(
            _client(redis_url), job, portals, db_path=db, portals_file=portals_file,
            options=options,
        )  # fmt: skip

    seeded = _errors(run)
    if as_json:
        click.echo(json.dumps([s.__dict__ for s in seeded], indent=2))
        return
    for s in seeded:
        click.echo(
            f"{job}: {s.portal}: {s.start_urls} start URLs queued; the workers know its "
            f"{s.known} archived articles ({s.state_bytes} bytes in Redis)"
        )


@click.command()
@redis_option
@job_option
@db_option
@click.option("--once", is_flag=True, help="Drain what the stream holds now, then exit.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=None,
    help="Items per write transaction (default CIVICNEWS_BATCH_SIZE, 500).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing unless something went wrong.")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="A setting for the job's health checks and the writes (repeatable), "
    "e.g. --set CIVICNEWS_HEALTH_STALE_DAYS=30.",
)
def ingest(redis_url, job, db, once, batch_size, quiet, overrides=()) -> None:
    """Store job NAME's items into the archive, as its single writer.

    Runs until the job is complete (workers stopped, frontier empty, items stored),
    then records the job's run with its health checks; --once drains and exits.
    Safe to stop or kill at any moment. Exit codes: 0 done; 1 a health check failed
    or Redis/the archive failed; 2 usage error; 75 another process holds the archive.
    """
    from civicnews.archive import connect
    from civicnews.crawl import project_settings
    from civicnews.crawl_options import check_settings, settings_from_pairs
    from civicnews.distributed.ingest import Ingester
    from civicnews.distributed.keys import check_job
    from civicnews.errors import UsageError as OptionError
    from civicnews.lock import ArchiveLock, LockError

    argv = ["civicnews", *sys.argv[1:]]
    stopping = []
    try:
        # Checked before anything starts, as crawl's --set.
        settings = project_settings(settings_from_pairs(overrides))
        check_settings(settings)
    except OptionError as exc:
        raise UsageError(str(exc)) from None

    def stop(signum, frame):
        stopping.append(signum)

    def run():
        check_job(job)
        client = _client(redis_url)
        connect(db).conn.close()  # fail fast on an unusable archive
        lock = ArchiveLock(db, argv=argv)
        try:
            lock.acquire()
        except LockError as exc:
            raise ArchiveError(str(exc.strerror or exc)) from None
        try:
            batch = batch_size or settings.getint("CIVICNEWS_BATCH_SIZE", 500)
            ingester = Ingester(
                client, job, db, batch_size=batch, argv=argv, redis_label=redacted(redis_url),
                settings=settings,
            )  # fmt: skip
            return ingester.run(once=once, stop=lambda: bool(stopping))
        finally:
            lock.release()

    # A stop finishes the batch in hand; a kill loses nothing either (see ingest.py).
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    summary = _errors(run)
    if not quiet or summary.exit_code:
        state = "complete" if summary.complete else "stopped" if stopping else "drained"
        click.echo(
            f"{job}: {summary.stored} items stored, {summary.failed} failed pages recorded, "
            f"{summary.duplicates} duplicates skipped, {summary.already} already archived; "
            f"job {state}"
        )
    if summary.run is not None:
        for failure in summary.run.health:
            click.echo(f"civicnews: health check failed: {failure['message']}", err=True)
    sys.exit(summary.exit_code)


@click.command()
@redis_option
@click.option("--job", default=None, metavar="NAME", help="Show only this job.")
@click.option(
    "--drop",
    metavar="JOB",
    default=None,
    help="Delete every Redis key of JOB (refused while items wait or workers run).",
)
@click.option("--force", is_flag=True, help="With --drop: drop even so.")
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as JSON.")
def jobs(redis_url, job, drop, force, as_json) -> None:
    """List the crawl jobs in Redis: frontier, leased requests, workers, items waiting."""
    from civicnews.distributed import jobs as lib
    from civicnews.distributed.keys import check_job

    def run():
        client = _client(redis_url)
        if drop is not None:
            check_job(drop)
            return lib.drop(client, drop, force=force)
        names = [check_job(job)] if job else lib.list_jobs(client)
        return [lib.status(client, name) for name in names]

    if force and drop is None:
        raise UsageError("--force only goes with --drop JOB")
    found = _errors(run)
    if drop is not None:
        click.echo(f"dropped job {drop}: {found} keys deleted")
        return
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in found], indent=2))
        return
    if not found:
        click.echo("no crawl jobs in Redis")
    for s in found:
        if not s.exists:
            click.echo(f"{s.job}: no such job")
            continue
        state = "complete" if s.complete else "crawled" if s.crawled else "crawling"
        click.echo(f"{s.job}: {state}, created {s.created_at}, {s.items} items to ingest")
        for portal in s.portals:
            click.echo(
                f"  {portal:<20} {s.waiting.get(portal, 0):>7} queued {s.leased.get(portal, 0):>5}"
                " leased"
            )
        for name, data in sorted(s.workers.items()):
            worker, _, portal = name.partition("|")
            alive = worker in s.alive
            state = data.get("finish_reason") or ("running" if alive else "killed")
            click.echo(
                f"  worker {worker} {portal}: {int(data.get('downloader/response_count', 0))} "
                f"pages, {int(data.get('civicnews/redis/items_sent', 0))} items, {state}"
            )
