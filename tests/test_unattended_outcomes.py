"""The exit code and the ``crawl_runs`` row tell the truth about a night's crawl.

Each test runs the real CLI against the replica portal (or a real tmpfs) and
checks what an operator would rely on: the exit code, the summary's errors,
``civicnews runs`` and ``failed_pages``.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from civicnews.replica import ReplicaServer
from tests.conftest import ROOT, portal_toml, rows, run_cli


def _crawl(db: Path, pf: Path, portal: str, *extra: str):
    return run_cli("crawl", portal, "--db", str(db), "--portals-file", str(pf), "--json", *extra)


def _runs(db: Path) -> list[dict]:
    listed = run_cli("runs", "--db", str(db), "--json")
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


# -- disk full ---------------------------------------------------------------------------------


def test_a_run_that_fills_the_disk_records_its_end_and_a_rerun_says_why_it_cannot_start(tmpfs):
    """The disk fills to the last byte while a crawl runs (another program's files)."""
    db, pf = tmpfs / "archive.db", tmpfs / "portals.toml"
    with ReplicaServer("liferay", articles=30, seed=9) as replica:
        pf.write_text(portal_toml("big", replica.start_url, delay=0.2, concurrency=1), "utf-8")
        crawl = subprocess.Popen(
            [sys.executable, "-m", "civicnews", "crawl", "big", "--db", str(db),
             "--portals-file", str(pf), "--json"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        while sum("/content/" in r.path for r in replica.requests) < 3:
            assert crawl.poll() is None, crawl.communicate()
            time.sleep(0.05)
        _fill(tmpfs / "filler")
        out, err = crawl.communicate(timeout=120)
        assert crawl.returncode == 1, err
        assert "Traceback" not in err
        assert json.loads(out)["exit_code"] == 1
        newest = _runs(db)[0]
        # The run that hit the full disk is a failed run, not a "killed" one.
        assert newest["status"] == "failed", newest
        assert newest["finished_at"] and newest["exit_code"] == 1
        assert "archive_error" in {h["check"] for h in newest["health"]}
        # The disk is still full: the rerun stops with one true line.
        again = _crawl(db, pf, "big")
    assert again.returncode == 1
    assert "Traceback" not in again.stderr
    (line,) = [ln for ln in again.stderr.splitlines() if ln.strip()]
    assert "full" in line, line
    assert "crashed" not in line and "recorded in crawl_runs" not in line, line
    assert [r["status"] for r in _runs(db)] == ["failed"]


def _stored(db: Path) -> int:
    try:
        return rows(db, "SELECT count(*) FROM articles")[0][0]
    except sqlite3.OperationalError:
        return 0  # not created yet


def _fill(path: Path) -> None:
    """Write to ``path`` until the file system has not one byte left."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
