"""Count listing entries in a worker, as the local crawl's incremental middleware does.

A worker has no archive, so :class:`~civicnews.middlewares.incremental.IncrementalMiddleware`
is off there (what is archived was settled when the job was enqueued, see
:mod:`.jobs`); the health check ``nothing_parsed`` still needs
``civicnews/listing_entries``: article requests found on listing pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response


class ListingEntriesMiddleware:
    def __init__(self, stats: Any = None):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> ListingEntriesMiddleware:
        return cls(crawler.stats)

    def _count(self, response: Response, out: Any) -> None:
        if (
            self.stats is not None
            and response.meta.get("civicnews_kind") == "listing"
            and isinstance(out, Request)
            and out.meta.get("civicnews_kind") == "article"
        ):
            self.stats.inc_value("civicnews/listing_entries")

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for out in result:
            self._count(response, out)
            yield out

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for out in result:
            self._count(response, out)
            yield out
