"""The Redis keys of a crawl job: the one place their names are made.

Everything of job ``JOB`` lives under ``civicnews:JOB:``, so ``civicnews jobs --drop``
and ``redis-cli --scan --pattern 'civicnews:JOB:*'`` find all of it:

==================================  ==========  ===============================================
key                                 type        what
==================================  ==========  ===============================================
``job``                             hash        the job record: portals, options, created_at
``items``                           stream      items with their raw captures, for the ingester
``stats``                           hash        ``WORKER|PORTAL`` -> that worker's counts (JSON)
``alive:WORKER``                    string      the worker's lease: expires unless renewed
``PORTAL:requests``                 sorted set  the frontier (scrapy-redis's priority queue)
``PORTAL:dupefilter``               set         request fingerprints (scrapy-redis's dupefilter)
``PORTAL:workers``                  set         workers that have leased requests of the portal
``PORTAL:processing:WORKER``        hash        lease id -> ``score\\n`` + the leased request
``PORTAL:gate``                     string      when the portal's next request may start
``PORTAL:holders``                  sorted set  requests in flight to the portal, by expiry
``PORTAL:archive``                  string      what the archive knows of the portal (zlib JSON)
``PORTAL:articles``                 string      articles sent, counted against ``--max-articles``
``PORTAL:capped``                   string      set once the job's ``--max-articles`` is reached
==================================  ==========  ===============================================
"""

from __future__ import annotations

import re
from typing import Any

from civicnews.distributed import DistributedUsageError

PREFIX = "civicnews"
DEFAULT_JOB = "default"
_JOB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_job(name: str) -> str:
    if not _JOB_NAME.match(name or ""):
        raise DistributedUsageError(
            f"--job: expected letters, digits, '.', '_' or '-' (at most 64), got {name!r}"
        )
    return name


class JobKeys:
    def __init__(self, job: str):
        self.job = check_job(job)
        self.base = f"{PREFIX}:{job}"
        self.record = f"{self.base}:job"
        self.items = f"{self.base}:items"
        self.stats = f"{self.base}:stats"

    def alive(self, worker: str) -> str:
        return f"{self.base}:alive:{worker}"

    def requests(self, portal: str) -> str:
        return f"{self.base}:{portal}:requests"

    def dupefilter(self, portal: str) -> str:
        return f"{self.base}:{portal}:dupefilter"

    def workers(self, portal: str) -> str:
        return f"{self.base}:{portal}:workers"

    def processing(self, portal: str, worker: str) -> str:
        return f"{self.base}:{portal}:processing:{worker}"

    def gate(self, portal: str) -> str:
        return f"{self.base}:{portal}:gate"

    def holders(self, portal: str) -> str:
        return f"{self.base}:{portal}:holders"

    def archive(self, portal: str) -> str:
        return f"{self.base}:{portal}:archive"

    def articles(self, portal: str) -> str:
        return f"{self.base}:{portal}:articles"

    def capped(self, portal: str) -> str:
        return f"{self.base}:{portal}:capped"

    def pattern(self) -> str:
        """Every key of the job, for SCAN."""
        return f"{self.base}:*"


def redis_from_settings(settings: Any) -> Any:
    """The Redis client a worker component talks to; ``NotConfigured`` outside a worker.

    One home for the rule every component shares: no ``REDIS_URL`` means a local crawl, where
    the distributed components switch themselves off.
    """
    import redis  # the [distributed] extra: imported only inside a worker
    from scrapy.exceptions import NotConfigured

    url = settings.get("REDIS_URL")
    if not url:
        raise NotConfigured("REDIS_URL is not set")
    return redis.Redis.from_url(url)
