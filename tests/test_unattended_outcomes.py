"""The exit code and the ``crawl_runs`` row tell the truth about a night's crawl.

Each test runs the real CLI against the replica portal (or a real tmpfs) and
checks what an operator would rely on: the exit code, the summary's errors,
``civicnews runs`` and ``failed_pages``.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
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


# -- a page broken for good: no false alarm, fewer and fewer retries, then given up -------------


def _days(later: str, earlier: str) -> float:
    delta = datetime.fromisoformat(later) - datetime.fromisoformat(earlier)
    return delta.total_seconds() / 86400


def _a_day_passes(db: Path) -> None:
    """Make every waiting failed page due (the test cannot wait days)."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE failed_pages SET retry_at = '2000-01-01T00:00:00+00:00' "
                     "WHERE retry_at IS NOT NULL")  # fmt: skip


def test_one_article_broken_for_good_never_fails_the_night_and_is_given_up_in_the_end(tmp_path):
    db, pf = tmp_path / "archive.db", tmp_path / "portals.toml"
    # Article 0, the newest (first in the listing), answers 500 to every request.
    with ReplicaServer("liferay", articles=30, seed=3, faults="500*all@article/0") as replica:
        pf.write_text(portal_toml("p", replica.start_url), "utf-8")
        broken = replica.renderer.article_path(0)
        url = replica.url + broken
        # An incremental night meets few pages: the start page, and the broken article.
        quick = (
            "--set", "CIVICNEWS_RETRY_BACKOFF_BASE=0",
            "--set", "CIVICNEWS_INCREMENTAL_STOP_AFTER=3",
            "--set", "CIVICNEWS_FAILED_GIVE_UP_AFTER=3",
        )  # fmt: skip

        def night() -> tuple[dict, int]:
            replica.clear_requests()
            proc = _crawl(db, pf, "p", *quick)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            asked = sum(1 for r in replica.requests if r.path == broken)
            return json.loads(proc.stdout), asked

        first, asked = night()
        assert asked == 4  # the first request and RETRY_TIMES (3) retries
        assert first["portals"][0]["errors"] == 1
        ((failures, failed_at, retry_at, given_up),) = rows(
            db, "SELECT failures, failed_at, retry_at, given_up FROM failed_pages WHERE url = ?",
            (url,),
        )  # fmt: skip
        assert (failures, given_up) == (1, 0)
        assert _days(retry_at, failed_at) == 1

        # The next night, a day has not passed: the article is not fetched at all.
        second, asked = night()
        assert asked == 0
        assert second["portals"][0]["errors"] == 0

        # A day later it is tried again, fails again: known, no alarm; next try in 2 days.
        _a_day_passes(db)
        third, asked = night()
        assert asked == 4
        assert third["health"] == [] and third["portals"][0]["errors"] == 1
        failures, failed_at, retry_at = rows(
            db, "SELECT failures, failed_at, retry_at FROM failed_pages WHERE url = ? "
            "ORDER BY id DESC LIMIT 1", (url,),
        )[0]  # fmt: skip
        assert failures == 2 and _days(retry_at, failed_at) == 2

        # The third failure in a row gives it up: recorded, reported once, exit 0.
        _a_day_passes(db)
        replica.clear_requests()
        proc = _crawl(db, pf, "p", *quick)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["portals"][0]["given_up"] == 1
        (notice,) = [ln for ln in proc.stderr.splitlines() if "gave up" in ln]
        assert notice.startswith("civicnews: health warning: portal p: gave up on 1 page(s)")
        assert rows(
            db, "SELECT failures, retry_at, given_up FROM failed_pages WHERE url = ? "
            "ORDER BY id DESC LIMIT 1", (url,),
        ) == [(3, None, 1)]  # fmt: skip

        # Given up: never fetched again, however long it has been.
        _a_day_passes(db)
        last, asked = night()
        assert asked == 0 and last["portals"][0]["given_up"] == 0
    statuses = [r["status"] for r in _runs(db)]
    assert statuses == ["ok"] * 5


