"""What the archive knows of a portal, published per job for workers that have no archive.

A local crawl's incremental middleware and failed-pages extension read the archive
when a portal's crawl opens.  A worker of a distributed crawl has no archive (it may
run on another machine), so ``civicnews enqueue --db`` reads the same things with
the same code (``civicnews.middlewares.archived.ArchiveSnapshot.load``,
``civicnews.runs.previous_run_complete``, ``civicnews.extensions.failedpages.read_history``)
and publishes them as one compressed value per portal, ``civicnews:JOB:PORTAL:archive``:

- the archived articles with their last fetch time, validators and related links,
  and every other URL or id they are known under;
- whether the portal's previous run finished (if not, listings are walked in full);
- the pages whose last fetch failed, with their failure count and ``retry_at``.

Every worker reads it once per portal when the portal's crawl opens (:func:`load`)
and puts its articles into its own ``ArchiveSnapshot`` (:meth:`PortalState.fill`),
so what is archived is looked up by the same class in a worker as in a local crawl.
It is one job's snapshot, not a set that grows from job to job: it is dropped with
the job's dupefilters when the job is complete, and a new job reads the archive
afresh.  Compressed, it takes about 70 bytes per archived article with its related
links (35 KB for a 500-article replica archive).
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass, field
from typing import Any

from civicnews.distributed.keys import JobKeys
from civicnews.middlewares.archived import ArchiveSnapshot


@dataclass
class PortalState:
    """One portal's archive state, as workers read it."""

    # url -> [last_seen_at, etag, last_modified, [[to_url, date_raw], ...]]
    known: dict[str, list[Any]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # other URL or "id:..." -> url
    complete: bool | None = None  # did the previous run of the portal finish?
    failures: dict[str, list[Any]] = field(default_factory=dict)  # url -> [n, retry_at, gone]

    def encode(self) -> bytes:
        data = {
            "known": self.known,
            "aliases": self.aliases,
            "complete": self.complete,
            "failures": self.failures,
        }
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return zlib.compress(text.encode("utf-8"), 6)

    @classmethod
    def decode(cls, blob: bytes) -> PortalState:
        data = json.loads(zlib.decompress(blob).decode("utf-8"))
        return cls(data["known"], data["aliases"], data["complete"], data["failures"])

    @classmethod
    def from_snapshot(cls, snapshot: ArchiveSnapshot) -> PortalState:
        """The snapshot's articles, aliases and related links (``complete``, ``failures``
        left to the caller)."""
        known: dict[str, list[Any]] = {
            url: [seen, etag, modified, []] for url, seen, etag, modified in snapshot.articles()
        }
        for src, dst, date_raw in snapshot.links():
            known[src][3].append([dst, date_raw])
        return cls(known=known, aliases=dict(snapshot.aliases()))

    def fill(self, snapshot: ArchiveSnapshot) -> None:
        """Put the published articles, aliases and related links into ``snapshot``."""
        snapshot.add(
            articles=((url, k[0], k[1], k[2]) for url, k in self.known.items()),
            aliases=self.aliases.items(),
            links=((url, to, raw) for url, k in self.known.items() for to, raw in k[3]),
        )


def read_archive(conn: sqlite3.Connection, portal: Any) -> PortalState:
    """The portal's state, read from the archive (read-only ``conn``) by the local crawl's
    own readers."""
    from civicnews.extensions.failedpages import read_history
    from civicnews.runs import previous_run_complete

    snapshot = ArchiveSnapshot(portal.family)
    try:
        snapshot.load(conn, portal.key)
        state = PortalState.from_snapshot(snapshot)
    finally:
        snapshot.close()
    tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    history = read_history(conn, portal.key) if "failed_pages" in tables else {}
    state.complete = previous_run_complete(conn, portal.key)
    state.failures = {url: [h.failures, h.retry_at, bool(h.given_up)] for url, h in history.items()}
    return state


def publish(client: Any, keys: JobKeys, portal: str, state: PortalState) -> int:
    """Store ``state`` for the job's workers; returns its size in bytes."""
    blob = state.encode()
    client.set(keys.archive(portal), blob)
    return len(blob)


def load(client: Any, keys: JobKeys, portal: str) -> PortalState:
    """The portal's state as the job's enqueue published it (empty: nothing archived)."""
    blob = client.get(keys.archive(portal))
    return PortalState.decode(blob) if blob else PortalState()
