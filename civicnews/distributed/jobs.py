"""Crawl jobs in Redis: seeding (``civicnews enqueue``), status, completion, dropping.

A job is a named frontier shared by any number of workers (``civicnews crawl
--redis``) and drained by one ingester (``civicnews ingest``).  Seeding pushes each
portal's start URLs and records the job's crawl options (``--full``, ``--since``,
``--refresh-after``, ``--max-articles``: the job's, so every worker crawls alike).
With the archive at hand (``--db``) it publishes what the archive knows of each
portal (:mod:`.archivestate`), which every worker reads when the portal's crawl
opens: so workers need no archive, yet skip archived articles, follow their stored
related links, refetch the stale ones conditionally, stop listings early and wait
before retrying failed pages exactly as a local incremental crawl does.

What is archived stays in the archive: the published state and the dupefilter are
one job's, dropped when the job is complete (by the ingester) or by
``civicnews jobs --drop``, never sets that grow from job to job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter

from civicnews.distributed import DistributedError, DistributedUsageError, archivestate
from civicnews.distributed.keys import JobKeys
from civicnews.distributed.queue import in_flight
from civicnews.registry import Portal
from civicnews.spiders.portal import PortalSpider


@dataclass
class Seeded:
    portal: str
    start_urls: int = 0  # pushed (a start URL already in the job is not pushed again)
    known: int = 0  # archived articles the workers will not fetch again
    state_bytes: int = 0  # size of what the workers read of the archive (archivestate)


@dataclass
class JobStatus:
    job: str
    exists: bool
    created_at: str | None = None
    portals: list[str] = field(default_factory=list)
    waiting: dict[str, int] = field(default_factory=dict)  # portal -> frontier size
    leased: dict[str, int] = field(default_factory=dict)  # portal -> requests in flight
    workers: dict[str, dict[str, Any]] = field(default_factory=dict)  # "W|P" -> counts
    alive: list[str] = field(default_factory=list)  # workers holding a live lease
    items: int = 0  # stream entries not yet ingested
    run_id: dict[str, int] = field(default_factory=dict)  # archive path -> crawl_runs id

    @property
    def frontier_empty(self) -> bool:
        return not any(self.waiting.values()) and not any(self.leased.values())

    @property
    def crawled(self) -> bool:
        """Every worker has stopped and nothing is left to crawl."""
        return self.exists and bool(self.workers) and self.frontier_empty and not self.alive

    @property
    def complete(self) -> bool:
        """Crawled, and every item ingested."""
        return self.crawled and self.items == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "exists": self.exists,
            "created_at": self.created_at,
            "portals": self.portals,
            "waiting": self.waiting,
            "leased": self.leased,
            "workers": self.workers,
            "alive": self.alive,
            "items": self.items,
            "crawled": self.crawled,
            "complete": self.complete,
        }


def _serialize(request: scrapy.Request, spider: PortalSpider) -> bytes:
    return picklecompat.dumps(request.to_dict(spider=spider))


#: The job's crawl options (``civicnews enqueue``) -> the worker setting each becomes.
JOB_OPTIONS = {
    "full": "CIVICNEWS_INCREMENTAL",  # negated
    "since": "CIVICNEWS_SINCE",
    "refresh_after": "CIVICNEWS_REFRESH_AFTER_DAYS",
    "max_articles": "CIVICNEWS_MAX_ARTICLES",
}


def option_settings(options: dict[str, Any]) -> dict[str, Any]:
    """The worker settings of a job's options (every worker of the job crawls alike)."""
    out: dict[str, Any] = {"CIVICNEWS_INCREMENTAL": not options.get("full")}
    for name in ("since", "refresh_after", "max_articles"):
        if options.get(name) is not None:
            out[JOB_OPTIONS[name]] = options[name]
    return out


def enqueue(
    client: Any,
    job: str,
    portals: list[Portal],
    *,
    db_path: str | Path | None = None,
    portals_file: str | None = None,
    options: dict[str, Any] | None = None,
) -> list[Seeded]:
    """Create or extend job ``job`` with ``portals``; see the module docstring."""
    keys = JobKeys(job)
    if status(client, job).crawled:
        # Its dupefilter may be gone and the ingester would take new fetches for repeats.
        raise DistributedError(
            f"job {job!r} has finished: drop it first (civicnews jobs --drop {job}) "
            "or seed another job"
        )
    options = {k: v for k, v in (options or {}).items() if k in JOB_OPTIONS}
    record = job_record(client, keys)
    if record is not None and record["options"] != options:
        raise DistributedUsageError(
            f"job {job!r} was seeded with other options ({_describe(record['options'])}): "
            "give the same ones, or seed another job"
        )
    states = {}
    if db_path is not None and Path(db_path).exists():
        states = _archive_states(db_path, portals)
    names = list(dict.fromkeys([*(record or {}).get("portals", []), *(p.key for p in portals)]))
    client.hsetnx(keys.record, "created_at", _now())
    client.hsetnx(keys.record, "options", json.dumps(options))
    client.hset(keys.record, "portals", json.dumps(names))
    out = []
    for portal in portals:
        spider = PortalSpider(portal=portal.key, portals_file=portals_file)
        dupefilter = RFPDupeFilter(client, keys.dupefilter(portal.key))
        seeded = Seeded(portal.key)
        state = states.get(portal.key)
        if state is not None:
            seeded.known = len(state.known)
            seeded.state_bytes = archivestate.publish(client, keys, portal.key, state)
        for url in portal.start_urls:
            request = scrapy.Request(
                url,
                callback=spider.parse,
                errback=spider.on_failure,
                meta={"civicnews_kind": "listing"},
            )
            if dupefilter.request_seen(request):
                continue
            client.execute_command(
                "ZADD", keys.requests(portal.key), -request.priority, _serialize(request, spider)
            )
            seeded.start_urls += 1
        out.append(seeded)
    return out


