"""The ingester: the single SQLite writer of a distributed crawl.

``civicnews ingest --redis URL --job JOB --db archive.db`` reads the job's item
stream as consumer ``ingester`` of group ``ingest`` and stores each batch with
the archive's own writer (:class:`~civicnews.archive.writer.ArchiveWriter`: the
same rows a local crawl writes), then acknowledges and deletes the entries.

Safe to kill at any moment, nothing lost or doubled:

- the id of the batch's last stream entry is written to ``ingest_progress`` in
  the batch's own transaction; entries are read in id order (first the ones this
  consumer was handed before it died, then new ones), so after a restart every
  entry up to that id is known to be archived and is only acknowledged;
- an entry is deleted from the stream only after its transaction committed;
- a page a killed worker fetched twice (its second fetch after the lease lapsed)
  comes as a second item for the same article: an item whose article already has
  a capture fetched since the job was created is skipped (counted in
  ``duplicates``), so a redelivered item changes nothing.

It holds the archive's lock (``<archive>.lock``) like a local crawl: one writer.
It records the job as a ``crawl_runs`` row (counts per portal, each worker's
figures under ``workers``) and, once the job is complete (every worker stopped,
frontier empty, stream drained), runs the health checks on the figures of all
workers, completes the row and drops the job's dupefilters.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from itemadapter import ItemAdapter

from civicnews import runs
from civicnews.archive import connect
from civicnews.archive.db import write_transaction
from civicnews.archive.records import item_record
from civicnews.archive.writer import ArchiveWriter, WriteResult
from civicnews.crawl import PortalResult, RunSummary, check_health
from civicnews.crawl_options import project_settings
from civicnews.distributed import jobs
from civicnews.distributed.failures import decode as decode_failed
from civicnews.distributed.itemqueue import decode
from civicnews.distributed.keys import JobKeys
from civicnews.extensions.failedpages import FAILED_INSERT, FailedPage
from civicnews.extraction import ExtractionThresholds
from civicnews.health import Thresholds
from civicnews.pipelines.maxarticles import REASON as MAX_ARTICLES

logger = logging.getLogger(__name__)

GROUP = "ingest"
CONSUMER = "ingester"
_COUNTS = ("new", "known", "changed", "gone", "gone_unknown", "not_modified")


def _stream_id(value: str | bytes) -> tuple[int, int]:
    text = value.decode() if isinstance(value, bytes) else value
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


@dataclass
class IngestSummary:
    job: str
    db: str
    stored: int = 0  # items written this time
    already: int = 0  # entries committed before a restart, only acknowledged now
    duplicates: int = 0  # a second fetch of an article within the job
    failed: int = 0  # failed pages written to failed_pages
    batches: int = 0
    complete: bool = False
    run: RunSummary | None = None

    @property
    def exit_code(self) -> int:
        return self.run.exit_code if self.run is not None else 0


class LedgerWriter(ArchiveWriter):
    """The archive writer, with the job's progress written in each batch's transaction."""

    def write_entries(
        self,
        job: str,
        created_at: str,
        last_id: str,
        groups: dict[str, list[Any]],
        entries: int,
        failed: list[FailedPage] = (),
    ) -> dict[str, WriteResult]:
        records = {p: [item_record(ItemAdapter(i)) for i in items] for p, items in groups.items()}
        if self.checkpointer is not None:
            self.checkpointer.pace()
        results: dict[str, WriteResult] = {}
        with ThreadPoolExecutor(max_workers=2) as pool, write_transaction(self.conn):
            for portal, recs in records.items():
                if recs:
                    results[portal] = self._write(recs, pool)
            if failed:
                # The local extension's statement: one row per page and run (the job).
                self.conn.executemany(FAILED_INSERT, [astuple(row) for row in failed])
            progress = read_progress(self.conn, job, created_at)
            counts = progress["counts"]
            for portal, result in results.items():
                mine = counts.setdefault(portal, {})
                for name in _COUNTS:
                    mine[name] = mine.get(name, 0) + getattr(result, name)
            self.conn.execute(
                "INSERT INTO ingest_progress (job, job_created_at, last_id, items, counts, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (job) DO UPDATE SET "
                "job_created_at = excluded.job_created_at, last_id = excluded.last_id, "
                "items = excluded.items, counts = excluded.counts, "
                "updated_at = excluded.updated_at",
                (job, created_at, last_id, progress["items"] + entries, json.dumps(counts),
                 _now()),
            )  # fmt: skip
        if self.checkpointer is not None:
            self.checkpointer.request()
        return results


def read_progress(conn: Any, job: str, created_at: str) -> dict[str, Any]:
    """The job's row of ``ingest_progress``; a row of an earlier job of that name counts as none."""
    row = conn.execute(
        "SELECT job_created_at, last_id, items, counts FROM ingest_progress WHERE job = ?", (job,)
    ).fetchone()
    if row is None or row[0] != created_at:
        return {"last_id": "0-0", "items": 0, "counts": {}}
    return {"last_id": row[1], "items": row[2], "counts": json.loads(row[3] or "{}")}


