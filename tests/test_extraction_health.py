"""Extraction health: per portal and run, the share of stored articles with each field, and a
warning (never a failure) when a share falls sharply against the portal's previous runs.

The end-to-end test crawls replicas through the real CLI into one archive, three runs of one
portal: two healthy ones, then one where the portal "changed its template" so that bylines
are no longer printed (the replica's per-article ``overrides`` hook removes them).
"""

from __future__ import annotations

import json

import pytest

from civicnews.extraction import (
    ExtractionThresholds,
    baseline_figures,
    check_extraction,
    figures,
    present,
)
from civicnews.replica import ReplicaServer
from civicnews.runs import recent_runs
from tests.conftest import portal_toml, run_cli

# -- pure functions ------------------------------------------------------------------------------


def test_present_reads_time_of_day_from_the_iso_date():
    item = {
        "title": "T",
        "published_at": "2018-12-01T09:07:00+07:00",
        "author": "",
        "body_text": "x",
    }
    assert present(item) == {
        "title": True, "date": True, "time": True, "author": False, "body": True
    }  # fmt: skip
    assert present({"published_at": "2018-12-01"})["time"] is False
    assert present({})["date"] is False


def test_figures_are_shares_of_the_stored_articles():
    stats = {
        "civicnews/extraction/articles": 8,
        "civicnews/extraction/title": 8,
        "civicnews/extraction/date": 6,
        "civicnews/extraction/time": 2,
        "civicnews/extraction/author": 1,
    }
    assert figures(stats) == {
        "articles": 8, "title": 1.0, "date": 0.75, "time": 0.25, "author": 0.125, "body": 0.0
    }  # fmt: skip
    assert figures({}) == {}


def _run(articles=20, **shares):
    base = {
        "articles": articles,
        "title": 1.0,
        "date": 1.0,
        "time": 0.9,
        "author": 0.8,
        "body": 1.0,
    }
    return {**base, **shares}


def test_a_sharp_fall_against_the_median_of_previous_runs_warns():
    limits = ExtractionThresholds()
    previous = baseline_figures(
        [
            {"extraction": _run(author=0.8)},
            {"extraction": _run(author=0.1)},
            {"extraction": _run()},
        ],
        limits,
    )
    found = check_extraction("p", _run(author=0.5), previous, limits)
    assert [(w.field, w.share, w.baseline, w.baseline_runs) for w in found] == [
        ("author", 0.5, 0.8, 3)
    ]
    assert "author read on 50% of 20 articles, 80% before" in found[0].message
    # 0.8 -> 0.56 is a fall of 0.24: below the threshold.
    assert check_extraction("p", _run(author=0.56), previous, limits) == []


def test_small_runs_no_history_or_drop_0_never_warn():
    limits = ExtractionThresholds()
    history = [{"extraction": _run()}]
    assert check_extraction("p", _run(articles=4, author=0.0), history, limits) == []
    assert check_extraction("p", _run(author=0.0), [], limits) == []
    off = ExtractionThresholds(drop=0)
    assert check_extraction("p", _run(author=0.0), history, off) == []
    # A small previous run is no baseline; only the last `runs` usable runs count.
    assert baseline_figures([{"extraction": _run(articles=3)}], limits) == []
    many = [{"extraction": _run(author=0.1 * i)} for i in range(10)]
    assert len(baseline_figures(many, ExtractionThresholds(runs=3))) == 3


def test_bad_settings_are_named():
    class Settings(dict):
        def get(self, name, default=None):
            return super().get(name, default)

    with pytest.raises(ValueError, match="CIVICNEWS_HEALTH_EXTRACTION_DROP"):
        ExtractionThresholds.from_settings(Settings(CIVICNEWS_HEALTH_EXTRACTION_DROP="2"))
    with pytest.raises(ValueError, match="CIVICNEWS_HEALTH_EXTRACTION_MIN_ARTICLES"):
        ExtractionThresholds.from_settings(Settings(CIVICNEWS_HEALTH_EXTRACTION_MIN_ARTICLES="x"))


