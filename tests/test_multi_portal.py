"""One `civicnews crawl a b c ...` run over portals of different CMS families at once."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from civicnews.parsers import get_parser
from civicnews.replica import FAMILIES, ReplicaServer
from tests.conftest import portal_toml, rows, run_cli


def _has_parser(family: str) -> bool:
    try:
        get_parser(family)
    except ValueError:
        return False
    return True


# (portal key, replica family, registry family): every family with a replica and a parser reads
# its own replica, and one portal of unknown family is read by the generic parser.
PORTALS = [(f"own_{f.replace('-', '_')}", f, f) for f in sorted(FAMILIES) if _has_parser(f)]
PORTALS.append(("unknown_cms", "liferay", "generic"))
SIZES = {"liferay": 40, "hanoi-platform": 50}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("multi")
    servers = {}
    try:
        for i, (key, replica_family, _) in enumerate(PORTALS):
            size = SIZES.get(replica_family, 30)
            servers[key] = ReplicaServer(replica_family, articles=size, seed=10 + i).start()
        pf = tmp / "portals.toml"
        pf.write_text(
            "".join(portal_toml(k, servers[k].start_url, family=fam) for k, _, fam in PORTALS),
            "utf-8",
        )
        db = tmp / "archive.db"
        keys = [k for k, _, _ in PORTALS]
        proc = run_cli("crawl", *keys, "--db", str(db), "--portals-file", str(pf), "--json")
        truth = {k: s.ground_truth() for k, s in servers.items()}
        api_calls = {k: list(getattr(s.renderer, "api_calls", [])) for k, s in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    assert proc.returncode == 0, proc.stderr
    return db, json.loads(proc.stdout), truth, api_calls


def test_the_run_mixes_families():
    families = {fam for _, _, fam in PORTALS}
    assert {"liferay", "hanoi-platform", "generic"} <= families


def test_run_summary_counts_each_portal(run):
    _, summary, truth, _ = run
    assert summary["ok"] is True
    by_key = {p["portal"]: p for p in summary["portals"]}
    assert list(by_key) == [k for k, _, _ in PORTALS]
    for key, result in by_key.items():
        assert result["finish_reason"] == "finished", key
        assert result["articles_new"] == len(truth[key]), key
    assert summary["totals"]["articles_new"] == sum(len(t) for t in truth.values())


@pytest.mark.parametrize("key,replica_family,family", PORTALS, ids=[p[0] for p in PORTALS])
def test_each_portal_archives_its_own_articles(run, key, replica_family, family):
    db, _, truth, _ = run
    stored = rows(
        db, "SELECT url, title, published_at, extractor FROM articles WHERE portal = ?", (key,)
    )
    assert len(stored) == len(truth[key])
    expected = {a["url"]: a for a in truth[key]}
    assert {r[0] for r in stored} == set(expected)
    # Nothing from another portal's replica was filed under this one.
    assert {urlsplit(r[0]).port for r in stored} == {urlsplit(next(iter(expected))).port}
    for url, title, published_at, extractor in stored:
        assert extractor == family
        assert (title, published_at) == (expected[url]["title"], expected[url]["published_at"])


def test_the_hanoi_portal_paged_through_its_api(run):
    *_, api_calls = run
    (key,) = [k for k, rf, fam in PORTALS if fam == "hanoi-platform"]
    assert [int(c["PageIndex"]) for c in api_calls[key]][:1] == [1]
    assert len(api_calls[key]) >= 2
