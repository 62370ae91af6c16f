"""Stop following listing pagination after a number of hops: calendar and pagination traps.

Some portals link every listing page to a "next" page that always exists (an
archive calendar offering the next day forever, a pager that never ends).
Scrapy's DEPTH_LIMIT cannot bound that alone: articles sit at every depth, and
a limit low enough to stop a trap would cut real article chains.  This counts
listing-to-listing hops only.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

logger = logging.getLogger(__name__)

DEPTH_KEY = "civicnews_listing_depth"


class ListingDepthMiddleware(BaseSpiderMiddleware):
    """Drops listing requests more than ``CIVICNEWS_LISTING_DEPTH_LIMIT`` hops from a start URL.

    A request is a listing when its meta ``civicnews_kind`` is ``"listing"``;
    its depth (meta ``civicnews_listing_depth``, set here) is the depth of the
    listing page that linked it plus one; start URLs are 0.  Article requests
    are never dropped.  Setting: ``CIVICNEWS_LISTING_DEPTH_LIMIT`` (default
    1000; 0 means no limit).  Stats: ``civicnews/listing_depth/max``,
    ``civicnews/listing_depth/dropped``.
    """

    def __init__(self, limit: int, stats: Any = None) -> None:
        self.limit = limit
        self.stats = stats
        self._warned = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> ListingDepthMiddleware:
        mw = cls(crawler.settings.getint("CIVICNEWS_LISTING_DEPTH_LIMIT", 1000), crawler.stats)
        mw.crawler = crawler
        return mw

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if request.meta.get("civicnews_kind") != "listing":
            return request
        if response is None:  # a start URL
            request.meta.setdefault(DEPTH_KEY, 0)
            return request
        depth = int(response.meta.get(DEPTH_KEY, 0)) + 1
        if self.limit and depth > self.limit:
            if self.stats:
                self.stats.inc_value("civicnews/listing_depth/dropped")
            if not self._warned:
                self._warned = True
                logger.warning(
                    "listing pages go deeper than CIVICNEWS_LISTING_DEPTH_LIMIT (%d): "
                    "not following %s (a calendar or pagination trap?)",
                    self.limit,
                    request.url,
                )
            return None
        request.meta[DEPTH_KEY] = depth
        if self.stats:
            self.stats.max_value("civicnews/listing_depth/max", depth)
        return request
