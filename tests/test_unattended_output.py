"""Output fit for cron and for people: exit codes, --quiet, --log-file, --json, the live
progress line on a terminal, and ``civicnews runs``."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys

import pytest

from civicnews.extensions.progress import Board
from civicnews.replica import ReplicaServer
from tests.conftest import ROOT, portal_toml, rows, run_cli


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer("liferay", articles=20, seed=9) as server:
        yield server


@pytest.fixture
def pf(tmp_path, replica):
    path = tmp_path / "portals.toml"
    path.write_text(portal_toml("replica", replica.start_url), "utf-8")
    return path


def _crawl(db, pf, *extra, env=None):
    return run_cli("crawl", "replica", "--db", str(db), "--portals-file", str(pf), *extra, env=env)


@pytest.mark.parametrize(
    "option,value,message",
    [
        ("--since", "yesterday", "--since: expected a date as YYYY-MM-DD, got 'yesterday'"),
        ("--since", "2024-02-30", "--since: expected a date as YYYY-MM-DD, got '2024-02-30'"),
        ("--max-articles", "0", "--max-articles: expected a whole number of at least 1"),
        ("--max-articles", "lots", "--max-articles: expected a whole number of at least 1"),
        ("--refresh-after", "-1", "--refresh-after: expected a number of days (0 or more)"),
        ("--refresh-after", "nan", "--refresh-after: expected a number of days (0 or more)"),
        ("--time-limit", "soon", "--time-limit: expected a duration such as 90m, 2h or 3600"),
        ("--time-limit", "0", "--time-limit: expected a duration such as 90m, 2h or 3600"),
        (
            "--set",
            "CIVICNEWS_HEALTH_STALE_DAYS=soon",
            "CIVICNEWS_HEALTH_STALE_DAYS: expected a number of 0 or more, got 'soon'",
        ),
        (
            "--set",
            "CIVICNEWS_SINCE=yesterday",
            "CIVICNEWS_SINCE: expected a date as YYYY-MM-DD, got 'yesterday'",
        ),
    ],
)
def test_bad_option_values_exit_2_with_one_line(tmp_path, pf, option, value, message):
    db = tmp_path / "a.db"
    proc = _crawl(db, pf, option, value)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    (line,) = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert message in line
    assert not db.exists()  # nothing ran


def test_quiet_success_prints_nothing(tmp_path, pf):
    proc = _crawl(tmp_path / "a.db", pf, "--quiet")
    assert proc.returncode == 0
    assert proc.stdout == "" and proc.stderr == ""


def test_quiet_failure_prints_the_summary_and_the_failed_check(tmp_path):
    with ReplicaServer("liferay", articles=20, seed=9) as broken:
        broken.broken_markup = "/content/"
        pf = tmp_path / "broken.toml"
        pf.write_text(portal_toml("broken", broken.start_url), "utf-8")
        proc = run_cli(
            "crawl", "broken", "--db", str(tmp_path / "a.db"), "--portals-file", str(pf), "--quiet"
        )
    assert proc.returncode == 1
    assert re.search(r"^broken\s+0\s+0\s+0\s+\d+\s+0\s+finished\s+FAILED$", proc.stdout, re.M)
    lines = proc.stderr.splitlines()
    # Only civicnews' own lines: no log on a quiet run.
    assert lines == [
        "civicnews: health check failed: portal broken: 8 of 8 article pages (100%) gave no "
        "article (threshold: at most 20%): likely cause: the article page layout changed"
    ]


def test_log_file_takes_the_log_and_the_failures(tmp_path, pf):
    log = tmp_path / "crawl.log"
    proc = _crawl(tmp_path / "a.db", pf, "--log-file", str(log))
    assert proc.returncode == 0
    assert proc.stderr == ""
    text = log.read_text("utf-8")
    assert "Spider opened" in text and "Spider closed (finished)" in text
    assert "INFO" in text


def test_json_summary_has_exit_code_health_and_run(tmp_path, pf):
    db = tmp_path / "a.db"
    proc = _crawl(db, pf, "--json")
    assert proc.returncode == 0
    summary = json.loads(proc.stdout)
    assert summary["exit_code"] == 0 and summary["health"] == []
    assert summary["finish_reason"] == "finished"
    ((run_id, counts),) = rows(db, "SELECT id, counts FROM crawl_runs")
    assert summary["run_id"] == run_id
    assert json.loads(counts)["replica"]["articles_new"] == 20


def _under_a_terminal(args: list[str], env: dict | None = None) -> tuple[int, str]:
    """Run the CLI with stdout on a pseudo-terminal; returns (exit code, stderr)."""
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "civicnews", *args],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=secondary,
            stderr=subprocess.PIPE,  # bytes: text mode would turn "\r" into "\n"
            timeout=120,
        )
    finally:
        os.close(secondary)
        os.close(primary)
    return proc.returncode, proc.stderr.decode("utf-8")


def test_a_terminal_gets_a_live_progress_line(tmp_path, pf):
    env = {"CIVICNEWS_PROGRESS": "", "COLUMNS": "200"}  # decided by the terminal alone
    args = ["crawl", "replica", "--db", str(tmp_path / "a.db"), "--portals-file", str(pf)]
    code, err = _under_a_terminal(args, env)
    assert code == 0, err
    assert "\r\x1b[K" in err
    last = err.rsplit("\r\x1b[K", 1)[1]
    # 20 articles, the listing page twice (plain and its own page-1 link), robots.txt.
    assert last == "replica: 23 pages, 20 new, 0 known, 0 errors (done)\n"


def test_each_portal_gets_its_own_progress_line(tmp_path, replica):
    with ReplicaServer("sharepoint", articles=12, seed=3) as other:
        pf = tmp_path / "portals.toml"
        pf.write_text(
            portal_toml("replica", replica.start_url)
            + portal_toml("other", other.start_url, family="sharepoint"),
            "utf-8",
        )
        args = ["crawl", "replica", "other", "--db", str(tmp_path / "a.db"), "--portals-file"]
        code, err = _under_a_terminal([*args, str(pf)], {"COLUMNS": "200", "LINES": "40"})
    assert code == 0, err
    # The block is redrawn in place: back up one line, then both lines.
    assert "\x1b[1A" in err
    last = err.rsplit("\x1b[1A", 1)[1]
    first, second = last.split("\n")[:2]
    assert re.fullmatch(r"\r\x1b\[Kreplica: \d+ pages, 20 new, 0 known, 0 errors \(done\)", first)
    assert re.fullmatch(r"\r\x1b\[Kother: \d+ pages, 12 new, 0 known, 0 errors \(done\)", second)
    assert last.endswith("(done)\n")


def test_a_short_terminal_sums_up_the_portals_that_do_not_fit():
    board = Board(io.StringIO())
    for n in range(5):
        stats = {"response_received_count": 10 * n, "item_scraped_count": n}
        board.entries[f"p{n}"] = lambda stats=stats: stats
    board.open = {"p3", "p4"}  # p0..p2 are done
    assert board.lines(rows=10) == [
        f"p{n}: {10 * n} pages, {n} new, 0 known, 0 errors" + (" (done)" if n < 3 else "")
        for n in range(5)
    ]
    # Three rows: the running portals first, then one line for the rest.
    assert board.lines(rows=3) == [
        "p3: 30 pages, 3 new, 0 known, 0 errors",
        "p4: 40 pages, 4 new, 0 known, 0 errors",
        "… 3 more portals (3 done): 30 pages, 3 new, 0 known, 0 errors",
    ]
    board.draw()
    board.draw()
    out = board.stream.getvalue()
    assert out.count("\r\x1b[K") == 2 * board.drawn
    assert out.count(f"\x1b[{board.drawn - 1}A") == 1  # the second draw goes back up


def test_no_progress_line_without_a_terminal_or_when_quiet(tmp_path, pf):
    plain = _crawl(tmp_path / "a.db", pf, env={"CIVICNEWS_PROGRESS": ""})
    assert plain.returncode == 0 and "\r" not in plain.stderr
    args = ["crawl", "replica", "--db", str(tmp_path / "b.db"), "--portals-file", str(pf), "-q"]
    code, err = _under_a_terminal(args, {"CIVICNEWS_PROGRESS": ""})
    assert code == 0 and err == ""


def test_runs_lists_recent_runs_with_their_outcome(tmp_path, pf):
    db = tmp_path / "a.db"
    assert _crawl(db, pf).returncode == 0
    assert _crawl(db, pf).returncode == 0
    assert _crawl(db, pf, "--max-articles", "lots").returncode == 2  # never ran: no row
    listed = json.loads(run_cli("runs", "--db", str(db), "--json").stdout)
    assert [(r["id"], r["status"], r["exit_code"]) for r in listed] == [(2, "ok", 0), (1, "ok", 0)]
    assert [r["totals"]["articles_new"] for r in listed] == [0, 20]
    assert listed[0]["argv"][:3] == ["civicnews", "crawl", "replica"]
    assert listed[0]["portals"] == ["replica"]
    one = json.loads(run_cli("runs", "--db", str(db), "--json", "--limit", "1").stdout)
    assert [r["id"] for r in one] == [2]
    table = run_cli("runs", "--db", str(db)).stdout.splitlines()
    assert table[0].split() == [
        "id", "started", "(UTC)", "took", "new", "known", "pages", "errors", "portals", "outcome"
    ]  # fmt: skip
    # The second run: robots.txt, the listing and its page-1 link (8 archived entries, fewer
    # than the 10 that end a listing early).
    assert re.match(r"^\s+2\s+\S+ \S+\s+\d+s\s+0\s+20\s+3\s+0\s+replica\s+ok$", table[1])
    assert re.match(r"^\s+1\s+\S+ \S+\s+\d+s\s+20\s+0\s+23\s+0\s+replica\s+ok$", table[2])


def test_runs_on_a_missing_archive_is_one_line(tmp_path):
    proc = run_cli("runs", "--db", str(tmp_path / "none.db"))
    assert proc.returncode == 1
    assert "no archive at" in proc.stderr and "Traceback" not in proc.stderr


def test_a_crash_exits_1_with_one_line_and_the_run_is_recorded_as_crashed(tmp_path, pf):
    """A bug after the crawl (here: the health checks raise) is a crash, not a user error."""
    db = tmp_path / "a.db"
    inject = (
        "import sys, civicnews.crawl as c\n"
        "def boom(*a, **k):\n"
        "    raise RuntimeError('health checks exploded')\n"
        "c.check_health = boom\n"
        "from civicnews.cli import main\n"
        "sys.argv = ['civicnews', *sys.argv[1:]]\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", inject, "crawl", "replica", "--db", str(db),
         "--portals-file", str(pf)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: the crawl crashed (RuntimeError: health checks exploded)")
    assert "crawl_runs" in last
    ((reason, code, health),) = rows(db, "SELECT finish_reason, exit_code, health FROM crawl_runs")
    assert (reason, code) == ("crashed", 1)
    assert "health checks exploded" in health
    # What was crawled before the crash is archived.
    assert rows(db, "SELECT count(*) FROM articles")[0][0] == 20
