"""``civicnews demo``: crawl a bundled replica portal, offline, into an archive."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from civicnews.commands.crawl import print_summary, run_crawl_or_explain
from civicnews.commands.options import db_option
from civicnews.crawl_options import CrawlOptions
from civicnews.errors import EXIT_FAILED, EXIT_OK


@click.command()
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
            summary = run_crawl_or_explain(options)
    finally:
        server.stop()
    print_summary(summary, False)
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