def test_a_portal_that_goes_down_still_fails_the_run(tmp_path):
    db, pf = tmp_path / "archive.db", tmp_path / "portals.toml"
    with ReplicaServer("liferay", articles=20, seed=3) as replica:
        pf.write_text(portal_toml("p", replica.start_url), "utf-8")
        assert _crawl(db, pf, "p").returncode == 0
    # The server is gone: one page asked (the start page), one page failed.
    for _night in (1, 2):  # the second night too, although the page failed before
        down = _crawl(db, pf, "p", "--set", "CIVICNEWS_RETRY_BACKOFF_BASE=0")
        assert down.returncode == 1, down.stderr
        (failure,) = json.loads(down.stdout)["health"]
        assert failure["check"] == "request_failures"
        assert failure["figure"] == "all 1 pages failed after retries"


def test_many_articles_failing_at_once_fails_the_run(tmp_path):
    db, pf = tmp_path / "archive.db", tmp_path / "portals.toml"
    with ReplicaServer("liferay", articles=30, seed=3, faults="500*all:0.5@article") as replica:
        pf.write_text(portal_toml("p", replica.start_url), "utf-8")
        proc = _crawl(db, pf, "p", "--set", "CIVICNEWS_RETRY_BACKOFF_BASE=0")
    assert proc.returncode == 1
    summary = json.loads(proc.stdout)
    (failure,) = summary["health"]
    assert failure["check"] == "request_failures"
    failed = rows(db, "SELECT count(*) FROM failed_pages")[0][0]
    assert failed >= 3
    assert failure["figure"].startswith(f"{failed} of ")
    assert summary["portals"][0]["errors"] == failed


# -- an outage that looked like success --------------------------------------------------------


def test_every_article_in_a_redirect_loop_fails_the_run_and_counts_as_errors(tmp_path):
    db, pf = tmp_path / "archive.db", tmp_path / "portals.toml"
    with ReplicaServer("liferay", articles=30, seed=3, faults="redirect-loop@article") as replica:
        pf.write_text(portal_toml("p", replica.start_url), "utf-8")
        proc = _crawl(db, pf, "p")
    assert proc.returncode == 1, proc.stderr
    summary = json.loads(proc.stdout)
    loops = rows(db, "SELECT count(*) FROM failed_pages WHERE kind = 'redirect-loop'")[0][0]
    assert loops >= 10
    assert summary["portals"][0]["articles_new"] == 0
    assert summary["portals"][0]["errors"] == loops
    assert [f["check"] for f in summary["health"]] == ["request_failures"]
    (run,) = _runs(db)
    assert run["status"] == "failed" and run["totals"]["errors"] == loops


def test_every_page_given_up_is_recorded_with_its_reason_and_counted(tmp_path):
    """Markup nested 1,200 deep, a gzip bomb, an off-site redirect, a page over
    DOWNLOAD_MAXSIZE and a Retry-After of 10 minutes: no page vanishes unrecorded."""
    db, pf = tmp_path / "archive.db", tmp_path / "portals.toml"
    faults = ("deep-nesting@article/3,gzip-bomb=64M@article/5,redirect-offsite@article/7,"
              "huge@article/9,503=600*all@article/11")  # fmt: skip
    with ReplicaServer("liferay", articles=30, seed=3, faults=faults) as replica:
        pf.write_text(portal_toml("p", replica.start_url, family="generic"), "utf-8")
        proc = _crawl(db, pf, "p")
        asked = {replica.url + r.path for r in replica.requests if "/content/" in r.path}
        bad = {k: replica.url + replica.renderer.article_path(k) for k in (3, 5, 7, 9, 11)}
        hosts = {r.headers.get("host", "").partition(":")[0] for r in replica.requests}
    assert proc.returncode == 0, proc.stderr
    archived = {u for (u,) in rows(db, "SELECT url FROM articles")}
    failed = dict(rows(db, "SELECT url, kind FROM failed_pages"))
    assert hosts == {"127.0.0.1"}  # the off-site redirect was not followed
    # Every article page asked for was archived or recorded with its reason.
    asked = {u.split("?")[0] for u in asked}
    assert asked - archived - set(failed) == set()
    assert {failed[bad[k]] for k in (5, 7, 9)} == {"too-large", "offsite-redirect"}
    assert failed[bad[11]] == "http"
    # The parser may learn to read absurd nesting; until then the page is recorded.
    assert bad[3] in archived or failed[bad[3]] == "parse-error"
    assert json.loads(proc.stdout)["portals"][0]["errors"] == len(failed)
    assert len(failed) >= 4


