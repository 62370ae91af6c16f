"""``family = "auto"``: real crawls of replicas of every family whose registry entry says auto.

One ``civicnews crawl`` run over four portals, each a replica of another CMS family and each
configured ``family = "auto"`` (one by omitting the family line, the default), beside one
whose family is given; then a second, incremental run over the same archive.  Expected
values come from the replicas' ground truth.
"""

from __future__ import annotations

import json

import pytest

from civicnews.replica import FAMILIES, ReplicaServer
from civicnews.runs import recent_runs
from tests.conftest import portal_toml, rows, run_cli

# (portal key, replica family)
PORTALS = [(f"auto_{f.replace('-', '_')}", f) for f in sorted(FAMILIES)]
ARTICLES = 20


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("auto")
    servers = {}
    try:
        for i, (key, family) in enumerate(PORTALS):
            servers[key] = ReplicaServer(family, articles=ARTICLES, seed=20 + i).start()
        text = ""
        for key, _ in PORTALS:
            entry = portal_toml(key, servers[key].start_url, family="auto")
            if key == "auto_liferay":  # no family line at all: auto is the default
                entry = entry.replace('family = "auto"\n', "")
            text += entry
        pf = tmp / "portals.toml"
        db = tmp / "archive.db"
        servers["fixed"] = ReplicaServer("sharepoint", articles=ARTICLES, seed=30).start()
        text += portal_toml("fixed", servers["fixed"].start_url, family="sharepoint")
        pf.write_text(text, "utf-8")
        keys = [k for k, _ in PORTALS] + ["fixed"]
        args = ("crawl", *keys, "--db", str(db), "--portals-file", str(pf), "--json")
        first = run_cli(*args, "--log-file", str(tmp / "first.log"))
        second = run_cli(*args)
        truth = {k: s.ground_truth() for k, s in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    log = (tmp / "first.log").read_text("utf-8")
    return db, json.loads(first.stdout), json.loads(second.stdout), truth, log


def test_the_entries_say_auto(runs, tmp_path):
    assert len(PORTALS) >= 2
    proc = run_cli("portals", "--json", "--portals-file", str(_auto_file(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    by_key = {p["key"]: p for p in json.loads(proc.stdout)}
    assert by_key["x"]["family"] == "auto"


def _auto_file(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[portals.x]\nstart_urls = ["http://127.0.0.1:9/"]\n', "utf-8")
    return path


@pytest.mark.parametrize("key,family", PORTALS, ids=[k for k, _ in PORTALS])
def test_each_portal_is_read_with_its_detected_family(runs, key, family):
    db, first, _, truth, _ = runs
    result = {p["portal"]: p for p in first["portals"]}[key]
    assert result["family"] == family
    assert result["articles_new"] == ARTICLES
    stored = rows(db, "SELECT url, title, extractor FROM articles WHERE portal = ?", (key,))
    expected = {a["url"]: a for a in truth[key]}
    # Every article once, under its family's canonical URL, read by the family's own parser.
    assert sorted(url for url, _, _ in stored) == sorted(expected)
    for url, title, extractor in stored:
        assert title == expected[url]["title"]
        assert extractor == family


def test_the_family_is_recorded_in_the_run_and_logged(runs):
    db, first, _, _, log = runs
    run = [r for r in recent_runs(db) if r.id == first["run_id"]][0]
    for key, family in PORTALS:
        assert run.counts[key]["family"] == family
        assert f"portal {key}: family {family} detected on " in log


def test_a_family_given_is_recorded_too(runs):
    _, first, _, _, log = runs
    assert {p["portal"]: p for p in first["portals"]}["fixed"]["family"] == "sharepoint"
    assert "portal fixed: family" not in log


def test_a_second_run_finds_everything_archived(runs):
    db, _, second, _, _ = runs
    for result in second["portals"]:
        key = result["portal"]
        family = dict(PORTALS, fixed="sharepoint")[key]
        assert result["family"] == family
        assert result["articles_new"] == 0, key
        assert result["articles_known"] >= 1, key
    count = rows(db, "SELECT count(*) FROM articles")[0][0]
    assert count == ARTICLES * (len(PORTALS) + 1)


def test_a_portal_that_moved_to_another_cms_is_named(tmp_path):
    # Configured as Liferay (its CMS until 2025), now serving the new Hanoi platform.
    with ReplicaServer("hanoi-platform", articles=10, seed=5) as server:
        pf = tmp_path / "portals.toml"
        pf.write_text(portal_toml("moved", server.start_url, family="liferay"), "utf-8")
        db = tmp_path / "archive.db"
        proc = run_cli("crawl", "moved", "--db", str(db), "--portals-file", str(pf), "--json")
    summary = json.loads(proc.stdout)
    (warning,) = summary["warnings"]
    assert (warning["check"], warning["configured"], warning["detected"]) == (
        "family_mismatch", "liferay", "hanoi-platform"
    )  # fmt: skip
    assert (
        "civicnews: health warning: portal moved: configured as liferay but its pages look like "
        "hanoi-platform" in proc.stderr
    )
    assert 'set its family to "hanoi-platform"' in proc.stderr
    assert recent_runs(db)[0].counts["moved"]["warnings"][0]["detected"] == "hanoi-platform"