class Ingester:
    def __init__(
        self,
        client: Any,
        job: str,
        db_path: str | Path,
        *,
        batch_size: int = 500,
        block_ms: int = 1000,
        argv: list[str] | None = None,
        redis_label: str = "",
        settings: Any = None,
    ):
        # The job's health checks read these (ingest --set), as a local crawl reads its own.
        self.settings = settings if settings is not None else project_settings()
        self.client = client
        self.job = job
        self.keys = JobKeys(job)
        self.db_path = str(db_path)
        self.batch_size = max(1, batch_size)
        self.block_ms = block_ms
        self.argv = argv
        self.redis_label = redis_label

    def run(self, *, once: bool = False, stop: Callable[[], bool] = lambda: False):
        """Drain the job's stream into the archive (the caller holds the archive's lock).

        Returns when the job is complete, when ``stop()`` says so (between batches), or,
        with ``once``, as soon as the stream is empty.
        """
        record = jobs.require_job(self.client, self.job)
        created_at = record.get("created_at") or ""
        summary = IngestSummary(self.job, self.db_path)
        db = connect(self.db_path)
        writer = LedgerWriter(db)
        try:
            run_id = self._run_id(record)
            last = _stream_id(read_progress(db.conn, self.job, created_at)["last_id"])
            self._ensure_group()
            cursor = "0"  # this consumer's entries handed out before a restart, then new ones
            while not stop():
                entries = self._read(cursor, block=not once)
                if cursor == "0" and not entries:
                    cursor = ">"
                    continue
                if entries:
                    last = self._ingest(writer, entries, last, created_at, summary)
                    continue
                found = jobs.status(self.client, self.job)
                if found.complete:
                    summary.complete = True
                    summary.run = self._finish(db, run_id, found)
                    break
                if once:
                    break
        finally:
            writer.close()
            db.conn.close()
        return summary

    # -- reading and writing --------------------------------------------------------------------

    def _ensure_group(self) -> None:
        try:
            self.client.xgroup_create(self.keys.items, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _read(self, cursor: str, block: bool) -> list[tuple[bytes, dict | None]]:
        block_ms = self.block_ms if block and cursor != "0" else None
        answer = self.client.xreadgroup(
            GROUP, CONSUMER, {self.keys.items: cursor}, count=self.batch_size, block=block_ms
        )
        return list(answer[0][1]) if answer else []

    def _ingest(self, writer, entries, last, created_at, summary) -> tuple[int, int]:
        ids = [entry_id for entry_id, _ in entries]
        fresh = [(i, f) for i, f in entries if f and _stream_id(i) > last]
        summary.already += len(entries) - len(fresh)
        failed = [decode_failed(f) for _, f in fresh if b"failed" in f]
        decoded = [decode(f) for _, f in fresh if b"failed" not in f]
        items = self._without_duplicates(writer.conn, decoded, created_at)
        summary.duplicates += len(decoded) - len(items)
        if fresh:
            groups: dict[str, list[Any]] = {}
            for item in items:
                groups.setdefault(item.get("portal") or "", []).append(item)
            newest = max((i for i, _ in fresh), key=_stream_id)
            newest_text = newest.decode() if isinstance(newest, bytes) else newest
            writer.write_entries(self.job, created_at, newest_text, groups, len(fresh), failed)
            last = _stream_id(newest)
            summary.stored += len(items)
            summary.failed += len(failed)
            summary.batches += 1
        # Only once the batch is committed: a kill before this leaves the entries
        # pending, and the restarted ingester finds them at or below last_id.
        pipe = self.client.pipeline()
        pipe.xack(self.keys.items, GROUP, *ids)
        pipe.xdel(self.keys.items, *ids)
        pipe.execute()
        return last

    def _without_duplicates(self, conn, items: list[dict], created_at: str) -> list[dict]:
        kept, seen = [], set()
        for item in items:
            url, fetched = item.get("url"), item.get("fetched_url")
            if url in seen:
                continue
            captured = conn.execute(
                "SELECT 1 FROM captures WHERE (article_url = ? OR url = ?) AND fetched_at >= ? "
                "LIMIT 1",
                (url, fetched, created_at),
            ).fetchone()
            if captured:
                continue
            seen.add(url)
            kept.append(item)
        return kept

    # -- the job's run record -------------------------------------------------------------------

    def _run_id(self, record: dict[str, Any]) -> int:
        key = str(Path(self.db_path).resolve())
        run_id = record["run_ids"].get(key)
        if run_id is None:
            run_id = runs.start_run(
                self.db_path,
                record["portals"],
                argv=self.argv,
                options={"job": self.job, "redis": self.redis_label, "distributed": True},
                started_at=record.get("created_at"),
            )
            jobs.set_run_id(self.client, self.job, self.db_path, run_id)
        return int(run_id)

    def _finish(self, db, run_id: int, found: jobs.JobStatus) -> RunSummary:
        settings = self.settings
        thresholds = Thresholds.from_settings(settings)
        progress = read_progress(db.conn, self.job, found.created_at or "")
        summary = RunSummary(db=self.db_path, started_at=found.created_at or "", run_id=run_id)
        by_portal: dict[str, dict[str, Any]] = {}
        for portal in found.portals:
            workers = {
                name.partition("|")[0]: data
                for name, data in found.workers.items()
                if name.partition("|")[2] == portal
            }
            by_portal[portal] = workers
            stats = combine(list(workers.values()))
            stored = progress["counts"].get(portal, {})
            for name in ("new", "known", "changed"):
                stats[f"civicnews/articles_{name}"] = stored.get(name, 0)
            summary.portals.append(PortalResult.from_stats(portal, stats))
        # The local crawl's checks, on the figures of all workers together.
        check_health(summary, thresholds, ExtractionThresholds.from_settings(settings))
        counts = {
            p.portal: {
                **p.counts(),
                # Every worker has stopped by now: one still "running" was killed.
                "workers": {
                    w: worker_counts(data) for w, data in sorted(by_portal[p.portal].items())
                },
            }
            for p in summary.portals
        }
        summary.finished_at = _now()
        runs.finish_run(
            self.db_path,
            run_id,
            counts=counts,
            finish_reason=summary.finish_reason,
            exit_code=summary.exit_code,
            health=summary.health,
            finished_at=summary.finished_at,
        )
        jobs.drop_crawl_state(self.client, self.job)
        jobs.mark_complete(self.client, self.job, summary.finished_at)
        return summary


def combine(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One portal's stats over its workers, numbers added, once the job is complete.

    Its finish reason is the job's, not a worker's: the frontier is empty, so the portal
    was crawled to the end (``finished``), whichever workers stopped early (a time limit,
    a kill: others did their work), unless the job's ``--max-articles`` stopped it
    (``max_articles``, as locally)."""
    out: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[key] = out.get(key, 0) + value
    if not parts:
        out["finish_reason"] = "not_started"
    elif any(p.get("finish_reason") == MAX_ARTICLES for p in parts):
        out["finish_reason"] = MAX_ARTICLES
    else:
        out["finish_reason"] = "finished"
    return out


def worker_counts(data: dict[str, Any]) -> dict[str, Any]:
    """What ``civicnews runs`` shows of one worker."""
    return {
        "pages": int(data.get("downloader/response_count", 0)),
        "items": int(data.get("civicnews/redis/items_sent", 0)),
        "errors": int(data.get("log_count/ERROR", 0)),
        "finish_reason": data.get("finish_reason") or "killed",
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
