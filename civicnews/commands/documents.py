"""``civicnews extract``: the text and metadata of archived files, after the crawl.

Takes the archive's lock (a crawl running on it makes this exit 75; run it after
the crawl: ``civicnews crawl; civicnews extract``), upgrades the archive like a
crawl would, and extracts every stored file with no text yet.
"""

from __future__ import annotations

import json
import sqlite3
import sys

import click

from civicnews.archive import ArchiveError, connect
from civicnews.archive.db import explain, require_archive
from civicnews.commands.options import db_option
from civicnews.documents.result import STATUSES
from civicnews.documents.sandbox import MEMORY_MB, TIMEOUT, Extractor
from civicnews.documents.store import extract_pending
from civicnews.lock import ArchiveLock, LockError


@click.command()
@db_option
@click.option(
    "--again",
    "again",
    multiple=True,
    type=click.Choice(list(STATUSES)),
    metavar="STATUS",
    help="Also re-extract files in this status (repeatable), e.g. timeout after raising --timeout.",
)
@click.option("--limit", type=click.IntRange(1), default=None, help="At most N files this run.")
@click.option(
    "--timeout",
    type=click.FloatRange(0.1),
    default=TIMEOUT,
    show_default=True,
    help="Seconds one file may take.",
)
@click.option(
    "--memory",
    "memory_mb",
    type=click.IntRange(128),
    default=MEMORY_MB,
    show_default=True,
    help="MB of address space the extraction process may use.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing unless something went wrong.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts per status as JSON.")
def extract(db, again, limit, timeout, memory_mb, quiet, as_json) -> None:
    """Extract the text and document metadata of archived files that have none yet.

    PDF (text layer), DOCX, XLSX and ODT are read in a child process limited in
    memory and time; every outcome is a status (ok, partial, no-text, encrypted,
    broken, too-large, timeout, unsupported, failed), never a crash.
    """
    show = sys.stderr.isatty() and not quiet

    def progress(done: int, total: int, status: str) -> None:
        if show:
            click.echo(f"\rextract: {done:,}/{total:,} files", nl=False, err=True)

    require_archive(db)
    try:
        with ArchiveLock(db, argv=sys.argv):
            conn = connect(db, create=False).conn
            try:
                with Extractor(timeout=timeout, memory_mb=memory_mb) as extractor:
                    counts = extract_pending(
                        conn, extractor, again=again, limit=limit, progress=progress
                    )
            finally:
                conn.close()
    except LockError as exc:
        raise ArchiveError(exc.strerror or str(exc)) from None
    except sqlite3.Error as exc:  # a full disk while saving: committed files stay
        raise ArchiveError(explain(exc, db)) from None
    if show:
        click.echo("", err=True)
    counts = dict(sorted(counts.items()))
    if as_json:
        click.echo(json.dumps({"files": sum(counts.values()), "statuses": counts}))
        return
    if quiet:
        return
    summary = ", ".join(f"{status} {n:,}" for status, n in counts.items()) or "nothing to do"
    click.echo(f"extracted {sum(counts.values()):,} files: {summary}")
