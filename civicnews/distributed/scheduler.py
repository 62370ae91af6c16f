"""scrapy-redis's Scheduler, made safe for many workers and for killed ones.

- The frontier is :class:`~civicnews.distributed.queue.ReliableQueue`: a pop leases.
- A request that a leased one turns into (a retry, a redirect) is pushed first and the
  lease acknowledged after, so a kill between the two loses nothing (the worst case is
  one page fetched twice).  The other acknowledgements are :mod:`.ack`'s.
- ``SCHEDULER_PERSIST`` is forced on: with it off, scrapy-redis empties the shared
  frontier and dupefilter when any one worker closes.
- On open, requests a previous process under the same worker name left leased are
  requeued; on close, so are this worker's unfinished ones (a time limit, a stop).
- Once the job's ``--max-articles`` has capped the portal (:mod:`.maxarticles`), no
  request of it is taken or queued any more, and a closing worker empties its frontier.

Settings: scrapy-redis's (``REDIS_URL``, ``SCHEDULER_QUEUE_KEY``,
``SCHEDULER_DUPEFILTER_KEY``...), set per portal by :mod:`.worker`.
Stats: ``civicnews/redis/acked_successor`` (leases handed on to a retry or redirect),
``civicnews/redis/requeued_own``.
"""

from __future__ import annotations

from typing import Any

from scrapy_redis.scheduler import Scheduler

from civicnews.distributed.maxarticles import CappedFlag
from civicnews.distributed.queue import LEASE_META


class LeasingScheduler(Scheduler):
    capped: CappedFlag | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> LeasingScheduler:
        instance = super().from_crawler(crawler)
        instance.persist = True
        return instance

    def open(self, spider: Any) -> None:
        super().open(spider)
        self.capped = CappedFlag(self.server, self.queue.keys.capped(self.queue.portal))
        self._requeued(self.queue.requeue_own())

    def close(self, reason: str) -> None:
        self._requeued(self.queue.requeue_own())
        if self.capped is not None and self.capped(fresh=True):
            # What this worker queued (or just gave back) before it knew: the job is capped.
            self.server.delete(self.queue.key)
        super().close(reason)

    def next_request(self) -> Any:
        if self.capped is not None and self.capped():
            return None
        return super().next_request()

    def enqueue_request(self, request: Any) -> bool:
        lease = request.meta.pop(LEASE_META, None)
        if self.capped is not None and self.capped():
            added = False
        else:
            added = super().enqueue_request(request)
        if lease is not None:
            self.queue.ack(lease)
            if self.stats:
                self.stats.inc_value("civicnews/redis/acked_successor")
        return added

    def has_pending_requests(self) -> bool:
        if self.capped is not None and self.capped():
            return False  # so the engine goes idle and the idle stop closes the portal
        return len(self.queue) > 0

    def _requeued(self, count: int) -> None:
        if count and self.stats:
            self.stats.inc_value("civicnews/redis/requeued_own", count)
