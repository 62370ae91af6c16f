"""A hard bound on the articles a portal's crawl stores: ``--max-articles N``.

Setting ``CIVICNEWS_MAX_ARTICLES`` (0, the default, switches the pipeline off).
An extension that closes the spider after N scraped items is not a bound:
pages already requested keep arriving while the spider closes (117-123
articles stored for 100 at concurrency 8).  So the count is kept here, just
before the store: the Nth article closes the spider with reason
``max_articles`` and every later one is dropped, never stored.  Only articles
with a page (status 200) count; the small items for 304/404/410 answers of
known articles pass.  Stats: ``civicnews/max_articles/count``,
``civicnews/max_articles/dropped`` (fetched after the limit, not stored).
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

REASON = "max_articles"


class MaxArticlesPipeline:
    def __init__(self, limit: int, crawler: Any = None):
        self.limit = limit
        self.crawler = crawler
        self.count = 0
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> MaxArticlesPipeline:
        limit = crawler.settings.getint("CIVICNEWS_MAX_ARTICLES", 0)
        if limit <= 0:
            raise NotConfigured
        return cls(limit, crawler)

    def process_item(self, item: Any) -> Any:
        if int(ItemAdapter(item).get("status") or 200) != 200:
            return item
        if self.count >= self.limit:
            self._inc("civicnews/max_articles/dropped")
            raise DropItem(f"--max-articles {self.limit} reached", log_level="DEBUG")
        self.count += 1
        if self.crawler is not None:
            self.crawler.stats.set_value("civicnews/max_articles/count", self.count)
        if self.count >= self.limit and not self.closing:
            self.closing = True
            if self.crawler is not None and self.crawler.engine is not None:
                deferred_from_coro(self.crawler.engine.close_spider_async(reason=REASON))
        return item

    def _inc(self, key: str) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value(key)
