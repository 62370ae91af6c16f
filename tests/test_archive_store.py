"""The store pipeline and the library API on real SQLite files, without a crawl."""

from __future__ import annotations

import hashlib
import zlib
from datetime import date

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from civicnews.archive import Archive
from civicnews.archive.writer import COMPRESS_CHUNK
from civicnews.items import ArticleItem
from civicnews.pipelines.store import StorePipeline
from tests.conftest import rows

BODY = (
    "Ngày 20/3, UBND phường Cầu Giấy tổ chức hội nghị triển khai công tác phòng cháy chữa "
    "cháy năm 2025 với sự tham dự của đại diện các tổ dân phố, các cơ sở kinh doanh và lực "
    "lượng công an phường. Hội nghị đã thống nhất kế hoạch kiểm tra định kỳ các khu dân cư."
)
PAGE = b"<html><body><h1>Trang</h1></body></html>"


def item(n: int = 1, **kw) -> ArticleItem:
    base = dict(
        portal="caugiay",
        url=f"https://caugiay.hanoi.gov.vn/tin/{n}",
        fetched_url=f"https://caugiay.hanoi.gov.vn/tin/{n}",
        fetched_at=f"2025-03-2{n % 10}T00:00:00+00:00",
        title=f"Bài số {n}",
        published_at="2025-03-20T09:00:00+07:00",
        body_text=BODY + f" Bài số {n}.",
        response_body=PAGE + str(n).encode(),
        response_headers={"Content-Type": ["text/html"], "ETag": [f'"e{n}"']},
    )
    base.update(kw)
    return ArticleItem(**base)


def put(pipe, item) -> None:
    """What a crawl does, on one thread: buffer, and write each full batch."""
    batch = pipe.add(item)
    if batch:
        pipe.write_batch(batch)


def store(path, items, batch=500):
    crawler = get_crawler(settings_dict={"CIVICNEWS_DB": str(path), "CIVICNEWS_BATCH_SIZE": batch})
    crawler.stats = MemoryStatsCollector(crawler)
    pipe = StorePipeline.from_crawler(crawler)
    pipe.open_spider()
    for it in items:
        put(pipe, it)
    pipe.close()
    return crawler.stats


def test_two_versions_in_one_batch_are_two_revisions(tmp_path):
    db = tmp_path / "a.db"
    s = store(
        db,
        [item(1), item(1, title="Bài số 1 (sửa)", fetched_at="2025-03-22T00:00:00+00:00"), item(2)],
    )
    assert rows(db, "SELECT url, title, revision_count, etag FROM articles ORDER BY url") == [
        ("https://caugiay.hanoi.gov.vn/tin/1", "Bài số 1 (sửa)", 2, '"e1"'),
        ("https://caugiay.hanoi.gov.vn/tin/2", "Bài số 2", 1, '"e2"'),
    ]
    assert rows(db, "SELECT title FROM revisions WHERE article_url LIKE '%/1' ORDER BY id") == [
        ("Bài số 1",),
        ("Bài số 1 (sửa)",),
    ]
    assert (s.get_value("civicnews/articles_new"), s.get_value("civicnews/articles_known")) == (
        2,
        1,
    )
    assert s.get_value("civicnews/articles_changed") == 1


def test_revisit_keeps_identical_bytes_once_and_drops_differing_chrome(tmp_path):
    db = tmp_path / "a.db"
    store(db, [item(1)])
    # same content, same bytes; then same content, other bytes (a view counter moved)
    store(db, [item(1, fetched_at="2025-03-22T00:00:00+00:00")])
    store(db, [item(1, fetched_at="2025-03-23T00:00:00+00:00", response_body=b"<html>396</html>")])
    captures = rows(db, "SELECT kind, body_digest IS NOT NULL FROM captures ORDER BY id")
    assert captures == [("response", 1), ("revisit", 1), ("revisit", 0)]
    ((data,),) = rows(db, "SELECT data FROM raw_bodies")
    assert zlib.decompress(data) == PAGE + b"1"
    assert rows(db, "SELECT last_seen_at, revision_count FROM articles") == [
        ("2025-03-23T00:00:00+00:00", 1)
    ]


