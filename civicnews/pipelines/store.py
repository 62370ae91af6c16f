from __future__ import annotations

import logging
import sqlite3
from typing import Any

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.defer import DeferredLock
from twisted.internet.threads import deferToThread
from twisted.python.threadable import isInIOThread

from civicnews.archive import ArchiveError, connect
from civicnews.archive.db import explain
from civicnews.archive.hashes import content_hash
from civicnews.archive.writer import DEFAULT_COMPRESS_LEVEL, ArchiveWriter
from civicnews.archive.writer_process import WriterProcess, WriterUnavailable

__all__ = ["StorePipeline", "content_hash"]

logger = logging.getLogger(__name__)

#: A batch is written early once its articles carry this many bytes of attachments
#: (civicnews.pipelines.files): 500 articles with their PDFs would not fit in memory.
BATCH_FILE_BYTES = 64 * 1024 * 1024


class StorePipeline:
    """Stores each article once in the SQLite archive, every revision kept, in batches.

    What each item becomes (new article, revision, revisit, gone) is
    :class:`civicnews.archive.writer.ArchiveWriter`'s job; this component
    buffers items and turns archive failures into a stopped crawl.

    Settings: ``CIVICNEWS_DB`` (archive path; empty raises NotConfigured),
    ``CIVICNEWS_BATCH_SIZE`` (items per transaction, default 500),
    ``CIVICNEWS_COMPRESS_LEVEL`` (zlib level of raw bodies, default 3),
    ``CIVICNEWS_STORE_PROCESS`` (default True: batches are written by a child
    process, :mod:`civicnews.archive.writer_process`; False: on a worker thread
    of the crawl process).
    Stats: ``civicnews/articles_new``, ``civicnews/articles_known`` (already
    archived, changed or not), ``civicnews/articles_changed`` (a new revision),
    ``civicnews/articles_gone`` (404/410 on a known article),
    ``civicnews/articles_gone_unknown`` (404/410 on a URL never archived),
    ``civicnews/articles_not_modified`` (304), ``civicnews/store_writer_fallback``
    (why the writer process could not start; batches are then written on a
    worker thread), ``civicnews/archive_error``
    (the message, when writing failed: the spider is then closed with reason
    ``archive_error`` and nothing half-written stays, since each batch is one
    transaction).
    """

    def __init__(
        self,
        db_path: str,
        batch_size: int,
        crawler=None,
        compress_level: int = DEFAULT_COMPRESS_LEVEL,
        writer_process: bool = True,  # as the CIVICNEWS_STORE_PROCESS setting
    ):
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.crawler = crawler
        self.stats = crawler.stats if crawler else None
        self.compress_level = compress_level
        self.writer_process = writer_process
        self.db = None
        self.writer: ArchiveWriter | WriterProcess | None = None
        self.buffer: list[Any] = []
        self._buffered_bytes = 0  # attachment bytes in the buffer
        self.failed = False
        self._lock: DeferredLock | None = None

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("CIVICNEWS_DB")
        if not path:
            raise NotConfigured("CIVICNEWS_DB is not set")
        return cls(
            path,
            crawler.settings.getint("CIVICNEWS_BATCH_SIZE", 500),
            crawler,
            crawler.settings.getint("CIVICNEWS_COMPRESS_LEVEL", DEFAULT_COMPRESS_LEVEL),
            crawler.settings.getbool("CIVICNEWS_STORE_PROCESS", True),
        )

    def open_spider(self) -> None:
        if self.writer_process:
            try:
                self.writer = WriterProcess(self.db_path, self.compress_level)
            except WriterUnavailable as exc:
                # Slower for the crawl, but the archive gets the same rows.
                logger.warning("%s; writing the archive on a worker thread instead", exc)
                if self.stats:
                    self.stats.set_value("civicnews/store_writer_fallback", str(exc))
        if self.writer is None:
            self.db = connect(self.db_path)
            self.writer = ArchiveWriter(self.db, compress_level=self.compress_level)
        self._lock = DeferredLock()

    async def process_item(self, item: Any) -> Any:
        if self.failed:
            return item
        batch = self.add(item)
        if batch:
            # A worker thread hands the batch to the writer process (or writes it
            # itself) while the crawl goes on.  The lock keeps one batch in
            # flight at a time, in order.
            await maybe_deferred_to_future(self._lock.run(deferToThread, self.write_batch, batch))
        return item

    async def close_spider(self) -> None:
        if self.writer is None:
            return
        batch, self.buffer = self.buffer, []
        await maybe_deferred_to_future(self._lock.run(deferToThread, self.write_batch, batch))
        self.close()

    def add(self, item: Any) -> list[Any] | None:
        """Buffer ``item``; return the full batch to write, if it completes one."""
        # Items are kept whole and in order: two fetches of one article in one
        # batch are two captures (and two revisions if the content changed).
        self.buffer.append(item)
        self._buffered_bytes += _file_bytes(item)
        if len(self.buffer) < self.batch_size and self._buffered_bytes < BATCH_FILE_BYTES:
            return None
        batch, self.buffer = self.buffer, []
        self._buffered_bytes = 0
        return batch

    def close(self) -> None:
        """Write what is buffered, on this thread, and close the archive (outside a crawl)."""
        if self.writer is None:
            return
        batch, self.buffer = self.buffer, []
        self.write_batch(batch)
        self.writer.close()
        self.writer = None
        if self.db is not None:
            self.db.conn.close()
            self.db = None

    def write_batch(self, items: list[Any]) -> None:
        """Write one batch in one transaction (on whatever thread calls it)."""
        if not items or self.writer is None or self.failed:
            return
        try:
            result = self.writer.write(items)
        except (sqlite3.Error, ArchiveError) as exc:
            self._fail(explain(exc, self.db_path) if isinstance(exc, sqlite3.Error) else str(exc))
            return
        except Exception as exc:
            # Anything else (a bad zlib level, a bug) loses the batch just the same: the
            # run must fail, not log a traceback and report success.  The traceback goes
            # to the log; the writer process sends its own as the message.
            logger.error("storing a batch of %d items failed", len(items), exc_info=True)
            self._fail(f"storing a batch of {len(items)} items failed: {_last_line(exc)}")
            return
        if self.stats:
            for name in ("new", "known", "changed", "gone", "gone_unknown", "not_modified"):
                value = getattr(result, name)
                if value or name in ("new", "known", "changed"):
                    self.stats.inc_value(f"civicnews/articles_{name}", value)

    def _fail(self, message: str) -> None:
        self.failed = True
        logger.error(message)
        if self.stats:
            self.stats.set_value("civicnews/archive_error", message)
        # Stop the crawl: fetching more pages that cannot be stored helps nobody.
        # _fail may run on the writer thread: the engine is only touched from
        # the reactor's.
        if self.crawler is not None and self.crawler.crawling:
            if isInIOThread():
                self._stop_crawl()
            else:
                reactor.callFromThread(self._stop_crawl)

    def _stop_crawl(self) -> None:
        if self.crawler.crawling:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))


def _file_bytes(item: Any) -> int:
    files = getattr(item, "files", None) if not isinstance(item, dict) else item.get("files")
    return sum(len((f.get("fetch") or {}).get("body") or b"") for f in files or ())


def _last_line(exc: BaseException) -> str:
    """One line for an unexpected error; of a traceback sent as its message, the last line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if len(lines) > 1:
        return lines[-1]
    kind = type(exc)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    return f"{name}: {lines[0]}" if lines else name
