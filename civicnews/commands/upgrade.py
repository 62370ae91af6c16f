"""``civicnews upgrade``: bring an archive's schema up to this civicnews, and nothing else.

Reading commands never write, not even to upgrade (see ``archive.db.open_readonly``), so an
archivist holding an archive made by an older civicnews needs a way to upgrade it that fetches
nothing: a crawl would contact every portal of the registry.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click

from civicnews.archive import ArchiveError, connect
from civicnews.archive.db import archive_uri, schema_version
from civicnews.archive.schema import SCHEMA_VERSION
from civicnews.commands.options import db_option
from civicnews.lock import ArchiveLock, LockError


def _version_before(db: str) -> int:
    """The archive's schema version, read without writing a byte; refuses what is no archive."""
    if not Path(db).is_file():
        raise ArchiveError(f"no archive at {db}: pass the archive to upgrade as --db")
    try:
        conn = sqlite3.connect(archive_uri(db, mode="ro"), uri=True)
        try:
            version = schema_version(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise ArchiveError(f"{db} is not a civicnews archive ({exc}): pass it as --db") from None
    if version == 0:
        # connect() would turn an empty file into a new archive: upgrading is not creating.
        raise ArchiveError(f"{db} is not a civicnews archive: pass the archive as --db")
    return version


@click.command()
@db_option
def upgrade(db) -> None:
    """Upgrade the archive's schema to this civicnews' (takes the archive's lock; fetches nothing).

    Migrations are applied in order, each in its own transaction, so an interrupted upgrade
    leaves the archive at its last complete version and a rerun finishes it.
    """
    before = _version_before(db)
    try:
        with ArchiveLock(db):
            connect(db, create=False).close()
    except LockError as exc:
        raise ArchiveError(exc.strerror or str(exc)) from None
    if before == SCHEMA_VERSION:
        click.echo(f"archive {db} is already at schema version {SCHEMA_VERSION}")
    else:
        click.echo(f"archive {db} upgraded from schema version {before} to {SCHEMA_VERSION}")
