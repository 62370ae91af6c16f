"""``--max-articles N`` of a distributed job: N articles per portal over all its workers.

The job's option (``civicnews enqueue --max-articles N``), not each worker's: a
sample of N articles must not become N times the number of workers.  Like the
local :class:`~civicnews.pipelines.maxarticles.MaxArticlesPipeline` (same place in
the pipelines, same rules: only articles with a page count), but the count is a
Redis counter of the portal (``PORTAL:articles``), so the Nth article counted by
any worker caps the portal for all:

- the portal is marked capped (``PORTAL:capped``) and its frontier deleted;
- every worker then stops taking the portal's requests (:func:`capped`, read by
  :mod:`.scheduler`), drops articles counted past N, and closes the portal's crawl
  with reason ``max_articles`` (:mod:`.idle`), deleting once more what it may have
  queued meanwhile, so the job completes.

At most N articles are stored: an article counted twice (a page fetched again
after its worker died) is stored once.  The next job of the portal walks its
listings in full, as after a local run stopped by the limit.

Settings: ``CIVICNEWS_MAX_ARTICLES`` (0: off), ``REDIS_URL``, ``CIVICNEWS_REDIS_JOB``.
Stats: the local pipeline's.
"""

from __future__ import annotations

import time
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from civicnews.distributed.keys import JobKeys, redis_from_settings
from civicnews.pipelines.maxarticles import REASON, MaxArticlesPipeline

#: How long a worker trusts its last look at the capped flag, in seconds.
CAPPED_TTL = 1.0


def cap(server: Any, keys: JobKeys, portal: str) -> None:
    """Mark the portal capped and empty its frontier (see the module docstring)."""
    pipe = server.pipeline()
    pipe.set(keys.capped(portal), REASON)
    pipe.delete(keys.requests(portal))
    pipe.execute()


class CappedFlag:
    """Whether the portal is capped, looked up at most every CAPPED_TTL seconds."""

    def __init__(self, server: Any, key: str):
        self.server = server
        self.key = key
        self.value = False
        self.checked = float("-inf")

    def __call__(self, fresh: bool = False) -> bool:
        """``fresh``: ask Redis now, whenever it was last asked."""
        now = time.monotonic()
        if not self.value and (fresh or now - self.checked >= CAPPED_TTL):
            self.value = bool(self.server.exists(self.key))
            self.checked = now
        return self.value


class SharedMaxArticlesPipeline(MaxArticlesPipeline):
    def __init__(self, limit: int, server: Any, keys: JobKeys, crawler: Any = None):
        super().__init__(limit, crawler)
        self.server = server
        self.keys = keys
        self.portal = ""

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedMaxArticlesPipeline:
        settings = crawler.settings
        limit = settings.getint("CIVICNEWS_MAX_ARTICLES", 0)
        if limit <= 0:
            raise NotConfigured
        pipeline = cls(
            limit,
            redis_from_settings(settings),
            JobKeys(settings.get("CIVICNEWS_REDIS_JOB")),
            crawler,
        )
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        return pipeline

    def spider_opened(self, spider: Any) -> None:
        self.portal = spider.portal_key

    def process_item(self, item: Any) -> Any:
        if int(ItemAdapter(item).get("status") or 200) != 200:
            return item
        count = int(self.server.incr(self.keys.articles(self.portal)))
        if count > self.limit:
            self._inc("civicnews/max_articles/dropped")
            self._close()
            raise DropItem(f"--max-articles {self.limit} reached", log_level="DEBUG")
        self.count += 1
        if self.crawler is not None:
            self.crawler.stats.set_value("civicnews/max_articles/count", self.count)
        if count == self.limit:
            cap(self.server, self.keys, self.portal)
            self._close()
        return item

    def _close(self) -> None:
        if self.closing:
            return
        self.closing = True
        if self.crawler is not None and self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=REASON))
