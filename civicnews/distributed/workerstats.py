"""Publish each worker's counts in Redis, for ``civicnews jobs`` and the job's run record.

Every ``CIVICNEWS_REDIS_LEASE`` / 2 seconds, and when the portal's crawl closes,
the crawler's stats (numbers and the finish reason) go to the job's ``stats``
hash under ``WORKER|PORTAL``, with ``state`` ``running`` or ``finished``.  The
ingester sums them per portal for the health checks and ``crawl_runs``.

Settings: ``REDIS_URL``, ``CIVICNEWS_REDIS_JOB``, ``CIVICNEWS_REDIS_WORKER``,
``CIVICNEWS_REDIS_LEASE``.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import redis
from scrapy import signals
from twisted.internet import task

from civicnews.distributed.keys import JobKeys, redis_from_settings

logger = logging.getLogger(__name__)


def snapshot(stats: dict[str, Any], state: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: v for k, v in stats.items() if isinstance(v, int | float) and not isinstance(v, bool)
    }
    if "finish_reason" in stats:
        out["finish_reason"] = str(stats["finish_reason"])
    out["state"] = state
    out["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return out


class WorkerStats:
    def __init__(self, server: Any, keys: JobKeys, worker: str, interval: float, crawler: Any):
        self.server = server
        self.keys = keys
        self.worker = worker
        self.interval = interval
        self.crawler = crawler
        self.field: str | None = None
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> WorkerStats:
        settings = crawler.settings
        server = redis_from_settings(settings)
        ext = cls(
            server,
            JobKeys(settings.get("CIVICNEWS_REDIS_JOB")),
            settings.get("CIVICNEWS_REDIS_WORKER"),
            max(settings.getfloat("CIVICNEWS_REDIS_LEASE", 60.0) / 2, 0.5),
            crawler,
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        # After Scrapy's core stats extension has set finish_reason.
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.field = f"{self.worker}|{spider.portal_key}"
        self._loop = task.LoopingCall(self.publish, "running")
        self._loop.start(self.interval, now=True)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        stats = dict(self.crawler.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        self.publish("finished", stats)

    def publish(self, state: str, stats: dict[str, Any] | None = None) -> None:
        data = snapshot(stats if stats is not None else self.crawler.stats.get_stats(), state)
        try:
            self.server.hset(self.keys.stats, self.field, json.dumps(data))
        except redis.RedisError as exc:
            logger.warning("cannot publish the counts of %s: %s", self.field, exc)
