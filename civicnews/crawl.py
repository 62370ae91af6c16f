"""Run crawls with Scrapy's own engine, check their health and record them.

``run_crawl`` takes the archive's lock (one run at a time), records the run
in ``crawl_runs``, builds one crawler per portal inside a single
``CrawlerProcess`` (so each portal keeps its own politeness settings and
stats), checks each portal's health once the crawl ends (:mod:`civicnews.health`)
and completes the run's row whatever happened, crashes included.  It returns
a :class:`RunSummary` whose ``exit_code`` is what a command should exit with.
A Twisted reactor cannot be restarted, so call it once per process: the CLI does.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from civicnews import runs
from civicnews.archive import ArchiveError, connect
from civicnews.archive.db import open_readonly
from civicnews.crawl_log import terminal_log
from civicnews.crawl_options import CrawlOptions, project_settings
from civicnews.errors import EXIT_FAILED, EXIT_OK, UsageError
from civicnews.extensions.failures import count_errors
from civicnews.extraction import (
    ExtractionThresholds,
    baseline_figures,
    check_extraction,
    family_warning,
    figures,
)
from civicnews.health import Thresholds, archive_activity, check_portal
from civicnews.lock import ArchiveLock, LockError
from civicnews.registry import Portal, load_registry, select
from civicnews.spiders.portal import PortalSpider

logger = logging.getLogger(__name__)


@dataclass
class PortalResult:
    portal: str
    finish_reason: str = ""
    family: str = ""  # the family pages were read with (detected when the registry says auto)
    pages: int = 0
    articles_new: int = 0
    articles_known: int = 0
    dropped: int = 0
    date_unparsed: int = 0
    errors: int = 0
    given_up: int = 0
    elapsed_seconds: float = 0.0
    archive_error: str | None = None
    # Shares of stored articles with title, date, time, author, body (civicnews.extraction).
    extraction: dict[str, Any] = field(default_factory=dict)
    health: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)  # never change the exit code
    stats: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_stats(cls, portal: str, stats: dict[str, Any]) -> PortalResult:
        return cls(
            portal=portal,
            finish_reason=str(stats.get("finish_reason", "not_started")),
            family=str(stats.get("civicnews/family", "")),
            pages=int(stats.get("downloader/response_count", 0)),
            articles_new=int(stats.get("civicnews/articles_new", 0)),
            # Archived articles met in this run: refetched (the store's count,
            # 304s included) or not fetched at all (incremental skipping).
            articles_known=int(stats.get("civicnews/articles_known", 0))
            + int(stats.get("civicnews/incremental/known_skipped", 0)),
            dropped=int(stats.get("civicnews/dropped", 0)),
            date_unparsed=int(stats.get("civicnews/date_unparsed", 0)),
            errors=count_errors(stats),
            given_up=int(stats.get("civicnews/failed_pages/given_up", 0)),
            elapsed_seconds=float(stats.get("elapsed_time_seconds", 0.0)),
            archive_error=stats.get("civicnews/archive_error"),
            extraction=figures(stats),
            stats=stats,
        )

    @property
    def ok(self) -> bool:
        return not self.health and not self.archive_error

    def given_up_warning(self) -> dict[str, Any] | None:
        """Pages given up in this run: worth knowing once, never a failed run."""
        if not self.given_up:
            return None
        return {
            "portal": self.portal,
            "check": "given_up",
            "pages": self.given_up,
            "message": (
                f"portal {self.portal}: gave up on {self.given_up} page(s) that failed in run "
                "after run; they are no longer fetched "
                "(SELECT url, kind, error FROM failed_pages WHERE given_up = 1)"
            ),
        }

    def counts(self) -> dict[str, Any]:
        """The figures kept in ``crawl_runs.counts``."""
        data = asdict(self)
        for key in ("portal", "stats", "health"):
            data.pop(key)
        return data


@dataclass
class RunSummary:
    db: str
    started_at: str
    finished_at: str = ""
    run_id: int | None = None
    portals: list[PortalResult] = field(default_factory=list)
    crashed: str | None = None  # the error, when the run itself failed

    @property
    def ok(self) -> bool:
        return self.crashed is None and all(p.ok for p in self.portals)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_FAILED

    @property
    def health(self) -> list[dict[str, Any]]:
        return [failure for p in self.portals for failure in p.health]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [warning for p in self.portals for warning in p.warnings]

    @property
    def finish_reason(self) -> str:
        if self.crashed is not None:
            return "crashed"
        reasons = sorted({p.finish_reason for p in self.portals} - {"finished"})
        return ",".join(reasons) or "finished"

    def totals(self) -> dict[str, int]:
        keys = (
            "pages", "articles_new", "articles_known", "dropped", "date_unparsed", "errors",
            "given_up",
        )  # fmt: skip
        return {k: sum(getattr(p, k) for p in self.portals) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for p in data["portals"]:
            p.pop("stats", None)
        data["totals"] = self.totals()
        data["ok"] = self.ok
        data["finish_reason"] = self.finish_reason
        data["health"] = self.health
        data["warnings"] = self.warnings
        data["exit_code"] = self.exit_code
        return data


__all__ = ["CrawlOptions", "RunSummary", "PortalResult", "project_settings", "run_crawl"]


def run_crawl(options: CrawlOptions, *, argv: list[str] | None = None) -> RunSummary:
    """Crawl what ``options`` asks for into its archive; blocks until done.

    Raises, before the lock is taken and before any request is sent,
    :class:`civicnews.errors.UsageError` on a setting, portal name, portals file or log
    file it cannot use, :class:`civicnews.archive.ArchiveError` when the archive cannot be
    opened for writing, and :class:`civicnews.lock.LockHeld` when another run holds the
    archive's lock.  Every run that got the lock has its ``crawl_runs`` row, completed even
    when the crawl raises (the exception is then re-raised).  ``argv`` is recorded with it.
    """
    merged = options.to_settings()
    thresholds = Thresholds.from_settings(merged)
    # --set CIVICNEWS_DB / CIVICNEWS_PORTALS_FILE win over the fields, like every --set.
    db_path = str(merged.get("CIVICNEWS_DB"))
    portals_file = merged.get("CIVICNEWS_PORTALS_FILE")
    portals = select(load_registry(portals_file), options.portals)
    check_log_file(merged.get("LOG_FILE"))
    # Fail fast, before the first request, on an unusable archive.
    connect(db_path).conn.close()
    lock = ArchiveLock(db_path, argv=argv)
    try:
        lock.acquire()
    except LockError as exc:
        raise ArchiveError(str(exc.strerror or exc)) from None
    try:
        with terminal_log(merged):
            return _locked_run(
                portals, db_path, portals_file, merged, thresholds, argv, options.to_record(), lock
            )
    finally:
        lock.release()


def check_log_file(path: str | None) -> None:
    """A log file that cannot be opened is a usage error, found before the run starts."""
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise UsageError(f"--log-file {path}: cannot write it ({exc.strerror or exc})") from None


def _locked_run(
    portals: list[Portal],
    db_path: str,
    portals_file: str | Path | None,
    merged: Settings,
    thresholds: Thresholds,
    argv: list[str] | None,
    options: dict[str, Any] | None,
    lock: ArchiveLock,
) -> RunSummary:
    summary = RunSummary(db=db_path, started_at=_now())
    summary.run_id = runs.start_run(
        db_path,
        [p.key for p in portals],
        argv=argv,
        options=options,
        started_at=summary.started_at,
    )
    merged.set("CIVICNEWS_RUN_ID", summary.run_id, priority="cmdline")
    try:
        process = CrawlerProcess(merged)
        crawlers = []
        for portal in portals:
            crawler = process.create_crawler(PortalSpider)
            process.crawl(crawler, portal=portal.key, portals_file=portals_file)
            crawlers.append((portal.key, crawler))
        process.start()
        for key, crawler in crawlers:
            stats = crawler.stats.get_stats() if crawler.stats else {}
            summary.portals.append(PortalResult.from_stats(key, dict(stats)))
        check_health(summary, thresholds, ExtractionThresholds.from_settings(merged))
    except BaseException as exc:
        summary.crashed = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
        logger.exception("the crawl crashed")
        try:
            _finish(summary, lock)
        except ArchiveError as again:
            logger.error("cannot record the crashed run: %s", again)
        raise
    _finish(summary, lock)
    return summary


def check_health(
    summary: RunSummary,
    thresholds: Thresholds,
    extraction: ExtractionThresholds | None = None,
) -> None:
    """Run the health checks of every portal of ``summary`` (fills ``health`` and ``warnings``)."""
    extraction = extraction or ExtractionThresholds()
    # Read-only: a writer's connection has a 64 MB page cache (archive/db.py), which
    # these reads would fill at the crawl's very end, the crawler's peak RSS (issue 15).
    conn = open_readonly(summary.db)
    try:
        for result in summary.portals:
            activity = archive_activity(conn, result.portal)
            failures = check_portal(result.portal, result.stats, thresholds, activity)
            result.health = [f.to_dict() for f in failures]
            if result.extraction:
                before = runs.portal_counts(conn, result.portal, summary.run_id)
                found = check_extraction(
                    result.portal,
                    result.extraction,
                    baseline_figures(before, extraction),
                    extraction,
                )
                result.warnings = [w.to_dict() for w in found]
            moved = family_warning(result.portal, result.stats)
            if moved:
                result.warnings.append(moved)
            given_up = result.given_up_warning()
            if given_up:
                result.warnings.append(given_up)
    finally:
        conn.close()


def _finish(summary: RunSummary, lock: ArchiveLock | None = None) -> None:
    summary.finished_at = _now()
    if summary.run_id is None:
        return

    def record() -> None:
        runs.finish_run(
            summary.db,
            summary.run_id,
            counts={p.portal: p.counts() for p in summary.portals},
            finish_reason=summary.finish_reason,
            exit_code=summary.exit_code,
            health=summary.health
            + ([{"check": "crashed", "message": summary.crashed}] if summary.crashed else []),
            finished_at=summary.finished_at,
        )

    try:
        record()
    except ArchiveError:
        # A run that filled the disk must still say how it ended, not show as "killed":
        # the lock file kept some room for this last write.
        if lock is None or not lock.free_reserve():
            raise
        logger.warning("the disk is full: recording the run's end in the space kept for it")
        record()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
