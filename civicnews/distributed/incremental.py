"""A local crawl's incremental rules, in a worker that has no archive.

:class:`SharedIncrementalMiddleware` is the local
:class:`~civicnews.middlewares.incremental.IncrementalMiddleware`, filling its archive
snapshot (:class:`~civicnews.middlewares.archived.ArchiveSnapshot`) from the job's
published state (:mod:`.archivestate`) instead of SQLite, so workers skip archived
articles, walk their stored related links, refetch stale ones conditionally
(``--refresh-after``), stop a listing after ``CIVICNEWS_INCREMENTAL_STOP_AFTER``
archived entries in a row or at the first entry older than ``--since``, and walk
listings in full after an unfinished run, as a local crawl does.

One thing differs: a listing is walked one page at a time, and the next page may
be crawled by another worker.  So the walk's state travels with the page request
(meta ``civicnews_chain_state``: the listing pages found and not yet requested,
and the run of archived entries so far) instead of staying in one process, and a
page already requested in the job (the job's shared dupefilter) is never walked
to again.  A walked page that finally fails continues the walk through
``page_failed`` (a request in Redis can only name spider methods, not the local
walk's errback).

Settings: the local middleware's (``CIVICNEWS_INCREMENTAL``, ``..._STOP_AFTER``,
``CIVICNEWS_REFRESH_AFTER_DAYS``, ``CIVICNEWS_SINCE``), set from the job's options
by :mod:`.worker`; ``REDIS_URL``, ``CIVICNEWS_REDIS_JOB``.
Meta key set: ``civicnews_chain_state``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter

from civicnews.distributed import archivestate
from civicnews.distributed.keys import JobKeys, redis_from_settings
from civicnews.middlewares.archived import KnownArticles
from civicnews.middlewares.incremental import IncrementalMiddleware
from civicnews.middlewares.listingwalk import Chain, ListingWalk, request_key
from civicnews.signals import family_detected, page_failed

CHAIN_STATE = "civicnews_chain_state"


class SharedChain(Chain):
    """A listing walk whose state can travel in the next page's request."""

    def __init__(self, walk: SharedListingWalk):
        super().__init__()
        self.walk = walk
        self.origin: dict[str, Any] | None = None  # the state it was restored from

    def pop(self) -> scrapy.Request | None:
        while True:
            nxt = super().pop()
            if nxt is None or not self.walk.requested(nxt):
                break
            # Already crawled (or queued) by some worker of the job: walking to it again
            # would be dropped by the dupefilter and end the walk.
        if nxt is not None:
            nxt.meta[CHAIN_STATE] = self.state()
        return nxt

    def state(self) -> dict[str, Any]:
        spider = self.walk.spider
        return {
            "queue": [r.to_dict(spider=spider) for r in self.queue],
            "known_run": self.known_run,
            "stopped": self.stopped,
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.origin = state
        self.queue = [request_from_dict(d, spider=self.walk.spider) for d in state["queue"]]
        self.seen.update(request_key(r) for r in self.queue)
        self.known_run = int(state.get("known_run") or 0)
        self.stopped = state.get("stopped")


class SharedListingWalk(ListingWalk):
    """The local listing walk, its chains restored from each page's request.

    ``requested(request)``: was it already scheduled by a worker of the job.
    """

    def __init__(
        self,
        articles: KnownArticles,
        *,
        stop_after: int,
        stats: Any,
        spider: scrapy.Spider,
        requested: Callable[[scrapy.Request], bool],
    ) -> None:
        super().__init__(articles, stop_after=stop_after, stats=stats)
        self.spider = spider
        self.requested = requested

    def restore(self, request: scrapy.Request | None) -> None:
        """Make the walk's state the one ``request`` carries (once per page)."""
        if request is None:
            return
        key = request.meta.get("civicnews_chain") or request.url
        state = request.meta.get(CHAIN_STATE)
        chain = self.chains.get(key)
        if isinstance(chain, SharedChain) and (state is None or chain.origin is state):
            return  # restored already (this page's earlier output), or a first page seen here
        chain = SharedChain(self)
        if state is not None:
            chain.restore(state)
        self.chains[key] = chain

    def chain(self, response: Response) -> Chain:
        self.restore(response.request)
        return super().chain(response)

    def walked(self, request: scrapy.Request) -> scrapy.Request:
        # The errback stays the spider's (a request in Redis names spider methods only):
        # a failed walked page continues the walk in SharedIncrementalMiddleware.walk_failed.
        request.meta["civicnews_walked"] = True
        return request


class SharedIncrementalMiddleware(IncrementalMiddleware):
    def __init__(self, server: Any, keys: JobKeys, **kwargs: Any):
        super().__init__("", **kwargs)
        self.server = server
        self.keys = keys
        self.spider: Any = None
        self.dupefilter: RFPDupeFilter | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedIncrementalMiddleware:
        settings = crawler.settings
        mw = cls(
            redis_from_settings(settings),
            JobKeys(settings.get("CIVICNEWS_REDIS_JOB")),
            **cls.options(settings),
            stats=crawler.stats,
        )
        mw.crawler = crawler
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(mw.family_detected, signal=family_detected)
        crawler.signals.connect(mw.walk_failed, signal=page_failed)
        return mw

    def spider_opened(self, spider: scrapy.Spider) -> None:
        portal = getattr(spider, "portal", None)
        if portal is None:
            return
        self.spider = spider
        self.open_portal(spider, portal)
        self.dupefilter = RFPDupeFilter(self.server, self.keys.dupefilter(portal.key))
        state = archivestate.load(self.server, self.keys, portal.key)
        state.fill(self.snapshot)
        self.settle(portal.key, state.complete)

    def listing_walk(self, stop_after: int) -> ListingWalk:
        return SharedListingWalk(
            self.articles,
            stop_after=stop_after,
            stats=self.stats,
            spider=self.spider,
            requested=self.requested,
        )

    def requested(self, request: scrapy.Request) -> bool:
        """Was ``request`` already scheduled by a worker of the job?"""
        if self.dupefilter is None:
            return False
        fingerprint = self.dupefilter.request_fingerprint(request)
        return bool(self.server.sismember(self.dupefilter.key, fingerprint))

    def walk_failed(self, failure: Any, **kwargs: Any) -> None:
        request = getattr(failure, "request", None)
        if request is None or not request.meta.get("civicnews_walked"):
            return
        if request.meta.get("civicnews_kind") != "listing" or request.meta.get(CHAIN_STATE) is None:
            return
        if not isinstance(self.walk, SharedListingWalk):
            # Listings walked in full here: every worker of the job decides that alike (same
            # options, same published state), so no walked page reaches such a worker.
            return
        self.walk.restore(request)
        for nxt in self.walk.continue_after(failure):
            self.crawler.engine.crawl(nxt)