# -- --max-articles ----------------------------------------------------------------------------


def test_max_articles_is_a_hard_bound_on_articles_stored(tmp_path):
    with ReplicaServer("liferay", articles=150, seed=3) as replica:
        for limit, concurrency in ((20, 8), (1, 4)):
            db, pf = tmp_path / f"a{limit}.db", tmp_path / f"p{limit}.toml"
            pf.write_text(portal_toml("p", replica.start_url, concurrency=concurrency), "utf-8")
            proc = _crawl(db, pf, "p", "--full", "--max-articles", str(limit))
            assert proc.returncode == 0, proc.stderr
            (portal,) = json.loads(proc.stdout)["portals"]
            assert portal["finish_reason"] == "max_articles"
            assert rows(db, "SELECT count(*) FROM articles")[0][0] == limit
            assert portal["articles_new"] == limit


# -- errors per portal -------------------------------------------------------------------------


def test_errors_are_counted_per_portal_when_portals_crawl_at_once(tmp_path):
    db, pf = tmp_path / "archive.db", tmp_path / "portals.toml"
    one = ReplicaServer("liferay", articles=30, seed=3, faults="500*all@article/2")
    two = ReplicaServer(
        "liferay", articles=30, seed=4, faults="500*all@article/2,drop*all@article/4"
    )
    with one, two:
        pf.write_text(portal_toml("one", one.start_url) + portal_toml("two", two.start_url))
        proc = run_cli("crawl", "one", "two", "--db", str(db), "--portals-file", str(pf), "--json",
                       "--set", "CIVICNEWS_RETRY_BACKOFF_BASE=0")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    errors = {p["portal"]: p["errors"] for p in json.loads(proc.stdout)["portals"]}
    assert errors == {"one": 1, "two": 2}
    assert _runs(db)[0]["totals"]["errors"] == 3


# -- a store error ------------------------------------------------------------------------------


def test_a_crawl_whose_store_fails_never_reports_success(tmp_path, portals_file):
    """zlib refuses level 42: nothing can be stored.  (A check of settings before the run
    may refuse the value first, exit 2; either way the run must not say ok.)"""
    db = tmp_path / "archive.db"
    proc = _crawl(db, portals_file, "replica", "--set", "CIVICNEWS_COMPRESS_LEVEL=42")
    assert proc.returncode in (1, 2), proc.stderr
    if proc.returncode == 1:
        summary = json.loads(proc.stdout)
        assert "archive_error" in {f["check"] for f in summary["health"]}
        assert "compression level" in summary["portals"][0]["archive_error"]
        assert [r["status"] for r in _runs(db)] == ["failed"]


def test_every_test_the_exit_code_table_names_exists():
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("### Exit codes") : readme.index("### Crontab")]
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", section)
    assert len(named) >= 10
    for path, name in named:
        assert re.search(rf"^def {name}\(", (ROOT / path).read_text("utf-8"), re.M), (path, name)
    for code in ("0", "1", "2", "75"):
        assert re.search(rf"^\| {code} \| .+ \| `tests/", section, re.M), code
