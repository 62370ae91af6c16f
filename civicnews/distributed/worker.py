"""A worker: ``civicnews crawl --redis URL``, Scrapy's engine on a frontier shared in Redis.

:func:`worker_settings` turns a local crawl's settings into a worker's: the
scrapy-redis scheduler (with the leasing queue), the shared rate limit, items to
the job's stream instead of the archive, the idle stop, the lease renewal and the
published counts.  A worker has no archive (``CIVICNEWS_DB`` is empty, which
switches off the store, the incremental middleware and the failed-pages table:
``civicnews enqueue`` settles what is archived, the ingester writes).
:func:`run_worker` runs one crawler per portal in one process, as a local crawl
does, and checks each portal's health on this worker's own figures; the job's
health over all workers is checked by the ingester when the job is complete.
"""

from __future__ import annotations

import os
import re
import socket
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from civicnews.crawl import PortalResult, RunSummary, _now
from civicnews.crawl_options import check_settings, project_settings
from civicnews.distributed import DistributedUsageError, connect
from civicnews.distributed.jobs import option_settings, require_open_job
from civicnews.distributed.keys import JobKeys
from civicnews.health import Thresholds, check_portal
from civicnews.registry import Portal
from civicnews.spiders.portal import PortalSpider

_WORKER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

#: Component -> order, per Scrapy setting, added to (None: removed from) the local crawl's.
#: A worker's components in place of the archive's: each is the local one reading the
#: job's published archive state, or writing to the job's stream, instead of SQLite.
COMPONENTS: dict[str, dict[str, int | None]] = {
    "ITEM_PIPELINES": {
        "civicnews.pipelines.maxarticles.MaxArticlesPipeline": None,
        "civicnews.distributed.maxarticles.SharedMaxArticlesPipeline": 750,
        "civicnews.pipelines.store.StorePipeline": None,
        "civicnews.distributed.itemqueue.RedisItemPipeline": 900,
    },
    "SPIDER_MIDDLEWARES": {
        "civicnews.middlewares.incremental.IncrementalMiddleware": None,
        "civicnews.distributed.incremental.SharedIncrementalMiddleware": 950,
        # Nearest the engine: it sees the output after every other middleware.
        "civicnews.distributed.ack.AckMiddleware": 1,
    },
    "DOWNLOADER_MIDDLEWARES": {
        # Last before the download handler: the gate is passed right before sending.
        "civicnews.distributed.ratelimit.SharedRateLimit": 990,
    },
    "EXTENSIONS": {
        # The shared rate limit applies robots.txt Crawl-delay across workers.
        "civicnews.extensions.crawldelay.CrawlDelay": None,
        "civicnews.extensions.failures.FailuresExtension": None,
        "civicnews.distributed.failures.StreamedFailures": 500,
        # Before Leases: a stopping worker's last counts are published before its lease
        # ends, so whoever sees it gone sees its final counts.
        "civicnews.distributed.workerstats.WorkerStats": 400,
        "civicnews.distributed.leases.Leases": 500,
        "civicnews.distributed.idle.IdleStop": 500,
    },
}


def default_worker_name() -> str:
    return f"{socket.gethostname().split('.')[0]}-{os.getpid()}"


def check_worker_name(name: str) -> str:
    if not _WORKER_NAME.match(name or ""):
        raise DistributedUsageError(
            f"CIVICNEWS_REDIS_WORKER: expected letters, digits, '.', '_' or '-', got {name!r}"
        )
    return name


def worker_settings(base: Settings, redis_url: str, job: str, worker: str) -> Settings:
    """``base`` (a local crawl's settings) made into a worker's, in place; returns it."""
    base.set("REDIS_URL", redis_url, priority="cmdline")
    base.set("CIVICNEWS_REDIS_JOB", job, priority="cmdline")
    base.set("CIVICNEWS_REDIS_WORKER", worker, priority="cmdline")
    base.set("SCHEDULER", "civicnews.distributed.scheduler.LeasingScheduler", priority="cmdline")
    base.set(
        "SCHEDULER_QUEUE_CLASS", "civicnews.distributed.queue.ReliableQueue", priority="cmdline"
    )
    base.set("SCHEDULER_PERSIST", True, priority="cmdline")
    base.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="cmdline")
    # The shared gate paces each portal; a local delay after it would break the spacing.
    base.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    base.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    for name, changes in COMPONENTS.items():
        components = dict(base.getdict(name))
        components.update(changes)
        base.set(name, components, priority="cmdline")
    return base


def run_worker(
    portals: list[Portal],
    redis_url: str,
    job: str,
    *,
    portals_file: str | None = None,
    settings: dict[str, Any] | None = None,
) -> RunSummary:
    """Crawl ``portals`` of job ``job`` until the job's frontier stays empty; blocks."""
    keys = JobKeys(job)
    client = connect(redis_url)
    record = require_open_job(client, job)
    if not portals:
        raise DistributedUsageError(f"job {job!r} has no portals")
    missing = [p.key for p in portals if p.key not in record["portals"]]
    if missing:
        raise DistributedUsageError(
            f"portals not in job {job!r}: {', '.join(missing)} (add them with civicnews enqueue)"
        )
    overrides = dict(settings or {})
    if portals_file:
        overrides["CIVICNEWS_PORTALS_FILE"] = str(portals_file)
    # The job's crawl options (civicnews enqueue) win: every worker crawls alike.
    overrides.update(option_settings(record["options"]))
    merged = project_settings(overrides)
    check_settings(merged)
    thresholds = Thresholds.from_settings(merged)
    worker = check_worker_name(merged.get("CIVICNEWS_REDIS_WORKER") or default_worker_name())
    worker_settings(merged, redis_url, job, worker)
    summary = RunSummary(db="", started_at=_now())
    process = CrawlerProcess(merged)
    crawlers = []
    for portal in portals:
        crawler = process.create_crawler(PortalSpider)
        crawler.settings.set("SCHEDULER_QUEUE_KEY", keys.requests(portal.key), priority="cmdline")
        crawler.settings.set(
            "SCHEDULER_DUPEFILTER_KEY", keys.dupefilter(portal.key), priority="cmdline"
        )
        process.crawl(crawler, portal=portal.key, portals_file=portals_file)
        crawlers.append((portal.key, crawler))
    process.start()
    for key, crawler in crawlers:
        stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
        result = PortalResult.from_stats(key, stats)
        result.health = [f.to_dict() for f in check_portal(key, stats, thresholds)]
        summary.portals.append(result)
    summary.finished_at = _now()
    return summary
