"""Retries with exponential backoff that honour ``Retry-After``, without holding the downloader.

Scrapy's RetryMiddleware retries at once: against a portal that is restarting
or rate-limiting, every retry fails the same way within a second and the page
is lost.  Sleeping inside a middleware (``await asyncio.sleep``) would keep the
request in the downloader's active set, and a few hundred waiting retries
would stall the whole crawl.  So a retry is *parked* instead: its scheduling
is refused (``request_scheduled`` handler raising IgnoreRequest) and the
request is handed back to the engine when its delay is over, as suggested in
scrapy/scrapy#802; other requests keep flowing meanwhile.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)

DELAY_KEY = "civicnews_retry_delay"
# Statuses whose Retry-After asks the client to wait (RFC 9110 §10.2.3).
_RETRY_AFTER_STATUSES = (429, 503)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks for: delay-seconds or an HTTP date; None if unusable."""
    if not value:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(retry: int, base: float, cap: float) -> float:
    """Delay before retry number `retry` (1-based): base, 2·base, 4·base... at most `cap`."""
    if base <= 0:
        return 0.0
    return min(base * 2 ** max(retry - 1, 0), cap)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware with each retry delayed (it replaces it, same order 550).

    Retry n waits ``backoff_delay(n)``: ``CIVICNEWS_RETRY_BACKOFF_BASE`` (seconds,
    default 1) doubled each time, at most ``CIVICNEWS_RETRY_BACKOFF_MAX`` (default
    30).  A 429/503 answer's ``Retry-After`` makes the wait at least that long; a
    Retry-After above ``CIVICNEWS_RETRY_AFTER_MAX`` (default 120) gives the page up at
    once rather than retrying early against the server's wish.  Scrapy's
    ``RETRY_ENABLED``, ``RETRY_TIMES``, ``RETRY_HTTP_CODES``, ``RETRY_EXCEPTIONS``
    and the ``dont_retry`` / ``max_retry_times`` meta keys work as in Scrapy.

    Meta key set on retries: ``civicnews_retry_delay`` (seconds still to wait).
    Stats: Scrapy's ``retry/*``; ``civicnews/retry/delayed``,
    ``civicnews/retry/delay_seconds`` (total), ``civicnews/retry/retry_after``
    (retries timed by a Retry-After), ``civicnews/retry/retry_after_too_long``.
    """

    def __init__(
        self,
        settings: BaseSettings,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        retry_after_max: float = 120.0,
    ) -> None:
        super().__init__(settings)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self._parked: dict[int, Any] = {}  # id(request) -> the delayed call handing it back

    @classmethod
    def from_crawler(cls, crawler: Any) -> BackoffRetryMiddleware:
        s = crawler.settings
        mw = cls(
            s,
            backoff_base=s.getfloat("CIVICNEWS_RETRY_BACKOFF_BASE", 1.0),
            backoff_max=s.getfloat("CIVICNEWS_RETRY_BACKOFF_MAX", 30.0),
            retry_after_max=s.getfloat("CIVICNEWS_RETRY_AFTER_MAX", 120.0),
        )
        mw.crawler = crawler
        crawler.signals.connect(mw._request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(mw._spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(mw._spider_closed, signal=signals.spider_closed)
        return mw

    # -- deciding -------------------------------------------------------------------------------

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = None
        if response.status in _RETRY_AFTER_STATUSES:
            wait = retry_after_seconds(response.headers.get(b"Retry-After"))
            if wait is not None and wait > self.retry_after_max:
                self.crawler.stats.inc_value("civicnews/retry/retry_after_too_long")
                logger.warning(
                    "not retrying %s: Retry-After %.0f s > CIVICNEWS_RETRY_AFTER_MAX (%.0f s)",
                    request.url,
                    wait,
                    self.retry_after_max,
                )
                return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if wait is not None:
            self.crawler.stats.inc_value("civicnews/retry/retry_after")
        return self._delay(retry, wait)

    def process_exception(
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            return self._delay(retry, None)
        return retry

    def _delay(self, retry: Request, retry_after: float | None) -> Request:
        delay = backoff_delay(retry.meta.get("retry_times", 1), self.backoff_base, self.backoff_max)
        if retry_after is not None:
            delay = max(delay, retry_after)
        if delay > 0:
            retry.meta[DELAY_KEY] = delay
        return retry

    # -- parking --------------------------------------------------------------------------------

    def _request_scheduled(self, request: Request, spider: Any = None) -> None:
        delay = request.meta.pop(DELAY_KEY, 0)
        if not delay:
            return
        stats = self.crawler.stats
        stats.inc_value("civicnews/retry/delayed")
        stats.inc_value("civicnews/retry/delay_seconds", round(delay, 3))
        self._parked[id(request)] = _call_later(delay, self._release, request)
        # The engine takes IgnoreRequest from a request_scheduled handler as "do not schedule".
        raise IgnoreRequest(f"retry parked for {delay:.1f} s")

    def _release(self, request: Request) -> None:
        self._parked.pop(id(request), None)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            engine.crawl(request)

    def _spider_idle(self, spider: Any = None) -> None:
        if self._parked:
            raise DontCloseSpider  # parked retries will come back

    def _spider_closed(self, spider: Any = None) -> None:
        for call in self._parked.values():
            call.cancel()
        self._parked.clear()


def _call_later(delay: float, func: Any, *args: Any) -> Any:
    try:  # Scrapy >= 2.14: asyncio loop or Twisted reactor, whichever runs
        from scrapy.utils.asyncio import call_later
    except ImportError:  # pragma: no cover - Scrapy 2.13
        from twisted.internet import reactor

        return reactor.callLater(delay, func, *args)
    return call_later(delay, func, *args)