def _describe(options: dict[str, Any]) -> str:
    shown = [
        f"--{name.replace('_', '-')}" + ("" if value is True else f" {value}")
        for name, value in sorted(options.items())
        if value not in (None, False)
    ]
    return " ".join(shown) or "no options"


def _archive_states(db_path: str | Path, portals: list[Portal]) -> dict[str, Any]:
    from civicnews.archive import connect

    db = connect(db_path, create=False, readonly=True)
    try:
        return {p.key: archivestate.read_archive(db.conn, p) for p in portals}
    finally:
        db.conn.close()


def job_record(client: Any, keys: JobKeys) -> dict[str, Any] | None:
    raw = client.hgetall(keys.record)
    if not raw:
        return None
    record = {k.decode(): v.decode() for k, v in raw.items()}
    record["portals"] = json.loads(record.get("portals") or "[]")
    record["run_ids"] = json.loads(record.get("run_ids") or "{}")
    record["options"] = json.loads(record.get("options") or "{}")
    return record


def require_job(client: Any, job: str) -> dict[str, Any]:
    record = job_record(client, JobKeys(job))
    if record is None:
        raise DistributedError(
            f"no job {job!r} in Redis: seed it first with civicnews enqueue --job {job}"
        )
    return record


def status(client: Any, job: str) -> JobStatus:
    keys = JobKeys(job)
    record = job_record(client, keys)
    if record is None:
        return JobStatus(job, exists=False)
    found = JobStatus(
        job, exists=True, created_at=record.get("created_at"), portals=record["portals"]
    )
    found.run_id = record["run_ids"]
    for portal in found.portals:
        found.waiting[portal] = int(client.zcard(keys.requests(portal)))
        found.leased[portal] = in_flight(client, keys, portal)
    for name, data in client.hgetall(keys.stats).items():
        found.workers[name.decode()] = json.loads(data)
    workers = sorted({name.partition("|")[0] for name in found.workers})
    found.alive = [w for w in workers if client.exists(keys.alive(w))]
    found.items = int(client.xlen(keys.items))
    return found


def set_run_id(client: Any, job: str, db_path: str, run_id: int) -> None:
    keys = JobKeys(job)
    ids = job_record(client, keys)["run_ids"]
    ids[str(Path(db_path).resolve())] = run_id
    client.hset(keys.record, "run_ids", json.dumps(ids))


def drop_crawl_state(client: Any, job: str) -> int:
    """A complete job's dupefilters and published archive state: Redis keeps no set of
    what is archived once the job is done."""
    keys = JobKeys(job)
    record = job_record(client, keys) or {"portals": []}
    names = [k for p in record["portals"] for k in (keys.dupefilter(p), keys.archive(p))]
    return int(client.delete(*names) or 0) if names else 0


def mark_complete(client: Any, job: str, when: str) -> None:
    """The ingester recorded the job's run: a worker started later must not crawl it again
    (its dupefilter is gone)."""
    client.hset(JobKeys(job).record, "completed_at", when)


def require_open_job(client: Any, job: str) -> dict[str, Any]:
    """The job's record, or a DistributedError when there is no such job or it is complete."""
    record = require_job(client, job)
    if record.get("completed_at"):
        raise DistributedError(
            f"job {job!r} is complete (since {record['completed_at']}): nothing to crawl; "
            f"seed a new job, or drop this one (civicnews jobs --drop {job}) and seed it again"
        )
    return record


def drop(client: Any, job: str, force: bool = False) -> int:
    """Delete every key of the job; refuses while items wait or workers run, unless forced."""
    found = status(client, job)
    if not found.exists:
        raise DistributedError(f"no job {job!r} in Redis (civicnews jobs lists them)")
    if not force and found.items:
        raise DistributedError(
            f"job {job!r} still holds {found.items} items not ingested: run civicnews ingest "
            f"--job {job} first, or drop them with --force"
        )
    if not force and found.alive:
        raise DistributedError(
            f"job {job!r} has running workers ({', '.join(found.alive)}): stop them first, "
            "or drop it anyway with --force"
        )
    keys = JobKeys(job)
    names = list(client.scan_iter(match=keys.pattern(), count=1000))
    for start in range(0, len(names), 500):
        client.delete(*names[start : start + 500])
    return len(names)


def list_jobs(client: Any) -> list[str]:
    names = set()
    for key in client.scan_iter(match="civicnews:*:job", count=1000):
        names.add(key.decode().split(":")[1])
    return sorted(names)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
