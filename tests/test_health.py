"""Health checks: each check on hand-made stats, then each one failing a real crawl.

A failed check must name the portal, the figure, the threshold and the likely
cause, and make ``civicnews crawl`` exit 1.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from scrapy.settings import Settings

from civicnews.crawl import project_settings
from civicnews.health import (
    Activity,
    PageFailures,
    Thresholds,
    check_portal,
    request_failures,
)
from civicnews.lock import read_holder
from civicnews.replica import ReplicaServer
from tests.conftest import portal_toml, rows, run_cli

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def healthy(**extra) -> dict:
    stats = {
        "finish_reason": "finished",
        "downloader/request_count": 66,
        "downloader/response_count": 66,
        "downloader/response_status_count/200": 66,
        "response_received_count": 66,
        "robotstxt/response_count": 1,
        "civicnews/listing_pages": 5,
        "civicnews/listing_entries": 24,
        "civicnews/article_pages": 60,
    }
    stats.update(extra)
    return stats


def checks(stats: dict, activity: Activity | None = None, **limits) -> list[str]:
    return [f.check for f in check_portal("p", stats, Thresholds(**limits), activity, NOW)]


def test_a_healthy_crawl_passes_every_check():
    assert checks(healthy()) == []


@pytest.mark.parametrize("reason", ["finished", "closespider_timeout", "max_articles"])
def test_planned_ends_are_healthy(reason):
    assert checks(healthy(finish_reason=reason)) == []


@pytest.mark.parametrize("reason", ["shutdown", "cancelled", "archive_error", None])
def test_other_ends_fail(reason):
    stats = healthy(finish_reason=reason)
    assert "finish_reason" in checks(stats)


def test_an_archive_error_fails():
    assert checks(healthy(**{"civicnews/archive_error": "disk full"})) == ["archive_error"]


def test_pages_without_any_article_or_article_link_fail():
    stats = healthy(**{"civicnews/article_pages": 0, "civicnews/listing_entries": 0})
    (failure,) = check_portal("soyte", stats, Thresholds(), None, NOW)
    assert failure.check == "nothing_parsed"
    # 66 responses, one of them robots.txt.
    assert failure.message == (
        "portal soyte: 65 pages fetched but no article parsed and no article link found "
        "(threshold: at least 1 article or article link): likely cause: the portal's layout "
        "changed (or start_urls no longer point at its news listing)"
    )


def test_listing_entries_alone_are_enough():
    """An incremental run that met only known articles parsed its listing: healthy."""
    stats = healthy(**{"civicnews/article_pages": 0, "response_received_count": 3})
    assert checks(stats) == []


def test_parse_failures_share():
    # 12 failed of 60 pages = 20%: at the threshold, not above it.
    assert (
        checks(healthy(**{"civicnews/article_parse_failed": 12, "civicnews/article_pages": 48}))
        == []
    )
    stats = healthy(**{"civicnews/article_parse_failed": 13, "civicnews/article_pages": 47})
    (failure,) = check_portal("p", stats, Thresholds(), None, NOW)
    assert failure.check == "parse_failures"
    assert failure.figure == "13 of 60 article pages (22%) gave no article"
    assert failure.threshold == "at most 20%"


def test_pages_whose_reading_raised_are_parse_failures():
    stats = healthy(**{"civicnews/failed_pages/parse-error": 13, "civicnews/article_pages": 47})
    (failure,) = check_portal("p", stats, Thresholds(), None, NOW)
    assert failure.figure == "13 of 60 article pages (22%) gave no article"


def test_parse_failures_need_enough_pages():
    stats = healthy(**{"civicnews/article_parse_failed": 4, "civicnews/article_pages": 0})
    assert "parse_failures" not in checks(stats)
    assert "parse_failures" in checks(stats, min_article_pages=4)


def failed_pages(answered: int, unanswered: int, new: int, known: int = 0) -> dict:
    """Stats as civicnews.extensions.failures counts pages."""
    return healthy(
        **{
            "civicnews/pages/answered": answered,
            "civicnews/pages/unanswered": unanswered,
            "civicnews/failed_pages/requests": new + known,
            "civicnews/failed_pages/new": new,
            "civicnews/failed_pages/known": known,
        }
    )


def test_request_failures_count_pages_that_failed_for_the_first_time():
    # 50 pages answered (2 with a 503 after retries), 3 never answered; 4 of the 5 failed
    # pages fail for the first time, one failed in an earlier run too.
    stats = failed_pages(answered=50, unanswered=3, new=4, known=1)
    assert request_failures(stats) == PageFailures(pages=53, failed=5, new=4, known=1)
    assert "request_failures" not in checks(stats)  # 4 of 53 = 8%
    (failure,) = check_portal("p", stats, Thresholds(max_failed_request_share=0.05), None, NOW)
    assert failure.figure == (
        "4 of 53 pages (8%) failed after retries, besides 1 failing since earlier runs"
    )
    assert failure.threshold == "at most 5% (from 3 pages)"


def test_a_few_failures_on_a_quiet_night_are_no_outage():
    """An incremental run fetches 3 pages and one article is broken: 33%, not an outage."""
    stats = failed_pages(answered=2, unanswered=1, new=1)
    assert checks(stats) == []
    assert checks(stats, min_failed_pages=1) == ["request_failures"]
    assert checks(failed_pages(answered=4, unanswered=2, new=3)) == ["request_failures"]


def test_pages_that_failed_in_earlier_runs_are_no_outage():
    assert checks(failed_pages(answered=3, unanswered=6, new=0, known=6)) == []


def test_a_portal_that_answers_nothing_fails():
    # The start page fails (connection refused), on the first night and every night after.
    for new, known in ((1, 0), (0, 1)):
        stats = {"finish_reason": "finished", **failed_pages(0, 1, new, known)}
        (failure,) = check_portal("down", stats, Thresholds(), None, NOW)
        assert failure.check == "request_failures"
        assert failure.figure == "all 1 pages failed after retries"


def test_stale_portal():
    old = Activity(120, "2025-01-01T00:00:00+00:00", "2026-02-10T00:00:00+00:00")
    (failure,) = check_portal("p", healthy(), Thresholds(), old, NOW)
    assert failure.check == "stale"
    assert failure.figure == "no new article archived for 19 days"
    assert failure.threshold == "14 days"
    assert checks(healthy(), old, stale_days=0) == []  # switched off
    assert checks(healthy(), old, stale_days=20) == []


def test_a_portal_archived_recently_is_not_stale():
    # First archived 10 days ago, nothing since: too young to call stale.
    young = Activity(60, "2026-02-19T00:00:00+00:00", "2026-02-19T00:00:00+00:00")
    assert checks(healthy(), young) == []
    assert checks(healthy(), Activity()) == []


def test_thresholds_come_from_settings():
    assert Thresholds.from_settings(project_settings()) == Thresholds()
    custom = Settings(
        {
            "CIVICNEWS_HEALTH_MAX_PARSE_FAILED_SHARE": "0.5",
            "CIVICNEWS_HEALTH_MIN_ARTICLE_PAGES": "2",
            "CIVICNEWS_HEALTH_MAX_FAILED_REQUEST_SHARE": "0.1",
            "CIVICNEWS_HEALTH_STALE_DAYS": "0",
            "CIVICNEWS_HEALTH_ALLOWED_FINISH_REASONS": "finished,shutdown",
            "CIVICNEWS_HEALTH_MIN_FAILED_PAGES": "7",
        }
    )
    assert Thresholds.from_settings(custom) == Thresholds(
        0.5, 2, 0.1, 0.0, ("finished", "shutdown"), min_failed_pages=7
    )


# -- real crawls ------------------------------------------------------------------------------


def _crawl(tmp_path, replica, key: str, *extra: str, db=None, **portal):
    pf = tmp_path / f"{key}.toml"
    pf.write_text(portal_toml(key, replica.start_url, **portal), "utf-8")
    db = db or tmp_path / "archive.db"
    return run_cli("crawl", key, "--db", str(db), "--portals-file", str(pf), *extra)


def _failed_lines(proc) -> list[str]:
    assert "Traceback" not in proc.stderr
    return [ln for ln in proc.stderr.splitlines() if "health check failed" in ln]


def test_a_redesigned_portal_fails_the_run_naming_it(tmp_path):
    with ReplicaServer("liferay", articles=30, seed=6) as replica:
        replica.broken_markup = ".*"
        proc = _crawl(tmp_path, replica, "quandoi")
    assert proc.returncode == 1
    (line,) = _failed_lines(proc)
    assert line.startswith("civicnews: health check failed: portal quandoi: ")
    # The listings' classes changed, but the shared listing rules still find their entries
    # (12 of 30 articles listed on the start page and the two its pager links to, 10 a
    # page); the article pages, whose body markup changed too, give no article.
    assert "12 of 12 article pages (100%) gave no article" in line
    assert "layout changed" in line
    # 3 listings, 12 article pages and robots.txt; nothing stored.
    assert re.search(r"^quandoi\s+0\s+0\s+0\s+16\s+0\s+finished\s+FAILED$", proc.stdout, re.M)


def test_redesigned_article_pages_fail_the_parse_share(tmp_path):
    with ReplicaServer("liferay", articles=30, seed=6) as replica:
        replica.broken_markup = "/content/"
        proc = _crawl(tmp_path, replica, "quandoi", "--json")
    assert proc.returncode == 1
    summary = json.loads(proc.stdout)
    assert summary["exit_code"] == 1
    (failure,) = summary["health"]
    # 12 articles listed (40% of 30), none parsed, so no related link was found either.
    assert failure["check"] == "parse_failures"
    assert failure["figure"] == "12 of 12 article pages (100%) gave no article"
    assert failure["portal"] == "quandoi"
    (line,) = _failed_lines(proc)
    assert "portal quandoi: 12 of 12 article pages" in line and "at most 20%" in line


def test_a_portal_refusing_requests_fails_the_failed_share(tmp_path):
    with ReplicaServer("liferay", articles=30, seed=6) as replica:
        for key in range(0, 30, 2):
            replica.overrides[key] = {"status": 403}
        proc = _crawl(tmp_path, replica, "flaky", "--json")
        log = replica.requests
    assert proc.returncode == 1
    (failure,) = json.loads(proc.stdout)["health"]
    assert failure["check"] == "request_failures"
    refused = sum(1 for r in log if r.status == 403)
    assert refused > 0
    pages = len(log) - 1  # robots.txt is not a page
    share = refused / pages
    assert failure["figure"] == f"{refused} of {pages} pages ({share:.0%}) failed after retries"
    assert "blocking the crawler" in failure["message"]


def test_a_portal_with_nothing_new_for_weeks_fails(tmp_path):
    db = tmp_path / "archive.db"
    with ReplicaServer("liferay", articles=20, seed=6) as replica:
        first = _crawl(tmp_path, replica, "im", db=db)
        assert first.returncode == 0, first.stderr
        # Thirty days pass without a new article.
        month_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat(timespec="seconds")
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE articles SET first_seen_at = ?", (month_ago,))
        proc = _crawl(tmp_path, replica, "im", db=db)
    assert proc.returncode == 1
    (line,) = _failed_lines(proc)
    assert "portal im: no new article archived for 30 days (threshold: 14 days)" in line
    assert "stopped publishing" in line


def _start_slow_crawl(tmp_path, replica, db, delay: float, **popen) -> subprocess.Popen:
    """`civicnews crawl --json` of ``replica``, one request at a time, in the background."""
    pf = tmp_path / "slow.toml"
    pf.write_text(portal_toml("slow", replica.start_url, delay=delay, concurrency=1))
    return subprocess.Popen(
        [sys.executable, "-m", "civicnews", "crawl", "slow", "--db", str(db),
         "--portals-file", str(pf), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen,
    )  # fmt: skip


def test_an_interrupted_crawl_fails_and_is_recorded(tmp_path):
    db = tmp_path / "archive.db"
    with ReplicaServer("liferay", articles=20, seed=6) as replica:
        proc = _start_slow_crawl(tmp_path, replica, db, delay=1)
        while not any("/content/" in r.path for r in replica.requests):
            assert proc.poll() is None
            time.sleep(0.05)
        assert read_holder(db)["pid"] == proc.pid
        proc.send_signal(signal.SIGTERM)  # what systemd sends on stop
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    summary = json.loads(out)
    (failure,) = summary["health"]
    assert failure["check"] == "finish_reason"
    assert failure["figure"] == "the crawl ended with reason 'shutdown'"
    ((reason, code, health),) = rows(db, "SELECT finish_reason, exit_code, health FROM crawl_runs")
    assert (reason, code) == ("shutdown", 1)
    assert json.loads(health)[0]["check"] == "finish_reason"


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_sent_to_the_whole_process_group_still_archives_what_was_fetched(
    tmp_path, stop_signal
):
    """systemd stops every process of the unit, a terminal's Ctrl-C the whole group: the
    store's writer process must outlive the crawl's graceful stop, not die before it."""
    db = tmp_path / "archive.db"
    with ReplicaServer("liferay", articles=20, seed=6) as replica:
        proc = _start_slow_crawl(tmp_path, replica, db, delay=0.3, start_new_session=True)
        while sum("/content/" in r.path for r in replica.requests) < 3:
            assert proc.poll() is None
            time.sleep(0.05)
        os.killpg(proc.pid, stop_signal)
        out, err = proc.communicate(timeout=60)
        fetched = sum("/content/" in r.path for r in replica.requests)
    summary = json.loads(out)
    (portal,) = summary["portals"]
    assert portal["finish_reason"] == "shutdown", err
    assert portal["archive_error"] is None, err
    assert "writer process" not in err
    archived = rows(db, "SELECT count(*) FROM articles")[0][0]
    assert 3 <= archived <= fetched
    assert portal["articles_new"] == archived
