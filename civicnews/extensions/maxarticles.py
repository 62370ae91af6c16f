"""Stop a portal's crawl after a number of articles: ``--max-articles N``.

Setting ``CIVICNEWS_MAX_ARTICLES`` (0, the default, switches the extension
off).  Counts articles scraped with a page (status 200), not the small items
for 304/404/410 answers, and closes the spider with reason ``max_articles``
once the limit is reached.  Requests already in flight still finish, so a
few more articles may be archived.  Stat: ``civicnews/max_articles/count``.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

REASON = "max_articles"


class MaxArticles:
    def __init__(self, limit: int, crawler: Any = None):
        self.limit = limit
        self.crawler = crawler
        self.count = 0
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler) -> MaxArticles:
        limit = crawler.settings.getint("CIVICNEWS_MAX_ARTICLES", 0)
        if limit <= 0:
            raise NotConfigured
        ext = cls(limit, crawler)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        return ext

    def item_scraped(self, item: Any, **kwargs: Any) -> None:
        adapter = ItemAdapter(item)
        if int(adapter.get("status") or 200) != 200:
            return
        self.count += 1
        if self.crawler is not None:
            self.crawler.stats.set_value("civicnews/max_articles/count", self.count)
        if self.count >= self.limit and not self.closing:
            self.closing = True
            if self.crawler is not None and self.crawler.engine is not None:
                deferred_from_coro(self.crawler.engine.close_spider_async(reason=REASON))
