"""Incremental crawling: archived articles are not fetched again, listings stop early.

A spider middleware, so it sees every request the spider yields together with
the page that produced it.  At spider open it copies, in one pass, what the
archive knows about the portal (article URLs, every URL they were seen under,
their ids, last fetch times, validators, the related links each article's page
had) into a snapshot on disk (:mod:`civicnews.middlewares.archived`, which
decides what an article request becomes); listings are walked by
:mod:`civicnews.middlewares.listingwalk`.  Then:

- an article request for an unknown URL passes;
- a known article is not requested.  Its stored related links are walked
  instead (through other known articles, each once per run) and every target
  not yet archived is requested.  Older articles are often reachable only
  through "related" blocks, so without this a run resumed after a crash could
  never reach the unlisted tail behind articles it had already archived;
- a known article last fetched more than ``CIVICNEWS_REFRESH_AFTER_DAYS`` ago
  is requested again, conditionally (``If-None-Match`` / ``If-Modified-Since``
  from the stored ``etag`` / ``last_modified``); the spider turns a 304 into a
  small item and the store only moves ``last_seen_at``;
- listings are walked one page at a time, newest first (pages in natural URL
  order), and a listing stops after ``CIVICNEWS_INCREMENTAL_STOP_AFTER``
  consecutive entries already archived, or at the first entry dated before
  ``CIVICNEWS_SINCE``.  When the previous run of the portal did not finish
  (killed, interrupted, stopped by a limit), listings are walked in full once,
  so the next run picks up what it missed.

Settings: ``CIVICNEWS_DB``, ``CIVICNEWS_INCREMENTAL`` (False: ``--full``,
listings walked in full; known articles are still not refetched),
``CIVICNEWS_INCREMENTAL_STOP_AFTER`` (10; 0 never stops),
``CIVICNEWS_REFRESH_AFTER_DAYS`` (None: never refetch), ``CIVICNEWS_SINCE``
(ISO date), ``CIVICNEWS_RUN_ID`` (this run's ``crawl_runs`` id).
Meta keys read: ``civicnews_kind``, ``listing_date_raw``; set:
``civicnews_chain`` (which listing a page belongs to), ``civicnews_walked``,
``civicnews_refresh``, ``handle_httpstatus_list`` (adds 304 on refreshes).
Stats: ``civicnews/listing_entries``, ``civicnews/incremental/known_skipped``,
``.../expanded`` (requests from stored related links), ``.../refresh_requests``,
``.../not_modified``, ``.../older_than_since``, ``.../listing_stopped/<why>``,
``.../full_walk`` (the previous run did not finish).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from civicnews.archive import ArchiveError, connect
from civicnews.dates import parse_date
from civicnews.items import NOT_MODIFIED
from civicnews.middlewares.archived import ArchiveSnapshot, KnownArticles, count
from civicnews.middlewares.listingwalk import ListingWalk
from civicnews.runs import previous_run_complete
from civicnews.signals import family_detected

logger = logging.getLogger(__name__)


class IncrementalMiddleware:
    def __init__(
        self,
        db_path: str,
        *,
        incremental: bool = True,
        stop_after: int = 10,
        refresh_after_days: float | None = None,
        since: date | None = None,
        run_id: int | None = None,
        stats: Any = None,
    ):
        self.db_path = db_path
        self.incremental = incremental
        self.stop_after = max(0, stop_after)
        self.refresh_after_days = refresh_after_days
        self.since = since
        self.run_id = run_id
        self.stats = stats
        self.date_order = "DMY"
        self.snapshot = ArchiveSnapshot()
        self.articles = KnownArticles(
            self.snapshot, older_than_since=self._older_than_since, stats=stats
        )
        self.walk: ListingWalk | None = None  # set when listings may stop early

    @classmethod
    def from_crawler(cls, crawler) -> IncrementalMiddleware:
        settings = crawler.settings
        db_path = settings.get("CIVICNEWS_DB")
        if not db_path:
            raise NotConfigured("CIVICNEWS_DB is not set")
        mw = cls(db_path, **cls.options(settings), stats=crawler.stats)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(mw.family_detected, signal=family_detected)
        return mw

    @staticmethod
    def options(settings: Any) -> dict[str, Any]:
        """The keyword arguments the settings give (``CIVICNEWS_DB`` and stats aside)."""
        refresh = settings.get("CIVICNEWS_REFRESH_AFTER_DAYS")
        since = settings.get("CIVICNEWS_SINCE")
        run_id = settings.get("CIVICNEWS_RUN_ID")
        return {
            "incremental": settings.getbool("CIVICNEWS_INCREMENTAL", True),
            "stop_after": settings.getint("CIVICNEWS_INCREMENTAL_STOP_AFTER", 10),
            "refresh_after_days": None if refresh in (None, "") else float(refresh),
            "since": None if not since else date.fromisoformat(str(since)),
            "run_id": None if run_id in (None, "") else int(run_id),
        }

    def family_detected(self, family: str, **kwargs: Any) -> None:
        """A ``family = "auto"`` portal settled: key URLs by that family's rules from now on."""
        self.snapshot.set_family(family)

    def spider_opened(self, spider: scrapy.Spider) -> None:
        portal = getattr(spider, "portal", None)
        if portal is None:
            return
        self.open_portal(spider, portal)
        try:
            db = connect(self.db_path)
        except ArchiveError as exc:
            logger.error("incremental crawl off for %s: %s", portal.key, exc)
            return
        try:
            self.snapshot.load(db.conn, portal.key)
            complete = previous_run_complete(db.conn, portal.key, self.run_id)
        finally:
            db.conn.close()
        self.settle(portal.key, complete)

    def open_portal(self, spider: scrapy.Spider, portal: Any) -> None:
        """Take the portal's family and date order, and the spider's errback."""
        self.snapshot.family = portal.family
        self.date_order = portal.date_order
        self.articles.errback = getattr(spider, "on_failure", None)

    def settle(self, portal: str, complete: bool | None) -> None:
        """Decide how listings are walked, once the snapshot is filled; ``complete``: did the
        portal's previous run finish (None: no previous run)."""
        if self.refresh_after_days is not None:
            before = datetime.now(UTC) - timedelta(days=self.refresh_after_days)
            self.articles.refresh_before = before.isoformat(timespec="seconds")
        known = self.snapshot.size
        stop_enabled = self.incremental and self.stop_after > 0 and known and complete is not False
        if self.incremental and known and complete is False:
            count(self.stats, "full_walk")
            logger.info(
                "portal %s: the previous run did not finish; walking its listings in full",
                portal,
            )
        if stop_enabled or self.since is not None:
            self.walk = self.listing_walk(self.stop_after if stop_enabled else 0)
        logger.info(
            "portal %s: %d articles archived; listings %s",
            portal,
            known,
            "stop early" if self.walk else "walked in full",
        )

    def listing_walk(self, stop_after: int) -> ListingWalk:
        """The run's listing walk (a distributed worker's keeps its chains in requests)."""
        return ListingWalk(self.articles, stop_after=stop_after, stats=self.stats)

    def spider_closed(self, spider: scrapy.Spider) -> None:
        self.snapshot.close()

    # -- the spider's output -----------------------------------------------------------------

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for out in result:
            yield from self._handle(response, out)
        yield from self._after(response)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for out in result:
            for item in self._handle(response, out):
                yield item
        for item in self._after(response):
            yield item

    def _handle(self, response: Response, out: Any) -> Iterator[Any]:
        if response.meta.get("civicnews_kind") == "listing":
            if self.walk is not None:
                yield from self.walk.output(response, self.walk.chain(response), out)
                return
            if isinstance(out, scrapy.Request) and out.meta.get("civicnews_kind") == "article":
                if self.stats is not None:
                    self.stats.inc_value("civicnews/listing_entries")
        if isinstance(out, scrapy.Request) and out.meta.get("civicnews_kind") == "article":
            if not self._older_than_since(out):
                yield from self.articles.article(out)
            return
        yield out

    def _after(self, response: Response) -> Iterator[Any]:
        if self.walk is not None and response.meta.get("civicnews_kind") == "listing":
            yield from self.walk.after(response)
        elif response.status == NOT_MODIFIED and response.meta.get("civicnews_refresh"):
            yield from self.articles.not_modified(response.url)

    def _older_than_since(self, request: scrapy.Request) -> bool:
        if self.since is None:
            return False
        raw = request.meta.get("listing_date_raw")
        if not raw:
            return False
        value = parse_date(raw, date_order=self.date_order)
        if value is None:
            return False
        day = value.date() if isinstance(value, datetime) else value
        if day >= self.since:
            return False
        count(self.stats, "older_than_since")
        return True
