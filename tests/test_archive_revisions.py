"""Revisions, raw captures and gone articles: the replica changes between real crawls."""

from __future__ import annotations

import sqlite3
import time
import urllib.request
import zlib

import pytest

from civicnews.archive import Archive
from civicnews.replica import ReplicaServer
from tests.conftest import portal_toml, rows, run_cli

ARTICLES = 40
RETITLED, REWRITTEN, GONE = 12, 20, 25
NEW_SENTENCE = "Nội dung này đã được ban biên tập quận Đống Đa chỉnh sửa lại."


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    """Three crawls of one replica: as served, after edits and a takedown, after the revert."""
    tmp = tmp_path_factory.mktemp("revisions")
    db = tmp / "archive.db"
    with ReplicaServer("liferay", articles=ARTICLES, seed=5) as replica:
        pf = tmp / "portals.toml"
        pf.write_text(portal_toml("replica", replica.start_url), "utf-8")
        truth = {a["key"]: a for a in replica.ground_truth()}

        def crawl():
            # Fetch times have one-second resolution and a refresh takes articles
            # last seen *before* the run's start: never start in the same second.
            time.sleep(1.0)
            # --refresh-after 0: refetch every archived article (crawls are incremental)
            out = run_cli(
                "crawl", "replica", "--refresh-after", "0", "--db", str(db),
                "--portals-file", str(pf), "--json",
            )  # fmt: skip
            assert out.returncode == 0, out.stderr
            return out

        crawl()
        first = _snapshot(db)
        old_title = truth[RETITLED]["title"]
        replica.overrides[RETITLED] = {"replace": [(old_title, old_title + " (đã sửa)")]}
        replica.overrides[REWRITTEN] = {
            "replace": [(truth[REWRITTEN]["body_snippets"][2], NEW_SENTENCE)]
        }
        replica.overrides[GONE] = {"status": 404}
        crawl()
        second = _snapshot(db)
        replica.overrides.clear()
        crawl()
        third = _snapshot(db)
        seed_page = urllib.request.urlopen(truth[7]["url"]).read()
        yield {
            "db": db,
            "truth": truth,
            "first": first,
            "second": second,
            "third": third,
            "seed_page": seed_page,
        }


def _snapshot(db):
    return {
        url: dict(
            zip(("title", "body", "count", "gone_at", "status", "first", "last"), rest, strict=True)
        )
        for url, *rest in rows(
            db,
            "SELECT url, title, body_text, revision_count, gone_at, last_status, first_seen_at, "
            "last_seen_at FROM articles",
        )
    }


def _url(crawls, key):
    return crawls["truth"][key]["url"]


def _kinds(db, url):
    return [
        k
        for (k,) in rows(db, "SELECT kind FROM captures WHERE article_url = ? ORDER BY id", (url,))
    ]


def test_first_crawl_one_revision_and_capture_per_article(crawls):
    first = crawls["first"]
    assert len(first) == ARTICLES
    assert {r["count"] for r in first.values()} == {1}


def test_changed_title_adds_a_revision_and_the_row_takes_it(crawls):
    url = _url(crawls, RETITLED)
    old = crawls["truth"][RETITLED]["title"]
    assert crawls["second"][url]["title"] == old + " (đã sửa)"
    assert crawls["second"][url]["count"] == 2
    # the revert is a change too
    assert crawls["third"][url]["title"] == old
    assert crawls["third"][url]["count"] == 3
    titles = [
        t
        for (t,) in rows(
            crawls["db"], "SELECT title FROM revisions WHERE article_url = ? ORDER BY id", (url,)
        )
    ]
    assert titles == [old, old + " (đã sửa)", old]


