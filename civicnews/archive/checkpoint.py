"""Checkpoint the WAL on a thread of its own, so a batch never waits on fsync.

SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past
``wal_autocheckpoint`` pages: it copies the WAL into the database file and
fsyncs both, on the writer's thread.  A batch of 500 articles with raw pages
writes about 9 MB, so every commit crossed it, and measured, the checkpoint
was half of each COMMIT.  A ``PASSIVE`` checkpoint never blocks the writer
(it copies the frames committed before it started), so a second connection
can run it while the next batch is written.

One rule keeps the WAL from growing without bound: SQLite rewinds the WAL only
when a write transaction starts after everything in it was copied.  Batches
written back to back never give it that moment, so before a batch, once the
WAL is larger than ``wal_limit`` bytes, the writer waits for the checkpoint in
progress (one batch's worth at most) and the batch then starts the WAL over.

Durability is unchanged: WAL mode with ``synchronous = NORMAL`` makes a
commit safe against a crash of the process, whoever checkpoints; a killed
checkpoint leaves the WAL for the next connection to finish.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading

logger = logging.getLogger(__name__)

#: WAL size (bytes) past which the writer waits for the checkpoint before its next batch.
DEFAULT_WAL_LIMIT = 64 * 1024 * 1024


class WalCheckpointer:
    """A thread with its own connection that checkpoints ``path`` when asked."""

    def __init__(self, path: str, wal_limit: int = DEFAULT_WAL_LIMIT):
        self.path = path
        self.wal_path = path + "-wal"
        self.wal_limit = wal_limit
        self.last_error: str | None = None
        self._conn = sqlite3.connect(
            path, timeout=10, isolation_level=None, check_same_thread=False
        )
        self._cond = threading.Condition()
        self._pending = False
        self._running = False
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name="civicnews-wal-checkpoint", daemon=True
        )
        self._thread.start()

    def request(self) -> None:
        """Ask for a checkpoint of everything committed so far (call after a commit)."""
        with self._cond:
            self._pending = True
            self._cond.notify_all()

    def pace(self) -> None:
        """Before a batch: wait for the checkpoint in progress if the WAL has grown too large."""
        try:
            size = os.path.getsize(self.wal_path)
        except OSError:
            return
        if size > self.wal_limit:
            self.wait()

    def wait(self) -> None:
        """Until no checkpoint is running or asked for."""
        with self._cond:
            while (self._pending or self._running) and self._thread.is_alive():
                self._cond.wait(timeout=1.0)

    def close(self) -> None:
        """Finish the checkpoint asked for, stop the thread, close its connection."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join()
        self._conn.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if not self._pending:
                    return
                self._pending = False
                self._running = True
            try:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:
                # Not fatal: the frames stay in the WAL, where every reader sees
                # them, and the next checkpoint (or closing the archive) copies them.
                if str(exc) != self.last_error:
                    logger.warning("background WAL checkpoint of %s failed: %s", self.path, exc)
                self.last_error = str(exc)
            finally:
                with self._cond:
                    self._running = False
                    self._cond.notify_all()


def database_file(conn: sqlite3.Connection) -> str | None:
    """The main database file of ``conn``; None for an in-memory or temporary database."""
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return file or None
    return None
