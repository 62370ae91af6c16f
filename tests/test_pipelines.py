"""Pipelines built without a crawler (plain values in __init__), on real SQLite files."""

from __future__ import annotations

import sqlite3

import pytest
from scrapy.exceptions import DropItem
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from civicnews.archive import ArchiveError, connect
from civicnews.archive.writer import ArchiveWriter
from civicnews.archive.writer_process import WriterProcess
from civicnews.items import ArticleItem
from civicnews.pipelines.dates import ParseDatePipeline
from civicnews.pipelines.normalize import NormalizeTextPipeline
from civicnews.pipelines.store import StorePipeline
from civicnews.pipelines.validate import ValidatePipeline
from tests.conftest import rows


def item(**kw) -> ArticleItem:
    base = dict(
        portal="p",
        url="https://p.gov.vn/a/1",
        fetched_url="https://p.gov.vn/a/1?redirect=x",
        fetched_at="2018-12-01T05:00:00+00:00",
        title="Tiêu đề",
        published_raw="01/12/2018 - 09:07 AM",
        body_text="Nội dung bài viết đủ dài để được lưu trữ.",
    )
    base.update(kw)
    return ArticleItem(**base)


def stats():
    return MemoryStatsCollector(get_crawler())


def test_normalize_keeps_published_raw_as_printed():
    raw = "01/12/2018\u00a0-\u00a009:07\u00a0AM"
    out = NormalizeTextPipeline().process_item(
        item(title="Qua\u0300ng\u00a0 Ninh\u200b", published_raw=raw, body_text="a\u00a0b\n\n c")
    )
    assert out.title == "Quàng Ninh"
    assert out.body_text == "a b\nc"
    assert out.published_raw == raw


def test_normalize_works_on_plain_dicts():
    out = NormalizeTextPipeline().process_item({"title": " x\u00a0 y "})
    assert out == {"title": "x y"}


def test_date_pipeline_page_listing_and_unparsed():
    s = stats()
    pipe = ParseDatePipeline(s)
    assert pipe.process_item(item()).published_at == "2018-12-01T09:07:00+07:00"
    fallback = pipe.process_item(item(published_raw=None, listing_date_raw="30/11/2018"))
    assert (fallback.published_at, fallback.date_source) == ("2018-11-30", "listing")
    assert fallback.published_raw == "30/11/2018"
    # Relative dates resolve against the fetch time, never the wall clock.
    rel = pipe.process_item(item(published_raw="2 giờ trước"))
    assert rel.published_at == "2018-12-01T10:00:00+07:00"
    bad = pipe.process_item(item(published_raw="30/02/2018"))
    assert bad.published_at is None and bad.published_raw == "30/02/2018"
    assert bad.date_source is None
    assert s.get_value("civicnews/date_unparsed") == 1


def test_gone_and_not_modified_signals_are_not_dated():
    s = stats()
    pipe = ParseDatePipeline(s)
    for status in (304, 404, 410):
        out = pipe.process_item(item(status=status, published_raw=None, title=None, body_text=""))
        assert out.published_at is None
    assert s.get_value("civicnews/date_missing") is None


def test_validate_drops_with_reason():
    s = stats()
    pipe = ValidatePipeline(s, min_body_chars=20)
    assert pipe.process_item(item()) is not None
    with pytest.raises(DropItem, match="no_title"):
        pipe.process_item(item(title=None))
    with pytest.raises(DropItem, match="no_body"):
        pipe.process_item(item(body_text="ngắn"))
    assert s.get_value("civicnews/dropped/no_title") == 1
    assert s.get_value("civicnews/dropped") == 2


def put(pipe, item) -> None:
    """What a crawl does, on one thread: buffer, and write each full batch."""
    batch = pipe.add(item)
    if batch:
        pipe.write_batch(batch)


def _store(path, batch=2, process=True, **settings):
    crawler = get_crawler(
        settings_dict={
            "CIVICNEWS_DB": str(path),
            "CIVICNEWS_BATCH_SIZE": batch,
            "CIVICNEWS_STORE_PROCESS": process,
            **settings,
        }
    )
    crawler.stats = MemoryStatsCollector(crawler)
    pipe = StorePipeline.from_crawler(crawler)
    pipe.open_spider()
    return pipe, crawler.stats


def test_store_batches_and_stores_each_url_once(tmp_path):
    db = tmp_path / "a.db"
    pipe, s = _store(db, batch=3)
    for i in range(5):
        put(
            pipe, item(url=f"https://p.gov.vn/a/{i % 4}", fetched_at=f"2018-12-01T0{i}:00:00+00:00")
        )
    pipe.close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 4
    # a/0 came twice, in two batches: first_seen from the first, last_seen from the second
    first, last = conn.execute(
        "SELECT first_seen_at, last_seen_at FROM articles WHERE url = 'https://p.gov.vn/a/0'"
    ).fetchone()
    assert (first, last) == ("2018-12-01T00:00:00+00:00", "2018-12-01T04:00:00+00:00")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (s.get_value("civicnews/articles_new"), s.get_value("civicnews/articles_known")) == (
        4,
        1,
    )


