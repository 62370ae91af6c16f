"""Acknowledge a leased request once everything its response produced is safe in Redis.

The spider's output for a response is new requests (pushed to the frontier by
the scheduler as the engine receives them) and items (pushed to the job's
stream by :mod:`.itemqueue`, the last pipeline).  This middleware sits nearest
the engine: when the spider's output has run out and every item it carried has
left the pipelines (``item_scraped``, ``item_dropped`` or ``item_error``), the
request's lease is acknowledged (:func:`civicnews.distributed.queue.ack`).  A
request that finally failed is acknowledged when the spider's errback announces
it (``civicnews.signals.page_failed``).  Until then a killed worker's request
goes back to the frontier, so nothing is lost; the price is that a worker killed
between pushing its items and acknowledging refetches one page (the ingester
keeps such an item once, see :mod:`.ingest`).

Settings: ``REDIS_URL``, ``CIVICNEWS_REDIS_JOB``, ``CIVICNEWS_REDIS_WORKER``.
Stats: ``civicnews/redis/acked``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request, signals
from scrapy.http import Response

from civicnews.distributed.keys import JobKeys, redis_from_settings
from civicnews.distributed.queue import LEASE_META, ack
from civicnews.signals import page_failed


class AckMiddleware:
    def __init__(self, server: Any, keys: JobKeys, worker: str, stats: Any = None):
        self.server = server
        self.keys = keys
        self.worker = worker
        self.stats = stats
        self.processing: str | None = None
        self.pending: dict[str, int] = {}  # lease -> items still in the pipelines
        self.done: set[str] = set()  # leases whose spider output has run out
        self.item_lease: dict[int, str] = {}  # id(item) -> lease

    @classmethod
    def from_crawler(cls, crawler: Any) -> AckMiddleware:
        settings = crawler.settings
        server = redis_from_settings(settings)
        mw = cls(
            server,
            JobKeys(settings.get("CIVICNEWS_REDIS_JOB")),
            settings.get("CIVICNEWS_REDIS_WORKER"),
            crawler.stats,
        )
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(mw.item_left, signal=signal)
        crawler.signals.connect(mw.page_failed, signal=page_failed)
        return mw

    def spider_opened(self, spider: Any) -> None:
        self.processing = self.keys.processing(spider.portal_key, self.worker)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        lease = response.meta.get(LEASE_META)
        try:
            for out in result:
                self._track(lease, out)
                yield out
        finally:
            self._output_done(lease)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        lease = response.meta.get(LEASE_META)
        try:
            async for out in result:
                self._track(lease, out)
                yield out
        finally:
            self._output_done(lease)

    def _track(self, lease: str | None, out: Any) -> None:
        if lease is not None and out is not None and not isinstance(out, Request):
            self.pending[lease] = self.pending.get(lease, 0) + 1
            self.item_lease[id(out)] = lease

    def _output_done(self, lease: str | None) -> None:
        if lease is None:
            return
        self.done.add(lease)
        self._maybe_ack(lease)

    def item_left(self, item: Any, **kwargs: Any) -> None:
        lease = self.item_lease.pop(id(item), None)
        if lease is None:
            return
        self.pending[lease] -= 1
        self._maybe_ack(lease)

    def page_failed(self, failure: Any, **kwargs: Any) -> None:
        request = getattr(failure, "request", None)
        lease = request.meta.get(LEASE_META) if request is not None else None
        if lease is not None:
            self.done.add(lease)
            self._maybe_ack(lease)

    def _maybe_ack(self, lease: str) -> None:
        if lease not in self.done or self.pending.get(lease, 0) > 0:
            return
        self.done.discard(lease)
        self.pending.pop(lease, None)
        if self.processing is not None:
            ack(self.server, self.processing, lease)
            if self.stats is not None:
                self.stats.inc_value("civicnews/redis/acked")
