"""Open an archive safely: WAL, foreign keys, a busy timeout, schema upgrades.

Every failure an operator can cause (read-only file, missing directory,
locked or corrupt database, full disk, archive from a newer civicnews) is
turned into :class:`ArchiveError` with one line that says what to do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from civicnews.archive.schema import MIGRATIONS, SCHEMA_VERSION


class ArchiveError(RuntimeError):
    """A problem with the archive file that the user must fix."""


def explain(exc: sqlite3.Error, path: str | Path) -> str:
    """One actionable line for a SQLite error on ``path``."""
    msg = str(exc).lower()
    if "readonly" in msg or "read-only" in msg:
        return f"archive {path} is read-only: make it writable or pass another --db"
    if "disk is full" in msg or "disk i/o" in msg:
        return f"cannot write archive {path}: the disk is full or failing; free space and rerun"
    if "locked" in msg or "busy" in msg:
        return f"archive {path} is locked by another process: wait for it to finish and rerun"
    if "not a database" in msg or "malformed" in msg:
        return f"{path} is not a readable civicnews archive ({exc}); restore it from a backup"
    if "unable to open" in msg:
        return f"cannot open archive {path}: check that its directory exists and is writable"
    return f"archive {path}: {exc}"


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, path: str | Path = "archive") -> None:
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise ArchiveError(
            f"archive {path} has schema version {current}, newer than this civicnews "
            f"understands ({SCHEMA_VERSION}): upgrade civicnews"
        )
    for version, apply in MIGRATIONS:
        if version <= current:
            continue
        # One transaction per step (executescript would commit early, so run
        # statements through a savepoint-free BEGIN): a crash leaves the
        # archive at a consistent version, and the step is redone next time.
        conn.execute("BEGIN IMMEDIATE")
        try:
            apply(conn)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken with BEGIN IMMEDIATE.

    A deferred BEGIN (``db.atomic()``) that reads before it writes can fail
    half-way with SQLITE_BUSY when another connection wrote in between (the
    WAL snapshot is stale and cannot be upgraded); IMMEDIATE takes the write
    lock first, so the busy timeout applies and the batch never starts twice.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        # COMMIT itself can fail (disk full): roll back whatever is still open.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def connect(
    path: str | Path, *, create: bool = True, readonly: bool = False
) -> sqlite_utils.Database:
    """Open (and create, upgrade) the archive at ``path``."""
    path = Path(path)
    if not create and not path.exists():
        raise ArchiveError(f"no archive at {path}: run `civicnews crawl` first or pass --db")
    if create and not path.parent.exists():
        raise ArchiveError(f"cannot create archive {path}: directory {path.parent} does not exist")
    try:
        if readonly:
            conn = _open_readonly(path)
        else:
            # isolation_level=None: transactions are explicit (BEGIN in migrate,
            # db.atomic() in writers), never opened implicitly by the driver.
            conn = sqlite3.connect(
                str(path), timeout=10, isolation_level=None,
                # The store writes batches on a worker thread, one at a time.
                check_same_thread=False,
            )
        conn.execute("PRAGMA busy_timeout = 10000")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            # A batch of 500 articles with raw pages and two FTS indexes dirties
            # more than the default 2 MB page cache; spilling mid-transaction costs.
            conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            migrate(conn, path)
        elif schema_version(conn) > SCHEMA_VERSION:
            raise ArchiveError(f"archive {path} is from a newer civicnews: upgrade civicnews")
    except sqlite3.Error as exc:
        if "unable to open" in str(exc) and path.exists():
            # The file is there but SQLite cannot open it for writing: a
            # read-only file system, or a directory where -wal/-shm cannot be made.
            raise ArchiveError(
                f"archive {path} is read-only (or its directory is): make it writable or "
                "pass another --db"
            ) from None
        raise ArchiveError(explain(exc, path)) from None
    return sqlite_utils.Database(conn)


def _open_readonly(path: Path) -> sqlite3.Connection:
    uri = path.resolve().as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=10)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        # On read-only media a WAL archive cannot get its -shm file.  Closed
        # cleanly (no -wal file left) it is complete in the main file and can
        # be read as immutable; with a -wal file left, immutable would miss data.
        wal = path.with_name(path.name + "-wal")
        if "unable to open" not in str(exc) or wal.exists():
            raise
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=10)