def test_store_read_only_archive_is_a_clear_error(tmp_path):
    db = tmp_path / "ro.db"
    pipe, s = _store(db, batch=1, process=False)
    # query_only makes SQLite refuse writes exactly as on a read-only file
    # (the suite runs as root, which ignores file permission bits).
    pipe.db.conn.execute("PRAGMA query_only = ON")
    put(pipe, item())
    assert "read-only" in s.get_value("civicnews/archive_error")
    pipe.close()


def test_archive_refuses_missing_directory_and_non_database(tmp_path):
    with pytest.raises(ArchiveError, match="does not exist"):
        connect(tmp_path / "nope" / "a.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ArchiveError, match="not a readable civicnews archive"):
        connect(junk)


def test_store_failure_mid_crawl_keeps_what_was_archived(tmp_path):
    db = tmp_path / "a.db"
    pipe, s = _store(db, batch=1, process=False)
    put(pipe, item(url="https://p.gov.vn/a/1"))
    # Another process locks the archive; the next batch must fail cleanly.
    other = sqlite3.connect(db, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    pipe.db.conn.execute("PRAGMA busy_timeout = 50")
    put(pipe, item(url="https://p.gov.vn/a/2"))
    other.rollback()
    other.close()
    assert "locked" in s.get_value("civicnews/archive_error")
    pipe.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [u for (u,) in conn.execute("SELECT url FROM articles")] == ["https://p.gov.vn/a/1"]


def test_store_writer_process_that_dies_stops_the_store_and_keeps_the_archive(tmp_path):
    db = tmp_path / "a.db"
    pipe, s = _store(db, batch=1)
    assert isinstance(pipe.writer, WriterProcess)
    put(pipe, item(url="https://p.gov.vn/a/1"))
    pipe.writer._process.kill()  # an OOM kill, say
    pipe.writer._process.wait()
    put(pipe, item(url="https://p.gov.vn/a/2"))
    assert "writer process" in s.get_value("civicnews/archive_error")
    assert "rerun the crawl" in s.get_value("civicnews/archive_error")
    put(pipe, item(url="https://p.gov.vn/a/3"))  # a failed store takes no more items
    pipe.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [u for (u,) in conn.execute("SELECT url FROM articles")] == ["https://p.gov.vn/a/1"]


def test_store_writer_process_reports_archive_errors_in_one_line(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ArchiveError, match="not a readable civicnews archive"):
        _store(junk, batch=1)
    # A bug in the writer (an item it cannot read) comes back with its traceback.
    pipe, _ = _store(tmp_path / "a.db", batch=1)
    with pytest.raises(RuntimeError, match="failed on a batch"):
        pipe.writer.write([object()])
    pipe.writer.close()


@pytest.mark.parametrize("process", [True, False], ids=["writer-process", "thread"])
def test_any_error_while_storing_fails_the_store_not_just_the_log(tmp_path, process):
    """zlib refuses level 42: not an archive error, but the batch is lost just the same."""
    db = tmp_path / "a.db"
    pipe, s = _store(db, batch=1, process=process, CIVICNEWS_COMPRESS_LEVEL=42)
    put(pipe, item(url="https://p.gov.vn/a/1", status=200, response_body=b"<html>trang</html>"))
    message = s.get_value("civicnews/archive_error")
    assert message == "storing a batch of 1 items failed: zlib.error: Bad compression level"
    assert pipe.failed
    put(pipe, item(url="https://p.gov.vn/a/2"))  # a failed store takes no more items
    pipe.close()
    assert rows(db, "SELECT count(*) FROM articles") == [(0,)]


@pytest.mark.parametrize(
    "interpreter",
    ["/nonexistent/python3", "/bin/true"],  # cannot be started; exits before answering
)
def test_store_falls_back_to_a_thread_when_the_writer_process_cannot_start(
    tmp_path, monkeypatch, caplog, interpreter
):
    monkeypatch.setattr("sys.executable", interpreter)
    db = tmp_path / "a.db"
    pipe, s = _store(db, batch=1)
    assert isinstance(pipe.writer, ArchiveWriter)
    assert "writer process" in s.get_value("civicnews/store_writer_fallback")
    assert "worker thread instead" in caplog.text
    put(pipe, item(url="https://p.gov.vn/a/1"))
    pipe.close()
    assert s.get_value("civicnews/articles_new") == 1
    assert rows(db, "SELECT url FROM articles") == [("https://p.gov.vn/a/1",)]
