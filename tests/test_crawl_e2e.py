"""End to end: the real CLI crawls the replica over 127.0.0.1 into a fresh archive."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import rows, run_cli

SEED_TITLE = (
    "Quận Bắc Từ Liêm sơ kết 05 năm về đẩy mạnh phong trào bảo vệ an ninh Tổ quốc "
    "trong tình hình mới."
)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, replica):
    tmp = tmp_path_factory.mktemp("e2e")
    pf = tmp / "portals.toml"
    from tests.conftest import portal_toml

    pf.write_text(portal_toml("replica", replica.start_url), "utf-8")
    db = tmp / "archive.db"
    first = run_cli("crawl", "replica", "--db", str(db), "--portals-file", str(pf), "--json")
    return tmp, db, pf, first


def test_first_crawl_archives_every_article_once(crawled, replica):
    _, db, _, first = crawled
    assert first.returncode == 0, first.stderr
    truth = replica.ground_truth()
    urls = [u for (u,) in rows(db, "SELECT url FROM articles")]
    assert len(urls) == len(truth)
    assert Counter(urls).most_common(1)[0][1] == 1
    assert set(urls) == {a["url"] for a in truth}
    summary = json.loads(first.stdout)
    assert summary["totals"]["articles_new"] == len(truth)
    assert summary["ok"] is True


def test_articles_only_reachable_through_related_blocks_are_archived(crawled, replica):
    _, db, _, _ = crawled
    unlisted = [a for a in replica.ground_truth() if not a["listed"]]
    assert unlisted, "the replica must have articles missing from its listings"
    stored = {u for (u,) in rows(db, "SELECT url FROM articles")}
    assert {a["url"] for a in unlisted} <= stored


def test_seed_article_row(crawled):
    _, db, _, _ = crawled
    (row,) = rows(
        db,
        "SELECT title, published_at, published_raw, author, body_text, rules, posted_by "
        "FROM articles WHERE title = ?",
        (SEED_TITLE,),
    )
    title, published_at, published_raw, author, body, rules, posted_by = row
    # Which rule read each field, stored with the row (the family's selectors, then shared).
    assert json.loads(rules) == {
        "title": "liferay:.header-title",
        "published": "liferay:.asset-metadata",
        "body": "liferay:.journal-content-article",
        "author": "common:byline-right",
        "category": "liferay:selectors",
        "related": "liferay:selectors",
    }
    assert posted_by is None
    assert published_at == "2018-12-01T09:07:00+07:00"
    assert published_raw == "01/12/2018 - 09:07 AM"
    assert author == "Minh Vịnh"
    assert "163/181 tổ dân phố không phát sinh tội phamh" in body
    assert body.startswith("Ngày 29/11, quận Bắc Từ Liêm sơ kết 05 năm")
    assert body.endswith("trong tình hình mới./.")
    for furniture in (
        "Các tin tức khác",
        "Kết quả bình chọn",
        "In bài",
        "Chia sẻ",
        "Minh Vịnh",
        "Lượt xem",
        "01/12/2018",
        "Trang chủ",
        SEED_TITLE,
    ):
        assert furniture not in body


def test_every_row_matches_the_replica(crawled, replica):
    _, db, _, _ = crawled
    stored = {
        r[0]: r
        for r in rows(
            db,
            "SELECT url, title, published_at, author, body_text, date_source, "
            "published_raw FROM articles",
        )
    }
    for art in replica.ground_truth():
        url, title, published_at, author, body, source, raw = stored[art["url"]]
        assert title == art["title"]
        assert published_at == art["published_at"], url
        assert date_source_ok(source, art["date_source"])
        assert author == art["author"], url
        for snippet in art["body_snippets"]:
            assert snippet in body, url
        assert "\u00a0" not in body and "\u200b" not in body


def date_source_ok(stored: str | None, expected: str) -> bool:
    return stored == expected


def test_second_crawl_adds_no_row(crawled):
    _, db, pf, _ = crawled
    before = rows(db, "SELECT count(*) FROM articles")[0][0]
    second = run_cli("crawl", "replica", "--db", str(db), "--portals-file", str(pf), "--json")
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert summary["totals"]["articles_new"] == 0
    assert summary["totals"]["articles_known"] == before
    assert rows(db, "SELECT count(*) FROM articles")[0][0] == before
