"""What a crawl is given, through the real CLI: portals files, log files, page bytes, the
demo rerun, and what a failing portal prints (issue 13, items 8, 10, 15, 17, 18)."""

from __future__ import annotations

import os
import re
import socket

import pytest

from civicnews.replica import ReplicaServer
from tests.conftest import portal_toml, rows, run_cli

# A log line as the terminal shows it, or one of civicnews' own lines.
ONE_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[\w.]+\] [A-Z]+: |civicnews: )")


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- portals files (item 15) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "entry,message",
    [
        ("delay = inf", "delay must be a number of seconds from 0 to 3600, got inf"),
        ("delay = nan", "delay must be a number of seconds from 0 to 3600, got nan"),
        ("delay = 1e9", "delay must be a number of seconds from 0 to 3600"),
        ("concurrency = 100000", "concurrency must be a whole number from 1 to 64"),
    ],
)
def test_portals_file_values_are_bounded(tmp_path, entry, message):
    pf = tmp_path / "p.toml"
    start = f"http://127.0.0.1:{_closed_port()}/"
    pf.write_text(f'[portals.x]\nfamily = "liferay"\nstart_urls = ["{start}"]\n{entry}\n')
    db = tmp_path / "a.db"
    proc = run_cli("crawl", "x", "--portals-file", str(pf), "--db", str(db), timeout=60)
    assert proc.returncode == 2
    assert message in _one_line(proc.stderr)
    assert not db.exists()


def test_portals_file_that_is_no_regular_file_is_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)  # opening it for reading used to wait for a writer forever
    for path in ("/dev/zero", str(fifo)):
        proc = run_cli("portals", "--portals-file", path, timeout=60)
        assert proc.returncode == 2
        assert "not a regular file" in _one_line(proc.stderr)


def test_portals_file_over_a_mebibyte_is_refused(tmp_path):
    big = tmp_path / "big.toml"
    big.write_text("# padding\n" * 110_000)
    proc = run_cli("portals", "--portals-file", str(big), timeout=60)
    assert proc.returncode == 2
    assert "larger than 1024 KiB" in _one_line(proc.stderr)


# -- the log (items 17, 18) -----------------------------------------------------------------


def _down_portal(tmp_path):
    pf = tmp_path / "down.toml"
    pf.write_text(portal_toml("down", f"http://127.0.0.1:{_closed_port()}/tin"), "utf-8")
    return pf


FAST_RETRIES = ("--set", "CIVICNEWS_RETRY_BACKOFF_BASE=0.01")


def test_a_portal_that_is_down_prints_one_line_per_failure(tmp_path):
    pf = _down_portal(tmp_path)
    proc = run_cli(
        "crawl", "down", "--portals-file", str(pf), "--db", str(tmp_path / "a.db"), *FAST_RETRIES
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert all(ONE_LINE.match(line) for line in lines), proc.stderr
    assert any("Connection refused" in line for line in lines)
    assert lines[-1].startswith("civicnews: health check failed: portal down:")


def test_the_log_file_keeps_the_tracebacks(tmp_path):
    pf = _down_portal(tmp_path)
    log = tmp_path / "crawl.log"
    proc = run_cli(
        "crawl", "down", "--portals-file", str(pf), "--db", str(tmp_path / "a.db"),
        "--log-file", str(log), *FAST_RETRIES,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.startswith("civicnews: health check failed: portal down:")
    assert "Traceback (most recent call last)" in log.read_text("utf-8")


@pytest.mark.parametrize("where", ["missing/dir/crawl.log", "a-file/crawl.log"])
def test_unopenable_log_file_is_refused_before_the_run(tmp_path, replica, where):
    pf = tmp_path / "p.toml"
    pf.write_text(portal_toml("replica", replica.start_url), "utf-8")
    db = tmp_path / "a.db"
    (tmp_path / "a-file").write_text("not a directory")
    log = tmp_path / where
    proc = run_cli("crawl", "replica", "--portals-file", str(pf), "--db", str(db),
                   "--log-file", str(log))  # fmt: skip
    assert proc.returncode == 2
    assert f"--log-file {log}: cannot write it" in _one_line(proc.stderr)
    # Before anything started: no archive, no lock, no crawl_runs row.
    assert not db.exists() and not (tmp_path / "a.db.lock").exists()


# -- page bytes (item 8) --------------------------------------------------------------------


def test_a_utf8_page_with_a_few_bad_bytes_is_not_mojibake(tmp_path):
    with ReplicaServer("liferay", articles=20, seed=3, faults="bad-bytes@article/3") as server:
        pf = tmp_path / "p.toml"
        pf.write_text(portal_toml("replica", server.start_url), "utf-8")
        db = tmp_path / "a.db"
        proc = run_cli("crawl", "replica", "--portals-file", str(pf), "--db", str(db))
        truth = server.truth(3)
    assert proc.returncode == 0, proc.stderr
    ((title, body),) = rows(db, "SELECT title, body_text FROM articles WHERE url = ?",
                            (truth["url"],))  # fmt: skip
    assert title == truth["title"]
    assert body.count("\ufffd") == 3  # the three bad bytes, and nothing else lost
    for snippet in truth["body_snippets"]:
        assert snippet in body.replace("\ufffd", "")
    assert "á»" not in body and "Ã" not in body  # no UTF-8 read as cp1258


# -- the demo (item 10) ---------------------------------------------------------------------


def test_demo_reruns_find_their_articles_archived(tmp_path):
    db = tmp_path / "demo.db"
    first = run_cli("demo", "--db", str(db), "--articles", "20", cwd=tmp_path)
    again = run_cli("demo", "--db", str(db), "--articles", "20", cwd=tmp_path)
    assert first.returncode == 0 and again.returncode == 0, again.stderr
    assert re.search(r"^demo\s+0\s+20\s+0\s", again.stdout, re.M), again.stdout
    assert rows(db, "SELECT count(*), count(DISTINCT content_hash) FROM articles") == [(20, 20)]
    (url,) = rows(db, "SELECT min(url) FROM articles")[0]
    assert url.startswith("http://bactuliem.demo.invalid/")