def test_changed_body_is_archived_and_search_follows(crawls):
    db, url = crawls["db"], _url(crawls, REWRITTEN)
    old_sentence = crawls["truth"][REWRITTEN]["body_snippets"][2]
    second, third = crawls["second"][url], crawls["third"][url]
    assert NEW_SENTENCE in second["body"] and old_sentence not in second["body"]
    assert old_sentence in third["body"] and NEW_SENTENCE not in third["body"]
    bodies = [
        b
        for (b,) in rows(
            db, "SELECT body_text FROM revisions WHERE article_url = ? ORDER BY id", (url,)
        )
    ]
    assert [NEW_SENTENCE in b for b in bodies] == [False, True, False]
    with Archive(db) as archive:
        # the index holds the latest state only: the edit was reverted
        assert archive.search("ban bien tap quan dong da chinh sua") == []
        history = archive.revisions(url)
        assert [NEW_SENTENCE in r["body_text"] for r in history] == [False, True, False]
        assert [r["status"] for r in history] == [200, 200, 200]


def test_404_marks_gone_keeps_everything_and_a_later_200_clears_it(crawls):
    db, url = crawls["db"], _url(crawls, GONE)
    first, second, third = (crawls[k][url] for k in ("first", "second", "third"))
    assert first["gone_at"] is None
    assert second["gone_at"] is not None and second["status"] == 404
    # nothing archived is lost: same text, same revision, last seen alive at the first crawl
    assert (second["title"], second["body"], second["count"]) == (
        first["title"],
        first["body"],
        first["count"],
    )
    assert second["last"] == first["last"]
    assert third["gone_at"] is None and third["status"] == 200 and third["count"] == 1
    assert _kinds(db, url) == ["response", "gone", "revisit"]


def test_unchanged_refetch_only_moves_last_seen(crawls):
    db = crawls["db"]
    untouched = [k for k in crawls["truth"] if k not in (RETITLED, REWRITTEN, GONE)]
    for key in untouched:
        url = _url(crawls, key)
        first, third = crawls["first"][url], crawls["third"][url]
        assert third["count"] == 1
        assert third["first"] == first["first"]
        assert third["last"] > first["last"]
        assert (third["title"], third["body"]) == (first["title"], first["body"])
        assert _kinds(db, url) == ["response", "revisit", "revisit"]
    assert rows(db, "SELECT count(*) FROM revisions")[0][0] == ARTICLES + 2 + 2


def test_raw_bodies_are_stored_once_and_exactly_as_sent(crawls):
    db = crawls["db"]
    # 40 pages, 2 edited pages, 1 page "404" body; the reverts match the first bytes
    assert rows(db, "SELECT count(*) FROM raw_bodies")[0][0] == ARTICLES + 2 + 1
    url = _url(crawls, 7)
    digests = {
        d for (d,) in rows(db, "SELECT body_digest FROM captures WHERE article_url = ?", (url,))
    }
    assert len(digests) == 1
    (data, size, compression) = rows(
        db, "SELECT data, size, compression FROM raw_bodies WHERE digest = ?", (digests.pop(),)
    )[0]
    assert compression == "zlib"
    assert zlib.decompress(data) == crawls["seed_page"]
    assert size == len(crawls["seed_page"])
    headers = rows(
        db,
        "SELECT response_headers, request_headers FROM captures WHERE article_url = ? LIMIT 1",
        (url,),
    )[0]
    assert "Content-Type" in headers[0] and "User-Agent" in headers[1]


def test_related_links_and_every_url_seen(crawls):
    db, truth = crawls["db"], crawls["truth"]
    seed = _url(crawls, 7)
    linked = {
        t for (t,) in rows(db, "SELECT to_url FROM related_links WHERE from_url = ?", (seed,))
    }
    assert linked == {truth[k]["url"] for k in truth[7]["related"]}
    # every variant a related block used is filed under its article
    pairs = rows(
        db,
        "SELECT r.linked_url, r.to_url, u.article_url FROM related_links r "
        "LEFT JOIN article_urls u ON u.url = r.linked_url",
    )
    assert pairs and all(article == to for _, to, article in pairs)
    assert any("redirect=" in link for link, _, _ in pairs)
    with Archive(db) as archive:
        variant = next(link for link, _, _ in pairs if "inheritRedirect" in link)
        article = archive.get(variant)
        assert article is not None and variant in article["urls"]


def test_integrity_after_three_crawls(crawls):
    conn = sqlite3.connect(crawls["db"])
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.execute("INSERT INTO articles_fts_exact (articles_fts_exact) VALUES ('integrity-check')")
