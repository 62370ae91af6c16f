"""End to end, SharePoint family: the real CLI crawls a SharePoint replica into a fresh archive.

Expected values come from the replica's ground truth (``ReplicaServer.ground_truth()``), never
from the code under test.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from civicnews.replica import ReplicaServer
from civicnews.replica.sharepoint_site import ARTICLE_PATH, CATEGORY
from tests.conftest import rows
from tests.family_e2e import (
    assert_each_article_once,
    assert_unlisted_reached,
    crawl_replica,
    stored,
)

FAMILY = "sharepoint"
SEED_TITLE = (
    "Quận Bắc Từ Liêm sơ kết 05 năm về đẩy mạnh phong trào bảo vệ an ninh Tổ quốc "
    "trong tình hình mới."
)
SEED_CAPTION = "Đồng chí Nguyễn Kim Vinh - Phó Chủ tịch UBND quận phát biểu tại hội nghị"
# Page furniture around the body on this family's pages: none of it is article text.
FURNITURE = (
    "Lượt xem", "Quay lại", "In bài", "Gửi email", "Aa", "Tin liên quan", "Các tin khác",
    "Xem thêm", "Trang chủ", "Chuyên mục", "Liên kết website", "Đăng nhập", "Đang truy cập",
    "Cơ quan chủ quản",
)  # fmt: skip


@pytest.fixture(scope="module")
def site():
    with ReplicaServer(family=FAMILY, articles=50, seed=2) as server:
        yield server


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, site):
    return crawl_replica(tmp_path_factory.mktemp("sharepoint"), site, "sp", FAMILY)


def test_every_article_archived_once(crawled, site):
    assert_each_article_once(*crawled, site, 50)


def test_unlisted_articles_reached_through_related_news(crawled, site):
    assert_unlisted_reached(crawled[0], site, 30)


def test_rows_match_ground_truth(crawled, site):
    db, _ = crawled
    archive = stored(db)
    for art in site.ground_truth():
        row = archive[art["url"]]
        url = art["url"]
        assert row["title"] == art["title"], url
        assert row["published_at"] == art["published_at"], url
        assert row["date_source"] == art["date_source"], url
        if art["published_raw"] is not None:
            assert row["published_raw"] == art["published_raw"], url
        assert row["author"] == art["author"], url
        assert row["sapo"] == art["sapo"], url
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
        if art["sapo"]:
            assert art["sapo"] not in body, url
        if art["author"]:
            assert art["author"] not in lines[-1], url
        for furniture in FURNITURE:
            assert furniture not in body, (url, furniture)
        for key in art["related"]:
            assert site.truth(key)["title"] not in lines, url
        assert "\u00a0" not in body and "\u200b" not in body


def test_dates_are_printed_unpadded_and_read_day_first(crawled, site):
    db, _ = crawled
    archive = stored(db)
    page_dated = [r["published_raw"] for r in archive.values() if r["date_source"] == "page"]
    # Day, month, hour or minute below 10 printed as one digit ("1/12/2018 9:7") and still read
    # right: every row's published_at matched the ground truth in test_rows_match_ground_truth.
    assert sum(bool(re.search(r"(?<![\d])\d[/: ]", raw + " ")) for raw in page_dated) >= 10
    seed = next(r for r in archive.values() if r["title"] == SEED_TITLE)
    assert seed["published_raw"] == "1/12/2018 9:7"
    assert seed["published_at"] == "2018-12-01T09:07:00+07:00"


def test_seed_article(crawled, site):
    db, _ = crawled
    archive = stored(db)
    seed = next(r for r in archive.values() if r["title"] == SEED_TITLE)
    assert seed["author"] == "Minh Vịnh"
    assert seed["sapo"] is None
    assert seed["body_text"].startswith("Ngày 29/11, quận Bắc Từ Liêm sơ kết 05 năm")
    assert seed["body_text"].endswith("trong tình hình mới./.")
    assert "163/181 tổ dân phố không phát sinh tội phamh" in seed["body_text"]
    (image,) = json.loads(seed["images"])
    assert image["caption"] == SEED_CAPTION
    # Written "http&#58;//host/..." in the page: must be a usable URL on the replica's host.
    assert image["url"].startswith(site.url + "/tin-tuc/PublishingImages/")


def test_related_graph_uses_canonical_item_urls(crawled, site):
    db, _ = crawled
    edges: dict[str, set[str]] = {}
    for from_url, to_url in rows(db, "SELECT from_url, to_url FROM related_links"):
        edges.setdefault(from_url, set()).add(to_url)
    for art in site.ground_truth():
        assert edges.get(art["url"]) == {site.truth(k)["url"] for k in art["related"]}, art["url"]


def test_each_article_fetched_once_by_its_item_id(crawled, site):
    articles = [r for r in site.requests if r.path.startswith(ARTICLE_PATH)]
    item_ids = [dict(parse_qsl(urlsplit(r.path).query)) for r in articles]
    # Listing links carry CateID and Source=<listing>: the crawler asks for ?ItemID=n alone.
    assert all(list(q) == ["ItemID"] for q in item_ids)
    assert len(articles) == len({q["ItemID"] for q in item_ids}) == 50
