"""The WAL is checkpointed on a thread of its own, stays bounded, and nothing is lost."""

from __future__ import annotations

import sqlite3

from civicnews.archive import Archive
from civicnews.archive.checkpoint import WalCheckpointer
from civicnews.archive.writer import ArchiveWriter
from tests.test_archive_store import item


def wal_pages_not_copied(path) -> int:
    """Frames in the WAL not yet copied into the database file (0: fully checkpointed)."""
    conn = sqlite3.connect(path)
    try:
        _, log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return log - copied if log >= 0 else 0
    finally:
        conn.close()


def test_commits_leave_checkpoints_to_the_thread_and_close_restores_autocheckpoint(tmp_path):
    db = tmp_path / "a.db"
    with Archive(db, create=True) as archive:
        writer = ArchiveWriter(archive.db)
        assert writer.checkpointer is not None
        assert archive.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        writer.write([item(n) for n in range(1, 40)])
        writer.checkpointer.wait()
        # Everything committed is in the database file already: the thread copied it.
        assert wal_pages_not_copied(db) == 0
        writer.close()
        assert writer.checkpointer is None
        assert archive.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    with Archive(db) as archive:
        assert archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 39
        assert archive.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_wal_stays_bounded_when_batches_follow_back_to_back(tmp_path):
    db = tmp_path / "a.db"
    sizes = []
    with Archive(db, create=True) as archive, ArchiveWriter(archive.db) as writer:
        # A tiny limit: every batch must wait for the checkpoint, and the WAL
        # then starts over instead of growing batch after batch.
        writer.checkpointer.wal_limit = 1
        for start in range(0, 400, 40):
            writer.write([item(n, body_text=f"Bài {n}. " * 300) for n in range(start, start + 40)])
            sizes.append((tmp_path / "a.db-wal").stat().st_size)
    one_batch = sizes[0]
    assert max(sizes) < 3 * one_batch, sizes
    with Archive(db) as archive:
        assert archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 400
        assert archive.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_failing_checkpoint_is_logged_and_the_thread_goes_on(tmp_path, caplog):
    db = tmp_path / "a.db"
    with Archive(db, create=True):
        pass
    checkpointer = WalCheckpointer(str(db))
    checkpointer._conn.close()  # every checkpoint now fails: "closed database"
    checkpointer.request()
    checkpointer.wait()
    assert checkpointer.last_error
    assert "background WAL checkpoint" in caplog.text
    checkpointer.request()
    checkpointer.wait()
    assert checkpointer._thread.is_alive()
    checkpointer.close()
    assert not checkpointer._thread.is_alive()
