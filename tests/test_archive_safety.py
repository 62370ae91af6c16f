"""What an operator can do to an archive, through the real CLI: kill -9, bad paths, locks,
read-only and full file systems.  Each must end in one clear line and an intact archive.

The read-only and disk-full cases use real tmpfs mounts (the suite runs as root, so
file permission bits would not stop SQLite).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from civicnews.replica import ReplicaServer
from tests.conftest import ROOT, portal_toml, rows, run_cli


def _crawl(db: Path, pf: Path, portal: str = "replica"):
    return run_cli("crawl", portal, "--db", str(db), "--portals-file", str(pf), "--json")


def _intact(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def _one_clear_line(stderr: str, needle: str) -> None:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if needle in line]
    assert len(lines) == 1, stderr


def test_sigkill_mid_crawl_leaves_a_sound_archive_that_the_next_crawl_completes(tmp_path):
    db, pf = tmp_path / "archive.db", tmp_path / "portals.toml"
    with ReplicaServer("liferay", articles=1500, seed=2) as replica:
        pf.write_text(portal_toml("big", replica.start_url), "utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-m", "civicnews", "crawl", "big", "--db", str(db),
             "--portals-file", str(pf)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        stored = 0
        try:
            deadline = time.monotonic() + 240
            while stored == 0 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
                if db.exists():
                    try:
                        stored = rows(db, "SELECT count(*) FROM articles")[0][0]
                    except sqlite3.OperationalError:
                        stored = 0  # schema not created yet
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert proc.returncode == -signal.SIGKILL, "the crawl ended before it could be killed"
        assert 0 < stored < 1500
        _intact(db)
        rerun = _crawl(db, pf, "big")
        assert rerun.returncode == 0, rerun.stderr
        _intact(db)
        urls = {u for (u,) in rows(db, "SELECT url FROM articles")}
        assert urls == {a["url"] for a in replica.ground_truth()}
        # every article has its first revision and capture, none twice
        assert rows(db, "SELECT count(*), count(DISTINCT article_url) FROM revisions")[0] == (
            1500,
            1500,
        )


def test_missing_directory_and_non_database_file(tmp_path, portals_file):
    missing = tmp_path / "no-such-dir" / "archive.db"
    out = _crawl(missing, portals_file)
    assert out.returncode != 0
    _one_clear_line(out.stderr, "does not exist")
    assert not missing.parent.exists()
    out = run_cli("search", "dong da", "--db", str(missing))
    assert out.returncode == 1
    _one_clear_line(out.stderr, "no archive at")

    junk = tmp_path / "notes.db"
    junk.write_bytes(b"Danh sach bai viet can luu tru\n" * 200)
    before = junk.read_bytes()
    for args in (["crawl", "replica", "--portals-file", str(portals_file)], ["stats"]):
        out = run_cli(*args, "--db", str(junk))
        assert out.returncode != 0
        _one_clear_line(out.stderr, "not a readable civicnews archive")
    assert junk.read_bytes() == before


def test_locked_archive_fails_cleanly_and_keeps_its_data(tmp_path, portals_file):
    db = tmp_path / "archive.db"
    assert _crawl(db, portals_file).returncode == 0
    before = rows(db, "SELECT url, last_seen_at FROM articles ORDER BY url")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        out = _crawl(db, portals_file)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert out.returncode != 0
    assert "locked" in out.stderr and "Traceback" not in out.stderr
    assert rows(db, "SELECT url, last_seen_at FROM articles ORDER BY url") == before
    _intact(db)


def test_read_only_archive_refuses_crawls_and_still_answers_searches(tmpfs, portals_file):
    db = tmpfs / "archive.db"
    assert _crawl(db, portals_file).returncode == 0
    count = rows(db, "SELECT count(*) FROM articles")[0][0]
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    out = _crawl(db, portals_file)
    assert out.returncode != 0
    _one_clear_line(out.stderr, "read-only")
    found = run_cli("search", "Bắc Từ Liêm", "--json", "--limit", "1", "--db", str(db))
    assert found.returncode == 0, found.stderr
    assert '"url"' in found.stdout
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro&immutable=1", uri=True)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == count
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_full_disk_fails_cleanly_and_keeps_what_was_archived(tmpfs, replica):
    db, pf = tmpfs / "archive.db", tmpfs / "portals.toml"
    with ReplicaServer("liferay", articles=150, seed=9) as bigger:
        pf.write_text(
            portal_toml("replica", replica.start_url)
            + portal_toml("bigger", bigger.start_url.replace("127.0.0.1", "localhost")),
            "utf-8",
        )
        assert _crawl(db, pf).returncode == 0
        before = rows(db, "SELECT url, title, body_text FROM articles ORDER BY url")
        # Leave ~150 kB free: not enough for 150 more articles with their raw pages.
        free = os.statvfs(tmpfs).f_bavail * os.statvfs(tmpfs).f_frsize
        filler = tmpfs / "filler"
        filler.write_bytes(b"\0" * max(0, free - 150_000))
        out = _crawl(db, pf, "bigger")
        assert out.returncode != 0
        assert "full" in out.stderr and "Traceback" not in out.stderr
        filler.unlink()
        _intact(db)
        assert (
            rows(
                db,
                "SELECT url, title, body_text FROM articles WHERE portal = 'replica' ORDER BY url",
            )
            == before
        )
        # with space again, the same crawl completes
        again = _crawl(db, pf, "bigger")
        assert again.returncode == 0, again.stderr
        assert rows(db, "SELECT count(*) FROM articles WHERE portal = 'bigger'")[0][0] == 150
