"""End to end, table-layout ASP.NET family: the real CLI crawls a FITC-style replica.

Expected values come from the replica's ground truth (``ReplicaServer.ground_truth()``), never
from the code under test.
"""

from __future__ import annotations

import json

import pytest

from civicnews.replica import ReplicaServer
from civicnews.replica.aspnet_table import ARTICLE_PREFIX, CATEGORY
from tests.conftest import rows
from tests.family_e2e import (
    assert_each_article_once,
    assert_unlisted_reached,
    crawl_replica,
    stored,
)

FAMILY = "aspnet-table"
SEED_TITLE = (
    "Quận Bắc Từ Liêm sơ kết 05 năm về đẩy mạnh phong trào bảo vệ an ninh Tổ quốc "
    "trong tình hình mới."
)
SEED_CAPTION = "Đồng chí Nguyễn Kim Vinh - Phó Chủ tịch UBND quận phát biểu tại hội nghị"
# The layout's menus and columns, the detail box's tools and related blocks: not article text.
FURNITURE = (
    "Trang chủ", "Giới thiệu", "Văn bản", "Liên hệ", "Chuyên mục", "Thông báo",
    "Thủ tục hành chính", "Tin mới", "Thống kê truy cập", "Đang truy cập", "Bản quyền",
    "Ngày cập nhật", "Gửi tin qua email", "In ấn", "Các tin khác", "CÁC TIN ĐÃ ĐƯA",
    "Lượt xem", "Trở về", "In bài", "Tin tức >>",
)  # fmt: skip


@pytest.fixture(scope="module")
def site():
    with ReplicaServer(family=FAMILY, articles=45, seed=3) as server:
        yield server


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, site):
    return crawl_replica(tmp_path_factory.mktemp("aspnet"), site, "fitc", FAMILY)


def test_every_article_archived_once(crawled, site):
    assert_each_article_once(*crawled, site, 45)


def test_unlisted_articles_reached_through_related_news(crawled, site):
    assert_unlisted_reached(crawled[0], site, 27)


def test_rows_match_ground_truth(crawled, site):
    db, _ = crawled
    archive = stored(db)
    for art in site.ground_truth():
        url = art["url"]
        row = archive[url]
        assert row["title"] == art["title"], url
        assert row["published_at"] == art["published_at"], url
        assert row["date_source"] == art["date_source"], url
        if art["published_raw"] is not None:
            assert row["published_raw"] == art["published_raw"], url
        assert row["author"] == art["author"], url
        assert row["sapo"] is None
        assert row["category"] == CATEGORY
        assert row["extractor"] == FAMILY
        if art["source"]:
            assert art["source"] in (row["source"] or ""), url
        else:
            assert row["source"] is None, url
        body = row["body_text"]
        for snippet in art["body_snippets"]:
            assert snippet in body, url
        lines = body.split("\n")
        assert art["title"] not in lines, url
        if art["author"]:
            assert art["author"] not in lines[-1], url
        for furniture in FURNITURE:
            assert furniture not in body, (url, furniture)
        for key in art["related"]:
            assert site.truth(key)["title"] not in lines, url
        assert "\u00a0" not in body and "\u200b" not in body and "\ufeff" not in body


def test_articles_without_a_date_take_the_category_page_day(crawled, site):
    db, _ = crawled
    archive = stored(db)
    undated = [a for a in site.ground_truth() if a["date_source"] == "listing"]
    assert undated
    for art in undated:
        row = archive[art["url"]]
        assert row["published_at"] == art["published_at"]  # YYYY-MM-DD only
        assert len(row["published_at"]) == 10


def test_seed_article(crawled, site):
    db, _ = crawled
    seed = next(r for r in stored(db).values() if r["title"] == SEED_TITLE)
    assert seed["published_raw"] == "Ngày cập nhật 01/12/2018 09:07"
    assert seed["published_at"] == "2018-12-01T09:07:00+07:00"
    assert seed["author"] == "Minh Vịnh"
    assert seed["body_text"].startswith("Ngày 29/11, quận Bắc Từ Liêm sơ kết 05 năm")
    assert seed["body_text"].endswith("trong tình hình mới./.")
    assert "163/181 tổ dân phố không phát sinh tội phamh" in seed["body_text"]
    (image,) = json.loads(seed["images"])
    assert image["caption"] == SEED_CAPTION
    assert image["url"].startswith(site.url + "/Portals/0/Images/2018/")


def test_related_graph(crawled, site):
    db, _ = crawled
    edges: dict[str, set[str]] = {}
    for from_url, to_url in rows(db, "SELECT from_url, to_url FROM related_links"):
        edges.setdefault(from_url, set()).add(to_url)
    for art in site.ground_truth():
        assert edges.get(art["url"]) == {site.truth(k)["url"] for k in art["related"]}, art["url"]


def test_each_article_fetched_once(crawled, site):
    paths = [r.path for r in site.requests if r.path.startswith(ARTICLE_PREFIX)]
    assert all(r.status == 200 for r in site.requests if r.path.startswith(ARTICLE_PREFIX))
    assert len(paths) == len(set(paths)) == 45
