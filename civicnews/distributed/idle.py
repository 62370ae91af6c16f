"""Stop a worker when its job has nothing left to crawl for a while.

scrapy-redis workers wait forever.  Here, whenever the engine finds the worker
idle, the portal's frontier and every worker's
leased requests are counted; while either is non-zero, or until they have been
zero for ``CIVICNEWS_REDIS_IDLE_STOP`` seconds, the spider is kept open
(``DontCloseSpider``).  Leased requests count because the worker handling them
may still add to the frontier; a dead worker's are requeued by :mod:`.leases`.
Then the spider closes with reason ``finished``.  A portal capped by the job's
``--max-articles`` (:mod:`.maxarticles`) closes at once with reason ``max_articles``.

An idle Scrapy engine asks its scheduler for requests every 5 seconds (its
heartbeat, ``ExecutionEngine._SLOT_HEARTBEAT_INTERVAL``, a private attribute with
no setting); a worker waiting for other workers' requests would join a crawl up
to 5 s late, so this extension sets the heartbeat of its engine to
``CIVICNEWS_REDIS_POLL`` seconds (a no-op if a later Scrapy drops the attribute).

Settings: ``REDIS_URL``, ``CIVICNEWS_REDIS_JOB``, ``CIVICNEWS_REDIS_IDLE_STOP``
(seconds, default 60), ``CIVICNEWS_REDIS_POLL`` (seconds, default 1).
"""

from __future__ import annotations

import time
from typing import Any

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro

from civicnews.distributed.keys import JobKeys, redis_from_settings
from civicnews.distributed.queue import in_flight
from civicnews.pipelines.maxarticles import REASON


class IdleStop:
    def __init__(
        self, server: Any, keys: JobKeys, idle_stop: float, poll: float = 1.0, crawler: Any = None
    ):
        self.server = server
        self.keys = keys
        self.idle_stop = idle_stop
        self.poll = poll
        self.crawler = crawler
        self.empty_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> IdleStop:
        settings = crawler.settings
        server = redis_from_settings(settings)
        ext = cls(
            server,
            JobKeys(settings.get("CIVICNEWS_REDIS_JOB")),
            settings.getfloat("CIVICNEWS_REDIS_IDLE_STOP", 60.0),
            max(settings.getfloat("CIVICNEWS_REDIS_POLL", 1.0), 0.05),
            crawler,
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        return ext

    def spider_opened(self, spider: Any) -> None:
        # Read when the engine starts its heartbeat, right after spider_opened.
        engine = self.crawler.engine if self.crawler is not None else None
        if engine is not None and hasattr(engine, "_SLOT_HEARTBEAT_INTERVAL"):
            engine._SLOT_HEARTBEAT_INTERVAL = self.poll

    def spider_idle(self, spider: Any) -> None:
        now = time.monotonic()
        portal = spider.portal_key
        try:
            if self.server.exists(self.keys.capped(portal)):
                # The job's --max-articles is reached: this portal's crawl ends here, with
                # the local crawl's reason (the scheduler empties what is left on close).
                if self.crawler is not None and self.crawler.engine is not None:
                    deferred_from_coro(self.crawler.engine.close_spider_async(reason=REASON))
                raise DontCloseSpider
            waiting = self.server.zcard(self.keys.requests(portal))
            leased = in_flight(self.server, self.keys, portal)
        except redis.RedisError:
            self.empty_since = None
            raise DontCloseSpider from None  # Redis away: wait for it, do not call the job done
        if waiting or leased:
            self.empty_since = None
            raise DontCloseSpider
        if self.empty_since is None:
            self.empty_since = now
        if now - self.empty_since < self.idle_stop:
            raise DontCloseSpider
