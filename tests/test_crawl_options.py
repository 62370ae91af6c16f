"""CrawlOptions: one object, checked once, for the CLI, ``--set``, ``scrapy crawl -s`` and
library callers; a bad value is one line and exit 2 before anything starts."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from civicnews.crawl_options import CrawlOptions, check_settings
from civicnews.errors import UsageError
from tests.conftest import ROOT, portal_toml, run_cli


@pytest.fixture
def pf(tmp_path, replica):
    path = tmp_path / "portals.toml"
    path.write_text(portal_toml("replica", replica.start_url), "utf-8")
    return path


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    "setting,message",
    [
        ("CIVICNEWS_BATCH_SIZE=abc", "CIVICNEWS_BATCH_SIZE: expected a whole number from 1 to"),
        ("DOWNLOAD_TIMEOUT=abc", "DOWNLOAD_TIMEOUT: expected a number above 0"),
        ("CIVICNEWS_INCREMENTAL=maybe", "CIVICNEWS_INCREMENTAL: expected true or false"),
        ("CIVICNEWS_COMPRESS_LEVEL=42", "CIVICNEWS_COMPRESS_LEVEL: expected a whole number from 0"),
        ("CIVICNEWS_LEGACY_ENCODING=klingon", "CIVICNEWS_LEGACY_ENCODING: expected a character"),
        ("CIVICNEWS_RETRY_BACKOFF_BASE=inf", "CIVICNEWS_RETRY_BACKOFF_BASE: expected a number"),
        ("CIVICNEWS_HEALTH_MAX_FAILED_REQUEST_SHARE=nan", "expected a number from 0 to 1"),
        ("CONCURRENT_REQUESTS=0", "CONCURRENT_REQUESTS: expected a whole number from 1"),
        ("RETRY_HTTP_CODES=500,oops", "RETRY_HTTP_CODES: expected a whole number from 100 to 599"),
        ("CIVICNEWS_BATCHSIZE=5", "CIVICNEWS_BATCHSIZE: unknown setting"),
        ("LOG_LEVEL=LOUD", "LOG_LEVEL: expected one of CRITICAL, ERROR, WARNING, INFO, DEBUG"),
    ],
)
def test_bad_set_values_exit_2_before_the_run(tmp_path, pf, setting, message):
    """Issue 13 item 14: these printed a Twisted traceback and exited 1 after recording a
    failed run; now one line, exit 2, and no archive, lock or crawl_runs row is made."""
    db = tmp_path / "a.db"
    proc = run_cli("crawl", "replica", "--db", str(db), "--portals-file", str(pf), "--set", setting)
    assert proc.returncode == 2, proc.stderr
    assert message in _one_line(proc.stderr)
    assert not db.exists()
    assert not (tmp_path / "a.db.lock").exists()


def test_every_problem_is_listed_at_once(tmp_path, pf):
    proc = run_cli(
        "crawl", "replica", "--db", str(tmp_path / "a.db"), "--portals-file", str(pf),
        "--set", "CIVICNEWS_BATCH_SIZE=abc", "--set", "DOWNLOAD_DELAY=-1",
    )  # fmt: skip
    assert proc.returncode == 2
    line = _one_line(proc.stderr)
    assert "CIVICNEWS_BATCH_SIZE" in line and "DOWNLOAD_DELAY" in line


def test_scrapy_crawl_gets_the_same_checks(tmp_path, pf):
    db = tmp_path / "scrapy.db"
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "portal=replica",
         "-s", f"CIVICNEWS_DB={db}", "-s", f"CIVICNEWS_PORTALS_FILE={pf}",
         "-s", "CIVICNEWS_BATCH_SIZE=abc"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "CIVICNEWS_BATCH_SIZE: expected a whole number" in _one_line(proc.stderr)
    assert not db.exists()


def test_options_are_typed_and_checked_when_made():
    options = CrawlOptions(
        portals=["bactuliem"],
        since="2024-03-01",
        max_articles="5",
        refresh_after="1.5",
        time_limit="1h30m",
        settings={"CIVICNEWS_BATCH_SIZE": "50", "CIVICNEWS_INCREMENTAL": "no"},
    )
    assert options.portals == ("bactuliem",)
    assert options.since == date(2024, 3, 1)
    assert (options.max_articles, options.refresh_after, options.time_limit) == (5, 1.5, 5400.0)
    assert options.settings == {"CIVICNEWS_BATCH_SIZE": 50, "CIVICNEWS_INCREMENTAL": False}
    for bad in (
        {"since": "2024-02-30"},
        {"max_articles": 0},
        {"refresh_after": float("nan")},
        {"time_limit": "soon"},
        {"settings": {"CIVICNEWS_MAX_ARTICLES": "-1"}},
    ):
        with pytest.raises(UsageError):
            CrawlOptions(**bad)


def test_settings_are_what_the_options_say_and_set_wins():
    settings = CrawlOptions(
        db="x.db", full=True, since=date(2024, 1, 2), max_articles=7, time_limit=60
    ).to_settings()
    assert settings.get("CIVICNEWS_DB") == "x.db"
    assert settings.getbool("CIVICNEWS_INCREMENTAL") is False
    assert settings.get("CIVICNEWS_SINCE") == "2024-01-02"
    assert settings.getint("CIVICNEWS_MAX_ARTICLES") == 7
    assert settings.getfloat("CLOSESPIDER_TIMEOUT") == 60.0
    # --set is applied last, like `civicnews crawl --max-articles 7 --set ...=9`.
    later = CrawlOptions(max_articles=7, settings={"CIVICNEWS_MAX_ARTICLES": "9"}).to_settings()
    assert later.getint("CIVICNEWS_MAX_ARTICLES") == 9


def test_the_project_defaults_pass_their_own_checks():
    typed = check_settings(CrawlOptions().to_settings())
    assert typed["CIVICNEWS_BATCH_SIZE"] == 500 and typed["CIVICNEWS_COMPRESS_LEVEL"] == 3
