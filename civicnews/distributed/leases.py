"""Keep this worker's lease alive, and give the requests of dead workers back.

Every ``CIVICNEWS_REDIS_LEASE`` / 4 seconds the worker sets its ``alive:WORKER``
key to expire ``CIVICNEWS_REDIS_LEASE`` seconds later, and requeues the leased
requests of the portal's workers whose key has expired
(:func:`civicnews.distributed.queue.reap`): a worker killed with SIGKILL stops
renewing, and after at most one lease period another worker crawls its requests.
A lease must outlast the longest stall of a live worker's event loop; a worker
stalled longer may see its requests crawled twice, never lost.  When the last
portal of a worker process closes, the key is deleted: a worker that stopped is
not counted as running (its unfinished requests were requeued by the scheduler).

Settings: ``REDIS_URL``, ``CIVICNEWS_REDIS_JOB``, ``CIVICNEWS_REDIS_WORKER``,
``CIVICNEWS_REDIS_LEASE`` (seconds, default 60).
Stats: ``civicnews/redis/reaped`` (requests of dead workers put back).
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from scrapy import signals
from twisted.internet import task

from civicnews.distributed.keys import JobKeys, redis_from_settings
from civicnews.distributed.queue import reap

logger = logging.getLogger(__name__)

#: Portals of this process (one worker) still crawling: the lease is the process's.
_open_portals = 0


class Leases:
    def __init__(self, server: Any, keys: JobKeys, worker: str, lease: float, stats: Any = None):
        self.server = server
        self.keys = keys
        self.worker = worker
        self.lease = lease
        self.stats = stats
        self.portal: str | None = None
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> Leases:
        settings = crawler.settings
        server = redis_from_settings(settings)
        ext = cls(
            server,
            JobKeys(settings.get("CIVICNEWS_REDIS_JOB")),
            settings.get("CIVICNEWS_REDIS_WORKER"),
            settings.getfloat("CIVICNEWS_REDIS_LEASE", 60.0),
            crawler.stats,
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        global _open_portals
        _open_portals += 1
        self.portal = spider.portal_key
        self.tick()
        self._loop = task.LoopingCall(self.tick)
        self._loop.start(max(self.lease / 4, 0.2), now=False)

    def spider_closed(self, spider: Any) -> None:
        global _open_portals
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        _open_portals -= 1
        if _open_portals <= 0:
            try:
                self.server.delete(self.keys.alive(self.worker))
            except redis.RedisError as exc:
                logger.warning("cannot end the lease of %s: %s", self.worker, exc)

    def tick(self) -> None:
        try:
            self.server.set(self.keys.alive(self.worker), "1", px=int(self.lease * 1000))
            moved = reap(self.server, self.keys, self.portal)
        except redis.RedisError as exc:
            # Redis away for a moment: the next tick tries again; the lease only
            # lapses if it stays away longer than CIVICNEWS_REDIS_LEASE.
            logger.warning("cannot renew the lease of %s: %s", self.worker, exc)
            return
        if moved:
            logger.info("requeued %d requests of dead workers (portal %s)", moved, self.portal)
            if self.stats is not None:
                self.stats.inc_value("civicnews/redis/reaped", moved)
