"""Record every page a crawl finally failed to fetch in the archive (``failed_pages``).

A page fails when retries are exhausted (5xx, timeouts, dropped or truncated
answers), when it redirects in a loop or too often, when it is larger than
DOWNLOAD_MAXSIZE, or when robots.txt forbids it.  Without this the page would
only be a line in a log nobody reads: the next run should know what to refetch.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import response_status_message
from twisted.internet import error as twisted_error
from twisted.python.failure import Failure

from civicnews.archive import ArchiveError, connect
from civicnews.archive.db import explain, write_transaction
from civicnews.signals import page_failed

logger = logging.getLogger(__name__)

_CONNECTION_ERRORS = (
    DownloadConnectionRefusedError,
    DownloadFailedError,  # also a connection closed before any answer
    twisted_error.ConnectionLost,
    twisted_error.ConnectionDone,
    twisted_error.ConnectError,
)
_TIMEOUTS = (DownloadTimeoutError, twisted_error.TimeoutError, TimeoutError)


@dataclass(frozen=True)
class FailedPage:
    portal: str
    url: str
    kind: str
    page: str | None
    status: int | None
    error: str
    attempts: int
    referer: str | None
    failed_at: str
    run_started_at: str


def classify(exc: BaseException) -> tuple[str, int | None, str]:
    """``(kind, status, error)`` for the exception a request finally failed with."""
    if isinstance(exc, HttpError):
        status = exc.response.status
        return "http", status, response_status_message(status)
    error = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    if isinstance(exc, _TIMEOUTS):
        return "timeout", None, error
    if isinstance(exc, ResponseDataLossError):
        return "truncated", None, error
    if isinstance(exc, DownloadCancelledError):
        too_large = "max size" in str(exc) or "maxsize" in str(exc)
        return ("too-large" if too_large else "cancelled"), None, error
    if isinstance(exc, CannotResolveHostError | twisted_error.DNSLookupError):
        return "dns", None, error
    if isinstance(exc, _CONNECTION_ERRORS):
        return "connection", None, error
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if "max redirections" in message:
            return "too-many-redirects", None, error
        if "robots.txt" in message:
            return "robots", None, error
        return "ignored", None, error
    return "error", None, error


def attempts(request: Request) -> int:
    """Requests made for a page: the first, its retries, and its redirects."""
    meta = request.meta
    return 1 + int(meta.get("retry_times", 0)) + len(meta.get("redirect_urls", ()))


class FailuresExtension:
    """Writes finally failed pages to ``failed_pages``, in batches, each in its own transaction.

    Listens to ``civicnews.signals.page_failed`` (sent by the spider's errback)
    and to ``request_dropped``: a redirect back to a URL of its own redirect
    chain is a loop that Scrapy's dupefilter would drop silently.

    Settings: ``CIVICNEWS_DB`` (the archive; empty raises NotConfigured),
    ``CIVICNEWS_FAILURES_ENABLED`` (default True), ``CIVICNEWS_FAILURES_BATCH_SIZE``
    (rows per transaction, default 100).  Meta keys read: ``civicnews_kind``,
    ``retry_times``, ``redirect_urls``.
    Stats: ``civicnews/failed_pages``, ``civicnews/failed_pages/<kind>``,
    ``civicnews/redirect_loops``, ``civicnews/failures_write_error`` (the
    message; the rows of that batch are lost, the archive is untouched).
    """

    def __init__(self, db_path: str, batch_size: int = 100, stats: Any = None) -> None:
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.stats = stats
        self.portal = ""
        self.run_started_at = _now()
        self.buffer: dict[str, FailedPage] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> FailuresExtension:
        settings = crawler.settings
        if not settings.getbool("CIVICNEWS_FAILURES_ENABLED", True):
            raise NotConfigured("CIVICNEWS_FAILURES_ENABLED is off")
        path = settings.get("CIVICNEWS_DB")
        if not path:
            raise NotConfigured("CIVICNEWS_DB is not set")
        ext = cls(path, settings.getint("CIVICNEWS_FAILURES_BATCH_SIZE", 100), crawler.stats)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.page_failed, signal=page_failed)
        crawler.signals.connect(ext.request_dropped, signal=signals.request_dropped)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.portal = getattr(spider, "portal_key", None) or spider.name
        started = self.stats.get_value("start_time") if self.stats else None
        if isinstance(started, datetime):
            self.run_started_at = started.astimezone(UTC).isoformat(timespec="seconds")

    def spider_closed(self, spider: Any) -> None:
        self.flush()

    def page_failed(self, failure: Failure, spider: Any = None) -> None:
        request = getattr(failure, "request", None)
        if request is None:
            logger.warning("a request failed and Scrapy did not say which: %s", failure.value)
            return
        kind, status, error = classify(failure.value)
        self.record(request, kind, status, error)

    def request_dropped(self, request: Request, spider: Any = None) -> None:
        # The scheduler drops a request whose URL was seen.  After a redirect, a URL from the
        # request's own chain means the server redirects in a circle.
        chain = request.meta.get("redirect_urls") or ()
        if request.url not in chain:
            return
        if self.stats:
            self.stats.inc_value("civicnews/redirect_loops")
        hops = " -> ".join([*chain, request.url])
        self.record(request, "redirect-loop", None, f"redirect loop: {hops}"[:300], chain[0])

    def record(
        self,
        request: Request,
        kind: str,
        status: int | None,
        error: str,
        url: str | None = None,
    ) -> None:
        # The page is the URL the crawler asked for: the first of a redirect chain.
        url = url or (request.meta.get("redirect_urls") or [request.url])[0]
        referer = request.headers.get("Referer")
        row = FailedPage(
            portal=self.portal,
            url=url,
            kind=kind,
            page=request.meta.get("civicnews_kind"),
            status=status,
            error=error,
            attempts=attempts(request),
            referer=referer.decode("latin-1") if referer else None,
            failed_at=_now(),
            run_started_at=self.run_started_at,
        )
        logger.warning(
            "failed page %s (%s%s) after %d attempt(s)",
            url,
            kind,
            f" {status}" if status else "",
            row.attempts,
        )
        if self.stats:
            self.stats.inc_value("civicnews/failed_pages")
            self.stats.inc_value(f"civicnews/failed_pages/{kind}")
        self.buffer[url] = row
        if len(self.buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        rows, self.buffer = list(self.buffer.values()), {}
        try:
            db = connect(self.db_path)
        except ArchiveError as exc:
            self._write_failed(str(exc), len(rows))
            return
        try:
            with write_transaction(db.conn):
                db.conn.executemany(
                    "INSERT OR REPLACE INTO failed_pages (portal, url, kind, page, status, error, "
                    "attempts, referer, failed_at, run_started_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [astuple(row) for row in rows],
                )
        except sqlite3.Error as exc:
            self._write_failed(explain(exc, self.db_path), len(rows))
        finally:
            db.conn.close()

    def _write_failed(self, message: str, lost: int) -> None:
        logger.error("could not record %d failed page(s): %s", lost, message)
        if self.stats:
            self.stats.set_value("civicnews/failures_write_error", message)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
