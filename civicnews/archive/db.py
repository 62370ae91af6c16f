"""The one home for opening an archive: read-write (the crawl) or read-only (everything else).

:func:`connect` opens read-write: WAL, foreign keys, a busy timeout, and it creates the archive
and applies pending schema upgrades.  Only writers use it (the crawl, ``Archive.store``).
:func:`open_readonly` is what ``search``, ``stats``, ``runs`` and ``export`` use: it never
writes to the archive, refuses a file that is not a civicnews archive at this civicnews'
schema version, and reads archives on read-only media.  :func:`archive_uri` builds the
``file:`` URIs both need, escaped, so '#', '?' and '%' in a path stay part of the path.

Every failure an operator can cause (read-only file, missing directory,
locked or corrupt database, full disk, archive from a newer civicnews) is
turned into :class:`ArchiveError` with one line that says what to do.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

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


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


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

    A deferred BEGIN that reads before it writes can fail half-way with
    SQLITE_BUSY when another connection wrote in between (the WAL snapshot is
    stale and cannot be upgraded); IMMEDIATE takes the write lock first, so the
    busy timeout applies and the batch never starts twice.
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


def archive_uri(path: str | Path, **params: str | int) -> str:
    """The SQLite ``file:`` URI of ``path`` with query ``params`` (``mode="ro"``...).

    ``Path.as_uri()`` percent-encodes every byte SQLite's URI parser would read as syntax
    ('#' starts a fragment, '?' the parameters, '%' an escape), so the URI always names
    ``path`` itself; SQLite decodes the escapes back to the file name.
    """
    uri = Path(os.path.abspath(path)).as_uri()
    return f"{uri}?{urlencode(params)}" if params else uri


def require_archive(path: str | Path) -> None:
    """Refuse, in one line, a ``path`` where nothing is: commands that read or take the
    archive's lock call it first (the lock file cannot be made in a missing directory,
    and saying so would hide that the archive itself is missing)."""
    if not Path(path).exists():
        raise ArchiveError(f"no archive at {path}: run `civicnews crawl` first or pass --db")


def connect(
    path: str | Path, *, create: bool = True, readonly: bool = False
) -> sqlite_utils.Database:
    """Open (and create, upgrade) the archive at ``path`` to write it.

    ``readonly=True`` is :func:`open_readonly` instead: nothing is created or upgraded.
    """
    path = Path(path)
    if readonly:
        return sqlite_utils.Database(open_readonly(path))
    if not create:
        require_archive(path)
    if create and not path.parent.exists():
        raise ArchiveError(f"cannot create archive {path}: directory {path.parent} does not exist")
    conn = None
    try:
        # A plain file name, never parsed as a URI.  isolation_level=None:
        # transactions are explicit (BEGIN in migrate, write_transaction in
        # writers), never opened implicitly by the driver.
        conn = sqlite3.connect(
            str(path), timeout=10, isolation_level=None,
            # Without its writer process (CIVICNEWS_STORE_PROCESS=false, or the process
            # could not start), the store writes its batches on a worker thread.
            check_same_thread=False,
        )  # fmt: skip
        conn.execute("PRAGMA busy_timeout = 10000")
        if schema_version(conn) == 0 and _tables(conn):
            # Another program's database: not one byte of it may change (even the
            # journal mode in its header), and civicnews' tables must not be added.
            raise ArchiveError(_not_an_archive(path))
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        # A batch of 500 articles with raw pages and two FTS indexes dirties
        # more than the default 2 MB page cache; spilling mid-transaction costs.
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, path)
    except (sqlite3.Error, ArchiveError) as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, ArchiveError):
            raise
        if "unable to open" in str(exc) and path.exists():
            # The file is there but SQLite cannot open it for writing: a
            # read-only file system, or a directory where -wal/-shm cannot be made.
            raise ArchiveError(
                f"archive {path} is read-only (or its directory is): make it writable or "
                "pass another --db"
            ) from None
        raise ArchiveError(explain(exc, path)) from None
    return sqlite_utils.Database(conn)


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """Open the civicnews archive at ``path`` to read it; nothing is ever written to it.

    Refused with one line (:class:`ArchiveError`): a missing file, a file that is not a
    SQLite database, a SQLite database that is not a civicnews archive (an empty file
    included), and an archive whose schema is newer or older than this civicnews' (only
    a crawl creates or upgrades archives).  Transactions are explicit (``BEGIN``).
    """
    path = Path(path)
    require_archive(path)
    if path.is_dir():
        raise ArchiveError(f"{path} is a directory, not an archive: pass the archive file as --db")
    try:
        conn = _connect_readonly(path)
    except sqlite3.Error as exc:
        raise ArchiveError(_explain_readonly(exc, path)) from None
    try:
        check_archive(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def check_archive(conn: sqlite3.Connection, path: str | Path) -> None:
    """Refuse (:class:`ArchiveError`) what is not a civicnews archive of this schema version."""
    try:
        version = schema_version(conn)
        tables = _tables(conn)
    except sqlite3.Error as exc:
        raise ArchiveError(_explain_readonly(exc, Path(path))) from None
    if version == 0 or "articles" not in tables:
        raise ArchiveError(_not_an_archive(path))
    if version > SCHEMA_VERSION:
        raise ArchiveError(
            f"archive {path} has schema version {version}, newer than this civicnews "
            f"understands ({SCHEMA_VERSION}): upgrade civicnews"
        )
    if version < SCHEMA_VERSION:
        raise ArchiveError(
            f"archive {path} has schema version {version} and must be upgraded to "
            f"{SCHEMA_VERSION}: run `civicnews upgrade --db {path}` (commands that read never "
            "write)"
        )


def _not_an_archive(path: str | Path) -> str:
    if Path(path).is_file() and Path(path).stat().st_size == 0:
        return f"{path} is an empty file, not a civicnews archive: pass the archive as --db"
    return (
        f"{path} is not a civicnews archive (a SQLite database without civicnews' tables): "
        "pass the archive as --db"
    )


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A ``mode=ro`` connection; on read-only media, ``immutable=1`` when that is safe.

    A reader of a WAL archive needs its ``-shm`` file (and SQLite makes it, with an empty
    ``-wal``, when they are missing).  Where they cannot be made (a read-only file
    system: SQLITE_CANTOPEN; a directory the user cannot write: SQLITE_READONLY_DIRECTORY)
    ``mode=ro`` cannot open the archive, so it is read as ``immutable=1``: SQLite then
    takes no locks and ignores any ``-wal`` file.  That is safe here because nothing can
    write the archive either: a writer needs the same files.  It would not be safe with a
    non-empty ``-wal`` left by a crawl that was killed: its last committed batches are
    only in that file, so that case is refused.  (One case stays unsafe: another user
    crawling into a directory this user cannot write, caught between two batches with an
    empty ``-wal``; the reader then sees the archive as of the last checkpoint.)
    """
    conn = sqlite3.connect(archive_uri(path, mode="ro"), uri=True, timeout=10, isolation_level=None)
    try:
        # Opening is lazy: the first read opens the file (and the -shm of a WAL archive).
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if not _cannot_share_memory(exc):
            raise
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ArchiveError(
            f"archive {path} was not closed cleanly (its last changes are in {wal.name}) and "
            f"its directory is read-only: copy {path.name} with {wal.name} somewhere writable"
        )
    conn = sqlite3.connect(
        archive_uri(path, mode="ro", immutable=1), uri=True, timeout=10, isolation_level=None
    )
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def _cannot_share_memory(exc: sqlite3.Error) -> bool:
    """Did ``mode=ro`` fail only for want of a writable place for the -shm file?"""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY")) or "unable to open" in str(exc)


def _explain_readonly(exc: sqlite3.Error, path: Path) -> str:
    if "unable to open" in str(exc).lower():
        return f"cannot read archive {path}: check its permissions and those of its directory"
    if "not a database" in str(exc).lower():
        return f"{path} is not a readable civicnews archive ({exc}): pass the archive as --db"
    return explain(exc, path)
