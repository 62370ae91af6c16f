"""Honour robots.txt ``Crawl-delay``: Scrapy reads it but does not apply it.

When Scrapy's robots.txt middleware has parsed a host's robots.txt (signal
``robots_parsed``), the parser's ``crawl_delay(user_agent)`` becomes the
minimum delay of that host's download slot, without jitter, whatever the
portal's ``delay`` (even 0) and whatever AutoThrottle computes: the floor is
put back each time a request reaches the downloader and after each response
(this extension's handler runs after AutoThrottle's, which is enabled first).

Settings: ``ROBOTSTXT_OBEY`` (off: this is off too), ``ROBOTSTXT_USER_AGENT``
/ ``USER_AGENT`` (the agent asked about), ``CIVICNEWS_CRAWL_DELAY_MAX``
(60 s: a larger Crawl-delay is capped, with a warning, so that a portal asking
for an hour between pages still gets crawled).  Stat:
``civicnews/crawl_delay`` (the delay applied, seconds).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)


class CrawlDelay:
    def __init__(self, user_agent: str, max_delay: float = 60.0, crawler: Any = None):
        self.user_agent = user_agent
        self.max_delay = max_delay
        self.crawler = crawler
        self.delays: dict[str, float] = {}  # download slot key -> minimum delay

    @classmethod
    def from_crawler(cls, crawler) -> CrawlDelay:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "*"
        ext = cls(agent, settings.getfloat("CIVICNEWS_CRAWL_DELAY_MAX", 60.0), crawler)
        crawler.signals.connect(ext.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(ext.apply, signal=signals.request_reached_downloader)
        crawler.signals.connect(ext.apply, signal=signals.response_downloaded)
        return ext

    def delay_for(self, robotparser: Any) -> float | None:
        """The delay ``robotparser`` asks of our agent, capped; None if it asks none."""
        try:
            delay = robotparser.crawl_delay(self.user_agent)
        except (AttributeError, TypeError, ValueError):
            return None
        if delay is None or delay <= 0:
            return None
        if delay > self.max_delay:
            logger.warning(
                "robots.txt asks for a Crawl-delay of %gs; using CIVICNEWS_CRAWL_DELAY_MAX = %gs",
                delay,
                self.max_delay,
            )
            return self.max_delay
        return float(delay)

    def robots_parsed(self, robotparser: Any, request: Any, **kwargs: Any) -> None:
        delay = self.delay_for(robotparser)
        if delay is None or self.crawler is None:
            return
        key = self.crawler.engine.downloader.get_slot_key(request)
        self.delays[key] = delay
        self.crawler.stats.max_value("civicnews/crawl_delay", delay)
        logger.info("robots.txt of %s asks for a Crawl-delay of %gs: applied", key, delay)

    def apply(self, request: Any, **kwargs: Any) -> None:
        if not self.delays or self.crawler is None:
            return
        downloader = self.crawler.engine.downloader
        key = request.meta.get("download_slot") or downloader.get_slot_key(request)
        delay = self.delays.get(key)
        slot = downloader.slots.get(key)
        if delay is None or slot is None:
            return
        if slot.delay < delay:
            slot.delay = delay
        # Jitter would send some requests sooner than the floor.
        slot.jitter = 0.0
