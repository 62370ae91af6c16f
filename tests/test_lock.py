"""One run at a time per archive: two real processes, a real SIGKILL.

The lock is an ``flock`` on ``<archive>.lock``: the second run must exit at
once with code 75 naming the first, and a lock left by a killed process must
never block the next run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from civicnews.lock import ArchiveLock, LockError, LockHeld, lock_path, read_holder
from civicnews.replica import ReplicaServer
from tests.conftest import portal_toml, rows, run_cli

HOLD = """
import sys, time
from civicnews.lock import ArchiveLock
lock = ArchiveLock(sys.argv[1], argv=["holder", "--test"]).acquire()
print("held", flush=True)
time.sleep(120)
"""


def _holder(db: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def _wait_for_holder(db: Path, pid: int, proc: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holder = read_holder(db)
        if holder and holder.get("pid") == pid:
            return holder
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "exited"
        time.sleep(0.05)
    raise AssertionError("the first run never took the lock")


def test_a_second_process_is_refused_and_names_the_holder(tmp_path):
    db = tmp_path / "a.db"
    holder = _holder(db)
    try:
        with pytest.raises(LockHeld) as refused:
            ArchiveLock(db).acquire()
        assert refused.value.holder["pid"] == holder.pid
        assert refused.value.holder["command"] == "holder --test"
        message = str(refused.value)
        assert f"pid {holder.pid}" in message and "command: holder --test" in message
        assert "started 20" in message  # an ISO date
    finally:
        _kill(holder)


def test_a_lock_left_by_a_killed_process_never_blocks(tmp_path):
    db = tmp_path / "a.db"
    _kill(_holder(db))
    # The file stays, naming the dead process; the kernel dropped its lock.
    assert lock_path(db).exists() and read_holder(db)["command"] == "holder --test"
    with ArchiveLock(db, argv=["next"]) as lock:
        assert lock.held
        assert read_holder(db)["command"] == "next"
    assert read_holder(db) is None  # released: the file no longer names anyone


def test_lock_file_in_a_missing_directory_is_a_lock_error(tmp_path):
    with pytest.raises(LockError) as failed:
        ArchiveLock(tmp_path / "missing" / "a.db").acquire()
    assert "cannot create lock file" in str(failed.value)


def test_a_second_crawl_exits_75_and_a_killed_crawl_never_blocks_the_next(tmp_path):
    """Real crawls: A holds the archive, B is refused with 75, A is SIGKILLed, C runs."""
    db = tmp_path / "archive.db"
    with ReplicaServer("liferay", articles=30, seed=4) as replica:
        slow = tmp_path / "slow.toml"
        # One request every 2 s: A is still crawling while B and the kill happen.
        slow.write_text(portal_toml("replica", replica.start_url, delay=2, concurrency=1))
        fast = tmp_path / "fast.toml"
        fast.write_text(portal_toml("replica", replica.start_url))
        a = subprocess.Popen(
            [sys.executable, "-m", "civicnews", "crawl", "replica", "--db", str(db),
             "--portals-file", str(slow), "--quiet"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            holder = _wait_for_holder(db, a.pid, a)
            b = run_cli("crawl", "replica", "--db", str(db), "--portals-file", str(fast))
            assert b.returncode == 75, b.stderr
            assert "Traceback" not in b.stderr
            (line,) = [ln for ln in b.stderr.splitlines() if ln.strip()]
            assert f"pid {a.pid}" in line
            assert f"started {holder['started_at']}" in line
            assert f"crawl replica --db {db} --portals-file {slow}" in line
            # B never ran: one run recorded, A's, still open.
            assert rows(db, "SELECT pid, finished_at FROM crawl_runs") == [(a.pid, None)]
        finally:
            _kill(a)
        c = run_cli("crawl", "replica", "--db", str(db), "--portals-file", str(fast), "--json")
        assert c.returncode == 0, c.stderr
        assert rows(db, "SELECT count(*) FROM articles")[0][0] == 30
        listed = json.loads(run_cli("runs", "--db", str(db), "--json").stdout)
        assert [r["status"] for r in listed] == ["ok", "killed"]
        assert listed[1]["pid"] == a.pid and listed[0]["pid"] != a.pid
        assert json.loads(c.stdout)["run_id"] == listed[0]["id"]


def test_a_planted_symlink_is_refused_and_its_target_left_alone(tmp_path, portals_file):
    """A root cron job in a shared directory: archive.db.lock -> a file someone cares about."""
    db = tmp_path / "archive.db"
    victim = tmp_path / "victim.conf"
    victim.write_text("precious = true\n")
    lock_path(db).symlink_to(victim)
    out = run_cli("crawl", "replica", "--db", str(db), "--portals-file", str(portals_file))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    (line,) = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert f"lock file {lock_path(db)} is a symbolic link" in line
    assert victim.read_text() == "precious = true\n"
    assert read_holder(db) is None  # never read through the link either


def test_a_hard_linked_lock_file_is_refused(tmp_path):
    db = tmp_path / "a.db"
    victim = tmp_path / "victim.conf"
    victim.write_text("precious = true\n")
    os.link(victim, lock_path(db))
    with pytest.raises(LockError) as refused:
        ArchiveLock(db).acquire()
    assert "is a hard link" in str(refused.value)
    assert victim.read_text() == "precious = true\n"


def test_the_lock_file_is_written_over_never_truncated(tmp_path):
    """Details are written over blanks; a longer earlier content never leaves garbage."""
    db = tmp_path / "a.db"
    lock_path(db).write_text(json.dumps({"pid": 1, "command": "x" * 70_000}))
    with ArchiveLock(db, argv=["short"]):
        assert read_holder(db)["command"] == "short"
        assert lock_path(db).stat().st_size >= 70_000
    assert read_holder(db) is None