# -- real crawls -----------------------------------------------------------------------------------

ARTICLES = 20


def _crawl(tmp, db, server, *extra):
    pf = tmp / "portals.toml"
    # One portal key for every run: a new replica port makes every article new to the archive.
    pf.write_text(portal_toml("ward", server.start_url, family="liferay"), "utf-8")
    return run_cli("crawl", "ward", "--db", str(db), "--portals-file", str(pf), *extra)


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("extraction")
    db = tmp / "archive.db"
    out = []
    for seed in (1, 2):
        with ReplicaServer("liferay", articles=ARTICLES, seed=seed) as server:
            out.append(_crawl(tmp, db, server, "--json"))
    with ReplicaServer("liferay", articles=ARTICLES, seed=3) as server:
        # The new template prints no byline: every article page loses its author line.
        for article in server.ground_truth():
            if article["author"]:
                name = article["author"]
                bylines = [(f"<strong>{name}</strong>", ""), (f"<b>{name}</b>", "")]
                server.overrides[article["key"]] = {"replace": bylines}
        out.append(_crawl(tmp, db, server, "--json"))
        out.append(run_cli("runs", "--db", str(db)))
        truth = server.ground_truth()
    timed = sum("T" in (a["published_at"] or "") for a in truth) / len(truth)
    return db, out, timed


def test_each_run_keeps_its_shares(crawls):
    db, (first, second, *_), _ = crawls
    for proc in (first, second):
        assert proc.returncode == 0, proc.stderr
        summary = json.loads(proc.stdout)
        figures_ = summary["portals"][0]["extraction"]
        assert figures_["articles"] == ARTICLES
        assert figures_["title"] == figures_["body"] == figures_["date"] == 1.0
        assert figures_["author"] >= 0.5
        assert summary["warnings"] == []
    run = recent_runs(db)[-1]
    assert run.counts["ward"]["extraction"]["articles"] == ARTICLES
    assert run.counts["ward"]["family"] == "liferay"


def test_a_portal_that_stops_printing_bylines_warns_but_succeeds(crawls):
    db, (_, _, third, _), _ = crawls
    assert third.returncode == 0, third.stderr
    summary = json.loads(third.stdout)
    assert summary["ok"] is True and summary["exit_code"] == 0
    figures_ = summary["portals"][0]["extraction"]
    assert figures_["author"] == 0.0 and figures_["title"] == 1.0
    (warning,) = summary["warnings"]
    assert warning["check"] == "extraction_author" and warning["baseline_runs"] == 2
    assert "civicnews: health warning: portal ward: author read on 0% of 20 articles" in (
        third.stderr
    )
    newest = recent_runs(db)[0]
    assert newest.status == "ok"
    assert newest.counts["ward"]["warnings"][0]["field"] == "author"


def test_runs_shows_the_shares_and_the_warning(crawls):
    _, (*_, listing), timed = crawls
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert "ok (1 health warning)" in lines[1]
    assert lines[2].startswith(
        "      ward (liferay): 20 stored: title 100% date 100% "
        f"time {timed:.0%} author 0% body 100%"
    )
    assert "WARNING author fell to 0% from" in lines[2]
    # The two earlier runs: no warning.
    assert sum("WARNING" in line for line in lines) == 1


@pytest.mark.parametrize(
    "setting",
    [
        "CIVICNEWS_HEALTH_EXTRACTION_DROP=2",
        "CIVICNEWS_HEALTH_EXTRACTION_MIN_ARTICLES=few",
        "CIVICNEWS_DETECT_PAGES=five",
    ],
)
def test_bad_values_are_refused_before_the_run(tmp_path, setting):
    pf = tmp_path / "portals.toml"
    pf.write_text(portal_toml("ward", "http://127.0.0.1:9/tin-tuc", family="auto"), "utf-8")
    db = tmp_path / "a.db"
    proc = run_cli("crawl", "ward", "--db", str(db), "--portals-file", str(pf), "--set", setting)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and setting.split("=")[0] in lines[0], proc.stderr
    assert not db.exists()
