"""Run crawls with Scrapy's own engine and summarise them.

``run_crawl`` builds one crawler per portal inside a single
``CrawlerProcess`` (so each portal keeps its own politeness settings and
stats) and returns a :class:`RunSummary`.  A Twisted reactor cannot be
restarted, so call it once per process: the CLI does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from civicnews.archive import connect
from civicnews.registry import Portal
from civicnews.spiders.portal import PortalSpider


@dataclass
class PortalResult:
    portal: str
    finish_reason: str = ""
    pages: int = 0
    articles_new: int = 0
    articles_known: int = 0
    dropped: int = 0
    date_unparsed: int = 0
    errors: int = 0
    elapsed_seconds: float = 0.0
    archive_error: str | None = None
    stats: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_stats(cls, portal: str, stats: dict[str, Any]) -> PortalResult:
        return cls(
            portal=portal,
            finish_reason=str(stats.get("finish_reason", "not_started")),
            pages=int(stats.get("downloader/response_count", 0)),
            articles_new=int(stats.get("civicnews/articles_new", 0)),
            articles_known=int(stats.get("civicnews/articles_known", 0)),
            dropped=int(stats.get("civicnews/dropped", 0)),
            date_unparsed=int(stats.get("civicnews/date_unparsed", 0)),
            errors=int(stats.get("log_count/ERROR", 0)),
            elapsed_seconds=float(stats.get("elapsed_time_seconds", 0.0)),
            archive_error=stats.get("civicnews/archive_error"),
            stats=stats,
        )

    @property
    def ok(self) -> bool:
        return self.finish_reason == "finished" and not self.archive_error


@dataclass
class RunSummary:
    db: str
    started_at: str
    finished_at: str = ""
    portals: list[PortalResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.portals)

    def totals(self) -> dict[str, int]:
        keys = ("pages", "articles_new", "articles_known", "dropped", "date_unparsed", "errors")
        return {k: sum(getattr(p, k) for p in self.portals) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for p in data["portals"]:
            p.pop("stats", None)
        data["totals"] = self.totals()
        data["ok"] = self.ok
        return data


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """civicnews' Scrapy settings, independent of the current directory."""
    settings = Settings()
    settings.setmodule("civicnews.settings", priority="project")
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(
    portals: Iterable[Portal],
    db_path: str | Path,
    *,
    portals_file: str | Path | None = None,
    settings: dict[str, Any] | None = None,
) -> RunSummary:
    """Crawl ``portals`` into the archive at ``db_path``; blocks until done.

    Raises :class:`civicnews.archive.ArchiveError` before any request is sent
    when the archive cannot be opened for writing.
    """
    db_path = str(db_path)
    # Fail fast, before the first request, on an unusable archive.
    connect(db_path).conn.close()
    overrides = {"CIVICNEWS_DB": db_path}
    if portals_file:
        overrides["CIVICNEWS_PORTALS_FILE"] = str(portals_file)
    overrides.update(settings or {})
    process = CrawlerProcess(project_settings(overrides))
    summary = RunSummary(db=db_path, started_at=_now())
    crawlers = []
    for portal in portals:
        crawler = process.create_crawler(PortalSpider)
        process.crawl(crawler, portal=portal.key, portals_file=portals_file)
        crawlers.append((portal.key, crawler))
    process.start()
    for key, crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        summary.portals.append(PortalResult.from_stats(key, dict(stats)))
    summary.finished_at = _now()
    return summary


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
