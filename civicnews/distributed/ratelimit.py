"""Politeness across workers: each portal's pace and concurrency held in Redis.

Scrapy's ``DOWNLOAD_DELAY`` and ``CONCURRENT_REQUESTS_PER_DOMAIN`` hold per
process, so N workers would hit a portal N times as often.  Before a request is
sent, this downloader middleware (the last before the download handler) asks
the portal's gate in Redis, one Lua script on Redis's own clock (worker clocks
do not matter):

- at most ``concurrency`` requests of the portal in flight across all workers
  (``PORTAL:holders``, each entry expiring after ``DOWNLOAD_TIMEOUT`` + 30 s in
  case its worker dies);
- at least ``delay`` seconds between two request starts (``PORTAL:gate``), where
  ``delay`` is the larger of the registry's ``delay`` and the robots.txt
  ``Crawl-delay`` (capped at ``CIVICNEWS_CRAWL_DELAY_MAX``).

Grants are spaced by ``delay`` x ``GATE_SLACK`` (1.1): a granted request is sent
after whatever the worker's event loop is busy with (tens of ms on a loaded
machine, measured up to ~120 ms), so grants exactly ``delay`` apart could reach
the portal closer than that.  When the gate says wait, the request waits (off
the event loop) and asks again.
The worker's own Scrapy delay is set to 0 and AutoThrottle off (:mod:`.worker`):
a local wait after the gate would let two workers' requests start closer than
the delay.  The slot is given back when the response or the error comes back.

Settings: ``REDIS_URL``, ``CIVICNEWS_REDIS_JOB``, ``CIVICNEWS_REDIS_WORKER``,
``DOWNLOAD_TIMEOUT``, ``CIVICNEWS_CRAWL_DELAY_MAX``, ``ROBOTSTXT_USER_AGENT`` /
``USER_AGENT``; the portal's ``delay`` and ``concurrency`` come from the spider.
Meta key set: ``civicnews_gate`` (the request's holder id).
Stats: ``civicnews/redis/gate_waits``, ``civicnews/redis/gate_wait_seconds``,
``civicnews/crawl_delay``.
"""

from __future__ import annotations

import itertools
from typing import Any

from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor, task

from civicnews.distributed.keys import JobKeys, redis_from_settings
from civicnews.extensions.crawldelay import CrawlDelay

GATE_META = "civicnews_gate"
#: Grants are this much further apart than the delay: room for the send's own latency.
GATE_SLACK = 1.1
#: How often a request waiting for a free concurrency slot asks again.
SLOT_POLL = 0.05

# KEYS: gate, holders.  ARGV: delay, concurrency, holder, hold seconds.
# Returns "0" (go) or the seconds to wait, as a string (Lua numbers become integers).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local limit = tonumber(ARGV[2])
if limit > 0 and redis.call('ZCARD', KEYS[2]) >= limit then return 'full' end
local delay = tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if nxt > now then return tostring(nxt - now) end
if delay > 0 then
  local ttl = math.ceil(delay * 1000) + 1000
  redis.call('SET', KEYS[1], string.format('%.6f', now + delay), 'PX', ttl)
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[3])
return '0'
"""


class SharedRateLimit:
    def __init__(
        self,
        server: Any,
        keys: JobKeys,
        worker: str,
        hold_seconds: float,
        robots: CrawlDelay | None = None,
        stats: Any = None,
    ):
        self.server = server
        self.keys = keys
        self.worker = worker
        self.hold_seconds = hold_seconds
        self.robots = robots
        self.stats = stats
        self.portal: str | None = None
        self.delay = 0.0
        self.concurrency = 0
        self.crawl_delay = 0.0
        self._acquire = server.register_script(_ACQUIRE)
        self._ids = itertools.count(1)

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedRateLimit:
        settings = crawler.settings
        server = redis_from_settings(settings)
        robots = None
        if settings.getbool("ROBOTSTXT_OBEY"):
            agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "*"
            robots = CrawlDelay(agent, settings.getfloat("CIVICNEWS_CRAWL_DELAY_MAX", 60.0))
        mw = cls(
            server,
            JobKeys(settings.get("CIVICNEWS_REDIS_JOB")),
            settings.get("CIVICNEWS_REDIS_WORKER"),
            settings.getfloat("DOWNLOAD_TIMEOUT", 180) + 30,
            robots,
            crawler.stats,
        )
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.robots_parsed, signal=signals.robots_parsed)
        return mw

    def spider_opened(self, spider: Any) -> None:
        self.portal = spider.portal_key
        self.delay = float(spider.portal.delay)
        self.concurrency = int(spider.portal.concurrency)

    def robots_parsed(self, robotparser: Any, **kwargs: Any) -> None:
        delay = self.robots.delay_for(robotparser) if self.robots is not None else None
        if delay:
            self.crawl_delay = max(self.crawl_delay, delay)
            if self.stats is not None:
                self.stats.max_value("civicnews/crawl_delay", delay)

    async def process_request(self, request: Any, spider: Any = None) -> None:
        holder = f"{self.worker}:{next(self._ids)}"
        delay = max(self.delay, self.crawl_delay) * GATE_SLACK
        waited = 0.0
        while True:
            answer = self._acquire(
                keys=[self.keys.gate(self.portal), self.keys.holders(self.portal)],
                args=[f"{delay:.6f}", self.concurrency, holder, self.hold_seconds],
            )
            answer = answer.decode() if isinstance(answer, bytes) else str(answer)
            if answer == "0":
                break
            wait = SLOT_POLL if answer == "full" else min(float(answer), 60.0)
            waited += wait
            await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))
        request.meta[GATE_META] = holder
        if waited and self.stats is not None:
            self.stats.inc_value("civicnews/redis/gate_waits")
            self.stats.inc_value("civicnews/redis/gate_wait_seconds", round(waited, 3))

    def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        self._release(request)
        return response

    def process_exception(self, request: Any, exception: Exception, spider: Any = None) -> None:
        self._release(request)

    def _release(self, request: Any) -> None:
        holder = request.meta.pop(GATE_META, None)
        if holder is not None:
            self.server.zrem(self.keys.holders(self.portal), holder)
