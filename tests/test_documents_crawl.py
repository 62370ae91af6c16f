"""End to end: a real crawl of a replica with attachments, ``civicnews extract``, then
``civicnews search`` finds each decision by its number (issue 17).

Expected numbers and metadata are the lines the replica wrote into its documents
(civicnews/replica/attachments.py), not civicnews' output.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from civicnews.replica.server import ReplicaServer
from tests.conftest import portal_toml, run_cli


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("doccrawl")
    with ReplicaServer("hanoi-platform", articles=14, seed=2, attachments=True) as server:
        pf = tmp / "portals.toml"
        pf.write_text(portal_toml("replica", server.start_url, "hanoi-platform",
                                  file_hosts=["localhost"]), "utf-8")  # fmt: skip
        db = tmp / "archive.db"
        done = run_cli("crawl", "replica", "--db", str(db), "--portals-file", str(pf),
                       "--set", "CIVICNEWS_FILES_MAXSIZE=1000000", "--json")  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        expected = server.attachments.expected()
    done = run_cli("extract", "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    return db, expected, json.loads(done.stdout)


def test_every_stored_file_gets_a_text_row(crawled):
    db, expected, counts = crawled
    stored = {e["digest"] for e in expected if e["digest"]}
    conn = sqlite3.connect(db)
    statuses = dict(conn.execute("SELECT digest, status FROM file_texts"))
    assert set(statuses) == stored
    assert counts["files"] == len(stored)
    broken = next(e for e in expected if e["behaviour"] == "broken")
    if broken["digest"]:
        assert statuses[broken["digest"]] == "broken"
    assert "ok" in set(statuses.values())


def test_search_finds_each_decision_by_its_number(crawled):
    db, expected, _ = crawled
    decisions = [e for e in expected if e["name"].startswith("Quyết định số 1")]
    assert decisions
    conn = sqlite3.connect(db)
    for decision in decisions:
        number = decision["name"].removeprefix("Quyết định số ")
        linking = {u for (u,) in conn.execute(
            "SELECT article_url FROM article_files WHERE file_url LIKE ?",
            ("%" + decision["path"],))}  # fmt: skip
        done = run_cli("search", number, "--db", str(db), "--json")
        assert done.returncode == 0, done.stderr
        # The article lists the link ("Quyết định số 1xx/QĐ-UBND") and the PDF bears it.
        assert {h["url"] for h in json.loads(done.stdout)} == linking, number
        # What only the PDF says finds the article through its file.
        k = int(number.split("/")[0]) - 100
        subject = f'"chỉnh trang đô thị tổ dân phố số {k % 12 + 1}"'
        hits = json.loads(run_cli("search", subject, "--db", str(db), "--json").stdout)
        mine = [h for h in hits if h["url"] in linking]
        assert mine and all(h["match"] == "file" for h in mine), (number, hits)
        assert {h["doc_number"] for h in mine} == {number}


def test_the_shared_plan_is_found_from_every_article_linking_it(crawled):
    db, expected, _ = crawled
    shared = next(e for e in expected if e["name"] == "Kế hoạch số 45/KH-UBND")
    done = run_cli("search", "45/KH-UBND", "--db", str(db), "--json", "--doc-type", "Kế hoạch")
    hits = json.loads(done.stdout)
    assert len(hits) == len(shared["keys"]) >= 3
    conn = sqlite3.connect(db)
    assert conn.execute(
        "SELECT doc_number, doc_type, doc_issuer FROM file_texts WHERE digest = ?",
        (shared["digest"],),
    ).fetchone() == ("45/KH-UBND", "Kế hoạch", "ỦY BAN NHÂN DÂN PHƯỜNG ĐÔNG NGẠC")
