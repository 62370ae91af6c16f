"""A crawl killed with SIGKILL mid-run; the rerun fetches what is missing and nothing twice.

The replica (1,000 articles, 40% listed) is served from this process, so its
request log sees both runs.  Most articles are reachable only through the
"related" chain, much of which runs through articles the killed run had
already archived: the rerun must walk their stored links instead of
refetching them.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

from civicnews.replica import ReplicaServer
from tests.conftest import portal_toml, rows, run_cli

ARTICLES = 1000


def _archived(db) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return 0
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def test_a_rerun_after_sigkill_fetches_what_is_missing_and_nothing_twice(tmp_path):
    db = tmp_path / "archive.db"
    with ReplicaServer("liferay", articles=ARTICLES, seed=21) as replica:
        pf = tmp_path / "portals.toml"
        pf.write_text(portal_toml("replica", replica.start_url), "utf-8")
        killed = subprocess.Popen(
            [sys.executable, "-m", "civicnews", "crawl", "replica", "--db", str(db),
             "--portals-file", str(pf), "--quiet"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        # Kill it as soon as its first batch is in the archive.
        deadline = time.monotonic() + 120
        while _archived(db) == 0:
            assert killed.poll() is None, "the crawl ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        assert killed.returncode == -signal.SIGKILL
        before = {u for (u,) in rows(db, "SELECT url FROM articles")}
        assert 0 < len(before) < ARTICLES, "killed mid-crawl"
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        replica.clear_requests()

        rerun = run_cli(
            "crawl", "replica", "--db", str(db), "--portals-file", str(pf), "--json", timeout=300
        )
        assert rerun.returncode == 0, rerun.stderr
        log = replica.requests
        truth = {a["url"] for a in replica.ground_truth()}
        base = replica.url

    assert {u for (u,) in rows(db, "SELECT url FROM articles")} == truth
    fetched = Counter(r.path for r in log if "/content/" in r.path)
    assert max(fetched.values()) == 1, "an article page was requested twice"
    assert not {u[len(base) :] for u in before} & set(fetched), "refetched archived"
    assert sum(fetched.values()) == ARTICLES - len(before)
    summary = json.loads(rerun.stdout)
    assert summary["totals"]["articles_new"] == ARTICLES - len(before)
    # The killed run is recorded as such, the rerun as a success.
    runs = json.loads(run_cli("runs", "--db", str(db), "--json").stdout)
    assert [r["status"] for r in runs] == ["ok", "killed"]
