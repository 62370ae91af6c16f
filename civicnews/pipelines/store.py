from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from civicnews.archive import ArchiveError, connect
from civicnews.archive.db import explain

logger = logging.getLogger(__name__)

_COLUMNS = (
    "url", "portal", "title", "published_at", "published_raw", "date_source", "author",
    "body_text", "sapo", "category", "tags", "images", "attachments", "source", "extractor",
    "fetched_url",
)  # fmt: skip
_JSON = ("tags", "images", "attachments")


def content_hash(row: dict[str, Any]) -> str:
    """Hash of what makes an article's content: title, date and body."""
    text = "\x1f".join(str(row.get(k) or "") for k in ("title", "published_at", "body_text"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class StorePipeline:
    """Stores each article once in the SQLite archive, in batched transactions.

    Settings: ``CIVICNEWS_DB`` (archive path; empty raises NotConfigured),
    ``CIVICNEWS_BATCH_SIZE`` (items per transaction, default 500).
    Stats: ``civicnews/articles_new``, ``civicnews/articles_known``,
    ``civicnews/archive_error`` (the message, when writing failed: the spider
    is then closed with reason ``archive_error`` and nothing half-written
    stays, since each batch is one transaction).
    """

    def __init__(self, db_path: str, batch_size: int, crawler=None):
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.crawler = crawler
        self.stats = crawler.stats if crawler else None
        self.db = None
        self.buffer: dict[str, dict[str, Any]] = {}
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("CIVICNEWS_DB")
        if not path:
            raise NotConfigured("CIVICNEWS_DB is not set")
        return cls(path, crawler.settings.getint("CIVICNEWS_BATCH_SIZE", 500), crawler)

    def open_spider(self) -> None:
        self.db = connect(self.db_path)

    def close_spider(self) -> None:
        if self.db is None:
            return
        self.flush()
        self.db.conn.close()
        self.db = None

    def process_item(self, item: Any) -> Any:
        if self.failed:
            return item
        row = _row(ItemAdapter(item))
        self.buffer[row["url"]] = row  # a later copy of the same URL in one batch wins
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.buffer or self.db is None or self.failed:
            return
        rows, self.buffer = self.buffer, {}
        try:
            new, known = self._write(list(rows.values()))
        except (sqlite3.Error, ArchiveError) as exc:
            self._fail(explain(exc, self.db_path) if isinstance(exc, sqlite3.Error) else str(exc))
            return
        if self.stats:
            self.stats.inc_value("civicnews/articles_new", new)
            self.stats.inc_value("civicnews/articles_known", known)

    def _write(self, rows: list[dict[str, Any]]) -> tuple[int, int]:
        db = self.db
        urls = [r["url"] for r in rows]
        existing: set[str] = set()
        for i in range(0, len(urls), 500):
            chunk = urls[i : i + 500]
            marks = ",".join("?" * len(chunk))
            existing.update(
                u for (u,) in db.execute(f"SELECT url FROM articles WHERE url IN ({marks})", chunk)
            )
        new_rows = [r for r in rows if r["url"] not in existing]
        seen = [(r["last_seen_at"], r["url"]) for r in rows if r["url"] in existing]
        with db.atomic():
            if new_rows:
                db["articles"].insert_all(new_rows, batch_size=len(new_rows))
            if seen:
                db.conn.executemany("UPDATE articles SET last_seen_at = ? WHERE url = ?", seen)
        return len(new_rows), len(seen)

    def _fail(self, message: str) -> None:
        self.failed = True
        logger.error(message)
        if self.stats:
            self.stats.set_value("civicnews/archive_error", message)
        # Stop the crawl: fetching more pages that cannot be stored helps nobody.
        if self.crawler is not None and self.crawler.crawling:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))


def _row(adapter: ItemAdapter) -> dict[str, Any]:
    row = {k: adapter.get(k) for k in _COLUMNS}
    for key in _JSON:
        row[key] = json.dumps(row[key] or [], ensure_ascii=False)
    row["content_hash"] = content_hash(row)
    seen = adapter.get("fetched_at")
    row["first_seen_at"] = row["last_seen_at"] = seen
    return row