def test_raw_bodies_compressed_in_chunks_keep_their_own_digest(tmp_path):
    # More new pages in one batch than one compression task takes, plus a page
    # repeated inside the batch (stored once): each body must land with its digest.
    db = tmp_path / "a.db"
    count = COMPRESS_CHUNK * 2 + 7
    pages = [PAGE + b"<p>" + bytes(str(n), "ascii") * n + b"</p>" for n in range(count)]
    items = [item(n, response_body=pages[n]) for n in range(count)]
    items.append(item(count, response_body=pages[3]))
    store(db, items)
    stored = rows(db, "SELECT digest, size, data FROM raw_bodies")
    assert len(stored) == count
    for digest, size, data in stored:
        body = zlib.decompress(data)
        assert digest == "sha256:" + hashlib.sha256(body).hexdigest()
        assert size == len(body)
    assert {zlib.decompress(d) for _, _, d in stored} == set(pages)


def test_gone_on_unknown_url_is_counted_not_stored(tmp_path):
    db = tmp_path / "a.db"
    gone = ArticleItem(
        portal="caugiay",
        url="https://caugiay.hanoi.gov.vn/x",
        fetched_url="https://caugiay.hanoi.gov.vn/x",
        fetched_at="2025-03-22T00:00:00+00:00",
        status=404,
    )
    s = store(db, [item(1), gone])
    assert s.get_value("civicnews/articles_gone_unknown") == 1
    assert rows(db, "SELECT count(*) FROM captures")[0][0] == 1


def test_gone_found_through_a_url_seen_for_the_article(tmp_path):
    db = tmp_path / "a.db"
    store(db, [item(1, fetched_url="https://caugiay.hanoi.gov.vn/tin/1?redirect=%2F")])
    s = store(
        db,
        [
            ArticleItem(
                portal="caugiay",
                url="https://caugiay.hanoi.gov.vn/tin/1?redirect=%2F",
                fetched_url="https://caugiay.hanoi.gov.vn/tin/1?redirect=%2F",
                fetched_at="2025-04-01T00:00:00+00:00",
                status=410,
            )
        ],
    )
    assert s.get_value("civicnews/articles_gone") == 1
    assert rows(db, "SELECT gone_at, last_status, title FROM articles") == [
        ("2025-04-01T00:00:00+00:00", 410, "Bài số 1")
    ]


def test_not_modified_moves_last_seen_and_keeps_validators(tmp_path):
    db = tmp_path / "a.db"
    store(db, [item(1)])
    s = store(
        db,
        [item(1, status=304, title=None, body_text="", response_body=b"", response_headers={},
              fetched_at="2025-04-01T00:00:00+00:00")],
    )  # fmt: skip
    assert s.get_value("civicnews/articles_not_modified") == 1
    assert rows(
        db, "SELECT title, last_seen_at, last_status, etag, revision_count FROM articles"
    ) == [("Bài số 1", "2025-04-01T00:00:00+00:00", 304, '"e1"', 1)]
    assert rows(db, "SELECT kind, body_digest FROM captures ORDER BY id") == [
        ("response", rows(db, "SELECT digest FROM raw_bodies")[0][0]),
        ("not-modified", None),
    ]


def test_hanoi_platform_urls_with_one_id_are_one_article(tmp_path):
    db = tmp_path / "a.db"
    first = "https://hanoi.gov.vn/tin-tuc/ha-noi-ra-quan-3250828152817735.htm"
    moved = "https://hanoi.gov.vn/thoi-su/ha-noi-ra-quan-dong-loat-3250828152817735.htm"
    store(db, [item(1, url=first, fetched_url=first)])
    store(db, [item(1, url=moved, fetched_url=moved, title="Hà Nội ra quân đồng loạt",
                    fetched_at="2025-04-01T00:00:00+00:00")])  # fmt: skip
    assert rows(db, "SELECT url, title, revision_count FROM articles") == [
        (first, "Hà Nội ra quân đồng loạt", 2)
    ]
    assert {u for (u,) in rows(db, "SELECT url FROM article_urls")} == {first, moved}


