"""Distributed crawling on scrapy-redis: many workers, one frontier in Redis, one archive.

Nothing here is imported by a local crawl: ``civicnews crawl`` without ``--redis``
never imports this package's Redis parts, so civicnews works without Redis,
scrapy-redis or the redis client installed (``pip install -e ".[distributed]"``
adds them).

One component per module:

- :mod:`.keys`: the Redis key names of a job (one home for them);
- :mod:`.queue`: :class:`ReliableQueue`, scrapy-redis's priority queue whose pop
  moves the request to the popping worker's processing hash (its lease);
- :mod:`.scheduler`: :class:`LeasingScheduler`, scrapy-redis's scheduler that
  acknowledges a leased request once what it produced is safely in Redis;
- :mod:`.leases`: extension renewing the worker's lease and requeueing the
  requests of dead workers;
- :mod:`.ack`: spider middleware acknowledging a request once its response is handled;
- :mod:`.ratelimit`: downloader middleware holding each portal's delay, concurrency and
  robots.txt Crawl-delay across all workers;
- :mod:`.idle`: extension stopping a worker when its job's queue stays empty;
- :mod:`.archivestate`: what the archive knows of each portal, published by ``enqueue``
  for the workers;
- :mod:`.incremental`: the local incremental rules on that state, listing walks shared
  between workers;
- :mod:`.failures`: failed pages counted as locally and sent to the stream;
- :mod:`.maxarticles`: the job's ``--max-articles``, counted over all workers;
- :mod:`.itemqueue`: pipeline sending items with their raw captures to the job's stream;
- :mod:`.workerstats`: extension publishing each worker's counts in Redis;
- :mod:`.jobs`: job records, seeding (``enqueue``), status and dropping;
- :mod:`.ingest`: the single SQLite writer draining the stream into the archive;
- :mod:`.worker`: runs a worker crawl (``civicnews crawl --redis``).
"""

from __future__ import annotations

INSTALL_HINT = 'install the distributed extra: pip install -e ".[distributed]"'


class DistributedError(Exception):
    """A problem an operator can fix (Redis unreachable, unknown job...): one line, exit 1."""


class DistributedUsageError(DistributedError):
    """A bad option value (URL, job name): one line, exit 2."""


def require_redis():
    """The redis module, or a DistributedError saying how to install it."""
    try:
        import redis
        import scrapy_redis  # noqa: F401
    except ImportError as exc:
        message = f"--redis needs scrapy-redis and redis ({exc}): {INSTALL_HINT}"
        raise DistributedError(message) from None
    return redis


def connect(url: str):
    """A redis client for ``url`` after one PING; DistributedError when unreachable."""
    redis = require_redis()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise DistributedUsageError(
            f"--redis: expected a URL such as redis://HOST:6379/0, got {url!r}"
        )
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)
        client.ping()
    except ValueError as exc:
        raise DistributedUsageError(f"--redis {url}: {exc}") from None
    except redis.RedisError as exc:
        message = f"cannot reach Redis at {url} ({exc}): is redis-server running?"
        raise DistributedError(message) from None
    return client
