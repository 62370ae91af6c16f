"""Cross-posted articles, the named queries, Datasette and `civicnews stats` on one real crawl.

Two registry portals point at the same replica, one as 127.0.0.1 and one as
localhost: to the crawler two hosts serving the same articles, like a story
cross-posted on two district portals.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from datasette.utils import detect_fts

from civicnews.archive import Archive
from civicnews.datasette import METADATA
from tests.conftest import portal_toml, rows, run_cli

QUERIES = json.loads(METADATA.read_text("utf-8"))["databases"]["archive"]["queries"]
LATER = "2099-01-01T00:00:00+00:00"  # fetch time of the edits made through the library API


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, replica):
    tmp = tmp_path_factory.mktemp("queries")
    pf = tmp / "portals.toml"
    other = replica.start_url.replace("127.0.0.1", "localhost")
    pf.write_text(portal_toml("ipv4", replica.start_url) + portal_toml("named", other), "utf-8")
    db = tmp / "archive.db"
    out = run_cli("crawl", "ipv4", "named", "--db", str(db), "--portals-file", str(pf), "--json")
    assert out.returncode == 0, out.stderr
    truth = replica.ground_truth()
    urls = {
        "ipv4": {a["key"]: a["url"] for a in truth},
        "named": {a["key"]: a["url"].replace("127.0.0.1", "localhost") for a in truth},
    }
    return db, truth, urls


def test_cross_posted_articles_stay_one_row_per_portal_linked_by_text(crawled):
    db, truth, urls = crawled
    stored = {url: (portal, dup, th) for url, portal, dup, th in rows(
        db, "SELECT url, portal, duplicate_of, text_hash FROM articles"
    )}  # fmt: skip
    assert len(stored) == 2 * len(truth)
    for article in truth:
        a, b = urls["ipv4"][article["key"]], urls["named"][article["key"]]
        assert stored[a][0] == "ipv4" and stored[b][0] == "named"
        assert stored[a][2] == stored[b][2]
        # exactly one copy points at the other, whichever portal was stored first
        assert {stored[a][1], stored[b][1]} in ({None, a}, {None, b})
        assert stored[a][1] != a and stored[b][1] != b


@pytest.fixture(scope="module")
def edited(crawled):
    """Through the library API: one article changed, one gone, one without a date."""
    db, truth, urls = crawled
    changed, gone = urls["ipv4"][truth[3]["key"]], urls["named"][truth[4]["key"]]
    with Archive(db) as archive:
        current = archive.get(changed)
        archive.store(
            [
                {**current, "title": current["title"] + " (cập nhật)", "fetched_at": LATER},
                {"url": gone, "portal": "named", "status": 410, "fetched_at": LATER},
                {
                    "url": "http://127.0.0.1/khong-ngay",
                    "portal": "ipv4",
                    "title": "Bài không có ngày",
                    "published_raw": "Thứ Hai",
                    "body_text": "Một bài viết mà trang không ghi ngày đăng.",
                    "fetched_at": LATER,
                },
            ]
        )
    return db, truth, urls, changed, gone


def run_query(db: Path, name: str, **params) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(QUERIES[name]["sql"], params).fetchall()
    finally:
        conn.close()


def test_every_named_query_is_tested():
    assert set(QUERIES) == {
        "latest_per_portal",
        "articles_per_portal_per_month",
        "changed_since",
        "without_date",
        "gone",
        "search",  # needs the civicnews plugin's functions: tests/test_datasette_plugin.py
    }


def test_latest_per_portal(edited):
    db, truth, urls, _, _ = edited
    got = run_query(db, "latest_per_portal", per_portal="3")
    expected = []
    for portal in ("ipv4", "named"):
        newest = sorted(truth, key=lambda a: a["published_at"], reverse=True)[:3]
        for a in newest:
            expected.append((portal, a["published_at"], urls[portal][a["key"]]))
    assert [(p, d, u) for p, d, _, u in got] == expected
    assert len(run_query(db, "latest_per_portal", per_portal="")) == 2 * 10


def test_articles_per_portal_per_month(edited):
    db, truth, _, _, _ = edited
    months = Counter(a["published_at"][:7] for a in truth)
    expected = [(p, m, n) for p in ("ipv4", "named") for m, n in sorted(months.items())]
    assert run_query(db, "articles_per_portal_per_month") == expected


def test_changed_since(edited):
    db, _, _, changed, _ = edited
    got = run_query(db, "changed_since", since="2000-01-01")
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in got] == [("ipv4", changed, 2, 1, LATER)]
    assert run_query(db, "changed_since", since="2099-01-02") == []


def test_without_date_and_gone(edited):
    db, _, _, _, gone = edited
    assert [(r[0], r[1], r[3]) for r in run_query(db, "without_date")] == [
        ("ipv4", "http://127.0.0.1/khong-ngay", "Thứ Hai")
    ]
    assert [(r[1], r[4], r[5]) for r in run_query(db, "gone")] == [(gone, LATER, 410)]


def test_datasette_detects_the_folded_index(crawled):
    db, _, _ = crawled
    conn = sqlite3.connect(db)
    assert detect_fts(conn, "articles") == "articles_fts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_datasette_serves_the_named_queries_and_search(edited):
    db, truth, urls, _, _ = edited
    port = _free_port()
    datasette = Path(sys.executable).with_name("datasette")
    proc = subprocess.Popen(
        [str(datasette), "serve", str(db), "--metadata", str(METADATA), "-h", "127.0.0.1",
         "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(proc.stderr.read().decode())
                time.sleep(0.1)
        with urllib.request.urlopen(
            base + "/archive/articles_per_portal_per_month.json?_shape=array"
        ) as r:
            served = json.load(r)
        assert [(x["portal"], x["month"], x["articles"]) for x in served] == run_query(
            db, "articles_per_portal_per_month"
        )
        with urllib.request.urlopen(
            base + "/archive/articles.json?_search=bac+tu+liem+so+ket&_shape=array&_size=max"
        ) as r:
            found = {x["url"] for x in json.load(r)}
        seed = next(a for a in truth if a["key"] == 7)
        assert {urls["ipv4"][7], urls["named"][7]} <= found
        assert seed["title"].startswith("Quận Bắc Từ Liêm sơ kết")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()


def test_cli_stats(edited):
    db, truth, _, _, _ = edited
    out = run_cli("stats", "--db", str(db), "--json")
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    n = len(truth)
    by_portal = {p["portal"]: p for p in figures["portals"]}
    assert by_portal["ipv4"]["articles"] == n + 1  # + the undated one
    assert by_portal["named"]["articles"] == n
    assert (by_portal["ipv4"]["changed"], by_portal["named"]["gone"]) == (1, 1)
    assert figures["totals"]["revisions"] == 2 * n + 1 + 1
    assert figures["totals"]["duplicates"] == n
    dates = sorted(a["published_at"] for a in truth)
    assert figures["totals"]["first_published"] == dates[0]
    assert figures["totals"]["last_published"] == dates[-1]
    text = run_cli("stats", "--db", str(db))
    assert text.returncode == 0, text.stderr
    assert "ipv4" in text.stdout and "named" in text.stdout and "last run:" in text.stdout
