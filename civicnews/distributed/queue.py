"""A reliable frontier: scrapy-redis's priority queue whose pop is a lease, not a delete.

scrapy-redis 0.9.1 deletes a request from Redis when a worker pops it, so a
worker killed mid-flight loses every request it was handling.  Here a pop moves
the request, atomically (one Lua script), from the frontier into the popping
worker's processing hash (``PORTAL:processing:WORKER``, see :mod:`.keys`) under
a lease id carried in ``request.meta["civicnews_lease"]``.  The request leaves
that hash when it is acknowledged (:func:`ack`: its response was handled, see
:mod:`.ack` and :mod:`.scheduler`), or goes back to the frontier when its
worker's lease (``alive:WORKER``, renewed by :mod:`.leases`) expires:
:func:`reap` requeues the processing hashes of dead workers.  Scripts touch keys
they compute (the workers' hashes), so this needs a single Redis, not a Cluster.
"""

from __future__ import annotations

import itertools
from typing import Any

from scrapy_redis.queue import PriorityQueue

from civicnews.distributed.keys import JobKeys

#: Meta key of a popped request: its lease id in the worker's processing hash.
LEASE_META = "civicnews_lease"

_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], r[2] .. '\\n' .. r[1])
redis.call('SADD', KEYS[3], ARGV[2])
return r[1]
"""

# Moves every entry of a processing hash back to the frontier, with its priority.
_REQUEUE_BODY = """
local function requeue(processing, frontier)
  local all = redis.call('HGETALL', processing)
  for i = 1, #all, 2 do
    local v = all[i + 1]
    local nl = string.find(v, '\\n', 1, true)
    redis.call('ZADD', frontier, tonumber(string.sub(v, 1, nl - 1)), string.sub(v, nl + 1))
  end
  redis.call('DEL', processing)
  return #all / 2
end
"""

_REQUEUE = _REQUEUE_BODY + "return requeue(KEYS[1], KEYS[2])"

# KEYS: workers set, frontier; ARGV: alive-key prefix, processing-key prefix.
_REAP = (
    _REQUEUE_BODY
    + """
local moved = 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. w) == 0 then
    moved = moved + requeue(ARGV[2] .. w, KEYS[2])
    redis.call('SREM', KEYS[1], w)
  end
end
return moved
"""
)


class ReliableQueue(PriorityQueue):
    """scrapy-redis's :class:`PriorityQueue` with leased pops (see the module docstring).

    Settings (read from the spider's crawler): ``CIVICNEWS_REDIS_JOB``,
    ``CIVICNEWS_REDIS_WORKER``; the portal is the spider's ``portal_key``.
    """

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        settings = spider.crawler.settings
        self.worker = settings.get("CIVICNEWS_REDIS_WORKER")
        self.portal = spider.portal_key
        self.keys = JobKeys(settings.get("CIVICNEWS_REDIS_JOB"))
        self.processing = self.keys.processing(self.portal, self.worker)
        self._pop = server.register_script(_POP)
        self._requeue = server.register_script(_REQUEUE)
        self._leases = itertools.count(1)

    def pop(self, timeout: int = 0) -> Any:
        lease = str(next(self._leases))
        data = self._pop(
            keys=[self.key, self.processing, self.keys.workers(self.portal)],
            args=[lease, self.worker],
        )
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[LEASE_META] = lease
        return request

    def ack(self, lease: str) -> None:
        ack(self.server, self.processing, lease)

    def requeue_own(self) -> int:
        """Put this worker's leased requests back (a clean stop, or a previous process
        that ran under the same worker name)."""
        return int(self._requeue(keys=[self.processing, self.key]))

    def in_flight(self) -> int:
        """Requests leased by any worker of this portal, not yet acknowledged."""
        return in_flight(self.server, self.keys, self.portal)


def ack(server: Any, processing_key: str, lease: str) -> None:
    server.hdel(processing_key, lease)


def in_flight(server: Any, keys: JobKeys, portal: str) -> int:
    workers = [w.decode() for w in server.smembers(keys.workers(portal))]
    pipe = server.pipeline(transaction=False)
    for worker in workers:
        pipe.hlen(keys.processing(portal, worker))
    return sum(pipe.execute()) if workers else 0


def reap(server: Any, keys: JobKeys, portal: str) -> int:
    """Requeue the leased requests of the portal's workers whose lease expired."""
    script = server.register_script(_REAP)
    return int(
        script(
            keys=[keys.workers(portal), keys.requests(portal)],
            args=[keys.alive(""), keys.processing(portal, "")],
        )
    )
