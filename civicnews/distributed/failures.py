"""Failed pages in a worker: counted as locally, recorded through the item stream.

:class:`StreamedFailures` is the local
:class:`~civicnews.extensions.failures.FailuresExtension` (same counts, same
classification, same skipping of pages that wait for their ``retry_at`` or were
given up) with two changes for a worker that has no archive:

- the history of earlier failures comes from the job's published archive state
  (:mod:`.archivestate`), not from SQLite;
- each failed page is sent at once to the job's stream, as a ``failed`` entry
  (:func:`encode`), which the ingester writes to ``failed_pages`` in the same
  transaction as the items around it.  At once: the page's lease is acknowledged
  right after (:mod:`.ack`, on the same signal), so a worker killed then loses no
  failure.

Every row of a job carries the job's ``created_at`` as ``run_started_at``: the
job is one run, whichever worker failed on the page.

Settings: the local extension's (``CIVICNEWS_FAILURES_ENABLED``,
``CIVICNEWS_FAILED_RETRY_DAYS``, ``CIVICNEWS_FAILED_GIVE_UP_AFTER``), ``REDIS_URL``,
``CIVICNEWS_REDIS_JOB``, ``CIVICNEWS_REDIS_WORKER``.
Stats: the local extension's; ``civicnews/redis/failures_sent``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from civicnews.distributed import archivestate
from civicnews.distributed.jobs import job_record
from civicnews.distributed.keys import JobKeys, redis_from_settings
from civicnews.extensions.failedpages import FailedPage, History
from civicnews.extensions.failures import FailuresExtension


def encode(row: FailedPage, worker: str) -> dict[str, bytes]:
    return {
        "failed": json.dumps(asdict(row), ensure_ascii=False).encode("utf-8"),
        "worker": worker.encode("utf-8"),
    }


def decode(entry: dict[bytes, bytes]) -> FailedPage:
    return FailedPage(**json.loads(entry[b"failed"].decode("utf-8")))


class StreamedFailures(FailuresExtension):
    def __init__(self, server: Any, keys: JobKeys, worker: str, **kwargs: Any):
        super().__init__("", batch_size=1, **kwargs)
        self.server = server
        self.keys = keys
        self.worker = worker

    @classmethod
    def from_crawler(cls, crawler: Any) -> StreamedFailures:
        settings = crawler.settings
        ext = cls(
            redis_from_settings(settings),
            JobKeys(settings.get("CIVICNEWS_REDIS_JOB")),
            settings.get("CIVICNEWS_REDIS_WORKER"),
            stats=crawler.stats,
            **cls.policy(settings),
        )
        ext.connect(crawler.signals)
        return ext

    def spider_opened(self, spider: Any) -> None:
        super().spider_opened(spider)
        record = job_record(self.server, self.keys) or {}
        self.run_started_at = record.get("created_at") or self.run_started_at

    def load_history(self) -> dict[str, History]:
        state = archivestate.load(self.server, self.keys, self.portal)
        return {
            url: History(int(n), retry_at, bool(gone))
            for url, (n, retry_at, gone) in state.failures.items()
        }

    def flush(self) -> None:
        if not self.buffer:
            return
        rows, self.buffer = list(self.buffer.values()), {}
        if not self.write:
            return
        # A RedisError propagates to Scrapy's signal handler, which logs it; the lease
        # is then still acknowledged: that failure row is lost, the page is not.
        pipe = self.server.pipeline(transaction=False)
        for row in rows:
            pipe.xadd(self.keys.items, encode(row, self.worker))
        pipe.execute()
        if self.stats is not None:
            self.stats.inc_value("civicnews/redis/failures_sent", len(rows))
