"""Items leave a worker through Redis: the job's stream, drained by the ingester.

The last pipeline of a worker (in place of the store): each item, raw capture
included, becomes one entry of the job's stream ``civicnews:JOB:items``: a
``item`` field (the item's fields as JSON, UTF-8) and a ``body`` field (the
response bytes exactly as received), so nothing in the stream is pickled and an
ingester never runs code a worker sent.  :func:`decode` turns an entry back into
the item the store would have received.  The stream holds an item until the
ingester has committed it (:mod:`.ingest`), so Redis memory grows only while the
ingester is behind.

Settings: ``REDIS_URL``, ``CIVICNEWS_REDIS_JOB``, ``CIVICNEWS_REDIS_WORKER``.
Stat: ``civicnews/redis/items_sent``.
"""

from __future__ import annotations

import json
from typing import Any

from itemadapter import ItemAdapter

from civicnews.distributed.keys import JobKeys, redis_from_settings


def encode(item: Any, worker: str) -> dict[str, bytes]:
    fields = ItemAdapter(item).asdict()
    body = fields.pop("response_body", b"") or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return {
        "item": json.dumps(fields, ensure_ascii=False, default=str).encode("utf-8"),
        "body": body,
        "worker": worker.encode("utf-8"),
    }


def decode(entry: dict[bytes, bytes]) -> dict[str, Any]:
    item = json.loads(entry[b"item"].decode("utf-8"))
    item["response_body"] = entry.get(b"body", b"")
    return item


class RedisItemPipeline:
    def __init__(self, server: Any, keys: JobKeys, worker: str, stats: Any = None):
        self.server = server
        self.keys = keys
        self.worker = worker
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisItemPipeline:
        settings = crawler.settings
        server = redis_from_settings(settings)
        return cls(
            server,
            JobKeys(settings.get("CIVICNEWS_REDIS_JOB")),
            settings.get("CIVICNEWS_REDIS_WORKER"),
            crawler.stats,
        )

    def process_item(self, item: Any) -> Any:
        # A RedisError propagates: the item is not acknowledged (item_error), so the
        # page stays leased and is crawled again once this worker's lease lapses.
        self.server.xadd(self.keys.items, encode(item, self.worker))
        if self.stats is not None:
            self.stats.inc_value("civicnews/redis/items_sent")
        return item