def test_short_identical_bodies_are_not_called_duplicates(tmp_path):
    db = tmp_path / "a.db"
    store(
        db,
        [
            item(1, body_text="Xem chi tiết tại file đính kèm."),
            item(2, body_text="Xem chi tiết tại file đính kèm."),
            item(3, portal="dongda", body_text=BODY),
            item(4, portal="hoankiem", body_text=BODY),
        ],
    )
    assert rows(db, "SELECT url, duplicate_of FROM articles ORDER BY url") == [
        ("https://caugiay.hanoi.gov.vn/tin/1", None),
        ("https://caugiay.hanoi.gov.vn/tin/2", None),
        ("https://caugiay.hanoi.gov.vn/tin/3", None),
        ("https://caugiay.hanoi.gov.vn/tin/4", "https://caugiay.hanoi.gov.vn/tin/3"),
    ]


def test_library_api_get_revisions_iter_and_raw(tmp_path):
    db = tmp_path / "a.db"
    with Archive(db, create=True) as archive:
        archive.store(
            [
                item(1, published_at="2024-12-31T23:00:00+07:00", tags=["PCCC"]),
                item(2, published_at="2025-01-01"),
                item(3, portal="dongda", published_at=None),
            ]
        )
        archive.store(
            [
                item(
                    2,
                    published_at="2025-01-01",
                    title="Bài hai",
                    fetched_at="2025-05-01T00:00:00+00:00",
                )
            ]
        )
        one = archive.get("https://caugiay.hanoi.gov.vn/tin/1")
        assert one["tags"] == ["PCCC"] and one["urls"] == ["https://caugiay.hanoi.gov.vn/tin/1"]
        assert archive.get("https://nowhere.example/1") is None
        history = archive.revisions("https://caugiay.hanoi.gov.vn/tin/2")
        assert [r["title"] for r in history] == ["Bài số 2", "Bài hai"]
        assert archive.raw_body(history[0]["body_digest"]) == PAGE + b"2"
        assert [a["url"][-1] for a in archive.iter_articles()] == ["1", "2", "3"]
        assert [a["url"][-1] for a in archive.iter_articles(portal="caugiay")] == ["1", "2"]
        assert [a["url"][-1] for a in archive.iter_articles(since=date(2025, 1, 1))] == ["2"]
        assert [a["url"][-1] for a in archive.iter_articles(until=date(2024, 12, 31))] == ["1"]
        figures = archive.stats()
        assert figures["totals"]["articles"] == 3 and figures["totals"]["revisions"] == 4
        assert [(p["portal"], p["articles"], p["dated"]) for p in figures["portals"]] == [
            ("caugiay", 2, 2),
            ("dongda", 1, 0),
        ]


def test_stats_last_run_with_and_without_crawl_runs(tmp_path):
    db = tmp_path / "a.db"
    with Archive(db, create=True) as archive:
        assert archive.stats()["last_run"] is None  # no run recorded yet
        archive.conn.execute(
            "INSERT INTO crawl_runs (started_at, finished_at, version, finish_reason, exit_code) "
            "VALUES ('2025-01-01T00:00:00+00:00', '2025-01-01T00:10:00+00:00', 't', 'finished', 0)"
        )
        run = archive.stats()["last_run"]
        assert (run["finished_at"], run["finish_reason"], run["exit_code"]) == (
            "2025-01-01T00:10:00+00:00",
            "finished",
            0,
        )
    # an archive from before runs were recorded (the table absent) is no error either
    old = tmp_path / "old.db"
    with Archive(old, create=True) as archive:
        archive.conn.execute("PRAGMA foreign_keys = OFF")
        archive.conn.execute("DROP TABLE crawl_runs")
        assert archive.stats()["last_run"] is None


def test_rules_and_posting_account_are_stored_apart_from_the_author(tmp_path):
    db = tmp_path / "a.db"
    rules = {"title": "liferay:.header-title", "published": "common:date-line"}
    store(db, [item(1, author="Minh Vịnh", posted_by="admin admin", rules=rules), item(2)])
    got = rows(db, "SELECT url, author, posted_by, rules FROM articles ORDER BY url")
    assert got[0][1:3] == ("Minh Vịnh", "admin admin")
    assert got[0][3] == '{"title": "liferay:.header-title", "published": "common:date-line"}'
    assert got[1][2:] == (None, None)
