"""Record every page a crawl gave up on in the archive (``failed_pages``), and count them.

A page fails when retries are exhausted (5xx, timeouts, dropped or truncated
answers), when it redirects in a loop, too often or off the portal, when it is
larger than DOWNLOAD_MAXSIZE (compressed or not), when robots.txt forbids it,
or when reading it raised (a parser's RecursionError on absurdly nested
markup).  Without this the page would only be a line in a log nobody reads.

A page that keeps failing must not wake the operator every night, nor be
fetched every night: a failure of a page that also failed in the previous run
that tried it is *known* (health checks do not count it as an outage), and the
page is tried again only after 1, 2, 4... days (``retry_at``), then given up
(``given_up``: later runs skip it) after ``CIVICNEWS_FAILED_GIVE_UP_AFTER``
failures in a row.  A success in between starts the count again.

What kind of failure an exception is: :mod:`civicnews.extensions.failurekinds`; the
``failed_pages`` rows and the history read from them: :mod:`civicnews.extensions.failedpages`.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from twisted.python.failure import Failure

from civicnews.archive import ArchiveError, connect
from civicnews.archive.db import explain, write_transaction
from civicnews.extensions.failedpages import FAILED_INSERT, FailedPage, History, read_history
from civicnews.extensions.failurekinds import NOT_REQUEST_FAILURES, attempts, classify
from civicnews.items import GONE_STATUSES
from civicnews.signals import page_failed
from civicnews.urls import same_site

logger = logging.getLogger(__name__)


class FailuresExtension:
    """Counts the pages a crawl gave up on and writes them to ``failed_pages``, in batches.

    Listens to ``civicnews.signals.page_failed`` (sent by the spider's errback),
    to ``spider_error`` (reading a page raised), to ``request_dropped`` (a
    redirect back into its own chain is a loop that Scrapy's dupefilter would
    drop silently) and to ``response_received`` (pages answered, the health
    checks' denominator).  Before a request is scheduled, an article whose
    last failure asks to wait (``retry_at``) or was given up is skipped.

    Settings: ``CIVICNEWS_DB`` (the archive; empty raises NotConfigured),
    ``CIVICNEWS_FAILURES_ENABLED`` (default True; False: pages are still
    counted, not written), ``CIVICNEWS_FAILURES_BATCH_SIZE`` (rows per
    transaction, default 100), ``CIVICNEWS_FAILED_RETRY_DAYS`` (first wait
    before a failed article is tried again, doubled after each failure; default
    1), ``CIVICNEWS_FAILED_GIVE_UP_AFTER`` (failures in a row that give an
    article up; default 6, i.e. after about a month).  Meta keys read:
    ``civicnews_kind``, ``retry_times``, ``redirect_urls``.

    Stats: ``civicnews/failed_pages`` and ``civicnews/failed_pages/<kind>``;
    ``civicnews/failed_pages/requests`` (failures of the portal: not robots.txt
    refusals, 404/410 answers or pages that could not be read) and, of those,
    ``civicnews/failed_pages/new`` (the page had not failed before) and
    ``civicnews/failed_pages/known``; ``civicnews/failed_pages/given_up``
    (given up in this run); ``civicnews/failed_pages/skipped`` (not fetched:
    waiting for ``retry_at``, or given up); ``civicnews/pages/answered`` and
    ``civicnews/pages/unanswered`` (pages with a final outcome);
    ``civicnews/redirect_loops``; ``civicnews/failures_write_error`` (the
    message; the rows of that batch are lost, the archive is untouched).
    """

    def __init__(
        self,
        db_path: str,
        batch_size: int = 100,
        stats: Any = None,
        *,
        write: bool = True,
        retry_days: float = 1.0,
        give_up_after: int = 6,
        allowed_domains: tuple[str, ...] = (),
    ) -> None:
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.stats = stats
        self.write = write
        self.retry_days = retry_days
        self.give_up_after = max(1, give_up_after)
        self.portal = ""
        self.run_started_at = _now()
        self.buffer: dict[str, FailedPage] = {}
        self.history: dict[str, History] = {}
        self.recorded: set[str] = set()  # one outcome per page and run
        self.allowed_domains = allowed_domains

    @classmethod
    def from_crawler(cls, crawler: Any) -> FailuresExtension:
        settings = crawler.settings
        path = settings.get("CIVICNEWS_DB")
        if not path:
            raise NotConfigured("CIVICNEWS_DB is not set")
        ext = cls(
            path,
            settings.getint("CIVICNEWS_FAILURES_BATCH_SIZE", 100),
            crawler.stats,
            **cls.policy(settings),
        )
        ext.connect(crawler.signals)
        return ext

    @staticmethod
    def policy(settings: Any) -> dict[str, Any]:
        """The retry and give-up settings, read in one place for local and distributed crawls."""
        return {
            "write": settings.getbool("CIVICNEWS_FAILURES_ENABLED", True),
            "retry_days": settings.getfloat("CIVICNEWS_FAILED_RETRY_DAYS", 1.0),
            "give_up_after": settings.getint("CIVICNEWS_FAILED_GIVE_UP_AFTER", 6),
        }

    def connect(self, manager: Any) -> None:
        """Listen to the crawler's signals (``manager``: ``crawler.signals``)."""
        manager.connect(self.spider_opened, signal=signals.spider_opened)
        manager.connect(self.spider_closed, signal=signals.spider_closed)
        manager.connect(self.page_failed, signal=page_failed)
        manager.connect(self.spider_error, signal=signals.spider_error)
        manager.connect(self.request_dropped, signal=signals.request_dropped)
        manager.connect(self.request_scheduled, signal=signals.request_scheduled)
        manager.connect(self.response_received, signal=signals.response_received)

    def spider_opened(self, spider: Any) -> None:
        self.portal = getattr(spider, "portal_key", None) or spider.name
        self.allowed_domains = tuple(getattr(spider, "allowed_domains", None) or ())
        started = self.stats.get_value("start_time") if self.stats else None
        if isinstance(started, datetime):
            self.run_started_at = started.astimezone(UTC).isoformat(timespec="seconds")
        self.history = self.load_history()

    def load_history(self) -> dict[str, History]:
        """Pages of this portal whose last recorded fetch failed: url -> History."""
        try:
            db = connect(self.db_path)
        except ArchiveError as exc:
            self._write_failed(str(exc), 0)
            return {}
        try:
            return read_history(db.conn, self.portal)
        except sqlite3.Error as exc:
            self._write_failed(explain(exc, self.db_path), 0)
            return {}
        finally:
            db.conn.close()

    def spider_closed(self, spider: Any) -> None:
        self.flush()

    # -- what happens to pages ------------------------------------------------------------------

    def request_scheduled(self, request: Request, spider: Any = None) -> None:
        if self._redirected_off_site(request):
            # Scrapy's OffsiteMiddleware refuses it here, silently: the page would be lost.
            target = urlsplit(request.url).hostname
            self.record(request, "offsite-redirect", None, f"redirected off the portal to {target}")
            return
        if request.meta.get("civicnews_kind") != "article":
            return  # listings are always fetched: they show whether the portal is up
        known = self.history.get(request.url)
        if known is None or request.meta.get("retry_times"):
            return
        if known.given_up or (known.retry_at and known.retry_at > _now()):
            self._inc("civicnews/failed_pages/skipped")
            # The engine takes IgnoreRequest from a request_scheduled handler as "do not
            # schedule" (civicnews.middlewares.retry parks retries the same way).
            raise IgnoreRequest(f"failed before: not fetched again before {known.retry_at}")

    def response_received(self, response: Any, request: Request, spider: Any = None) -> None:
        if "civicnews_kind" in request.meta:  # the spider's pages, not robots.txt
            self._inc("civicnews/pages/answered")

    def page_failed(self, failure: Failure, spider: Any = None) -> None:
        request = getattr(failure, "request", None)
        if request is None:
            logger.warning("a request failed and Scrapy did not say which: %s", failure.value)
            return
        kind, status, error = classify(failure.value)
        if kind == "ignored" and self._redirected_off_site(request):
            kind = "offsite-redirect"
        self.record(request, kind, status, error)

    def spider_error(self, failure: Failure, response: Any = None, spider: Any = None) -> None:
        # The spider raised while reading a page: Scrapy logs it and moves on.
        request = getattr(response, "request", None)
        if request is None:
            return
        error = " ".join(f"{type(failure.value).__name__}: {failure.value}".split())[:300]
        status = getattr(response, "status", None)
        self.record(request, "parse-error", status, error)

    def request_dropped(self, request: Request, spider: Any = None) -> None:
        # The scheduler drops a request whose URL was seen.  After a redirect, a URL from the
        # request's own chain means the server redirects in a circle.
        chain = request.meta.get("redirect_urls") or ()
        if request.url not in chain:
            return
        self._inc("civicnews/redirect_loops")
        hops = " -> ".join([*chain, request.url])
        self.record(request, "redirect-loop", None, f"redirect loop: {hops}"[:300], chain[0])

    def _redirected_off_site(self, request: Request) -> bool:
        if request.dont_filter or request.meta.get("allow_offsite"):
            return False
        chain = request.meta.get("redirect_urls") or ()
        return (
            bool(chain)
            and bool(self.allowed_domains)
            and not same_site(request.url, self.allowed_domains)
        )

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
        if url in self.recorded:
            return
        self.recorded.add(url)
        referer = request.headers.get("Referer")
        now = datetime.now(UTC)
        before = self.history.get(url)
        failures = before.failures + 1 if before else 1
        given_up = failures >= self.give_up_after
        retry_at = None
        if not given_up:
            wait = timedelta(days=self.retry_days * 2 ** (failures - 1))
            retry_at = _iso(now + wait)
        row = FailedPage(
            portal=self.portal,
            url=url,
            kind=kind,
            page=request.meta.get("civicnews_kind"),
            status=status,
            error=error,
            attempts=attempts(request),
            referer=referer.decode("latin-1") if referer else None,
            failed_at=_iso(now),
            run_started_at=self.run_started_at,
            failures=failures,
            retry_at=retry_at,
            given_up=int(given_up),
        )
        logger.warning(
            "failed page %s (%s%s) after %d attempt(s)%s",
            url,
            kind,
            f" {status}" if status else "",
            row.attempts,
            f", failing for {failures} runs in a row: given up" if given_up else "",
        )
        self._inc("civicnews/failed_pages")
        self._inc(f"civicnews/failed_pages/{kind}")
        if kind not in ("http", "parse-error", "robots"):
            self._inc("civicnews/pages/unanswered")  # answered pages were counted on arrival
        # A 404/410 is the portal's answer (the page is gone), not a failure of the portal.
        if kind not in NOT_REQUEST_FAILURES and status not in GONE_STATUSES:
            self._inc("civicnews/failed_pages/requests")
            self._inc("civicnews/failed_pages/" + ("known" if before else "new"))
        if given_up:
            self._inc("civicnews/failed_pages/given_up")
        self.buffer[url] = row
        if len(self.buffer) >= self.batch_size:
            self.flush()

    def _inc(self, key: str) -> None:
        if self.stats:
            self.stats.inc_value(key)

    def flush(self) -> None:
        if not self.buffer:
            return
        rows, self.buffer = list(self.buffer.values()), {}
        if not self.write:
            return
        try:
            db = connect(self.db_path)
        except ArchiveError as exc:
            self._write_failed(str(exc), len(rows))
            return
        try:
            with write_transaction(db.conn):
                db.conn.executemany(FAILED_INSERT, [astuple(row) for row in rows])
        except sqlite3.Error as exc:
            self._write_failed(explain(exc, self.db_path), len(rows))
        finally:
            db.conn.close()

    def _write_failed(self, message: str, lost: int) -> None:
        if lost:
            logger.error("could not record %d failed page(s): %s", lost, message)
        else:
            logger.error("could not read earlier failed pages: %s", message)
        if self.stats:
            self.stats.set_value("civicnews/failures_write_error", message)


def count_errors(stats: dict[str, Any]) -> int:
    """A portal's errors, from its own crawler's stats: the pages it gave up on, and
    archive writes that failed.  (Scrapy's ``log_count/ERROR`` counts the ERROR lines
    of the whole process, every portal's, and misses pages given up quietly.)"""
    failed = int(stats.get("civicnews/failed_pages") or 0)
    store = 1 if stats.get("civicnews/archive_error") else 0
    recording = 1 if stats.get("civicnews/failures_write_error") else 0
    return failed + store + recording


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def _now() -> str:
    return _iso(datetime.now(UTC))
