"""Incremental crawling: archived articles are not fetched again, listings stop early.

A spider middleware, so it sees every request the spider yields together with
the page that produced it.  At spider open it reads, in one pass, what the
archive knows about the portal: article URLs (and every URL they were seen
under, and their ids), last fetch times, validators, and the related links
each article's page had.  Then:

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
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from civicnews.archive import ArchiveError, connect
from civicnews.dates import parse_date
from civicnews.items import GONE_STATUSES, NOT_MODIFIED
from civicnews.runs import previous_run_complete
from civicnews.signals import family_detected
from civicnews.urls import article_identity, canonical_url

logger = logging.getLogger(__name__)

# Statuses the spider lets through for article requests (the store records them).
ARTICLE_STATUSES = list(GONE_STATUSES)
_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sort key comparing digit runs as numbers: page 2 before page 10."""
    return tuple(int(p) if p.isdigit() else p for p in _NUMBER.split(text))


def listing_key(request: scrapy.Request) -> tuple:
    body = request.body.decode("latin-1") if request.body else ""
    return natural_key(request.url + "\x00" + body)


@dataclass
class Known:
    """What the archive knows about one article."""

    last_seen_at: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    related: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass
class _Chain:
    """One listing (a start URL and the pages reached from it), walked page by page."""

    queue: list[scrapy.Request] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    known_run: int = 0
    stopped: str | None = None

    def push(self, request: scrapy.Request) -> None:
        key = _request_key(request)
        if key not in self.seen:
            self.seen.add(key)
            self.queue.append(request)

    def pop(self) -> scrapy.Request | None:
        if not self.queue:
            return None
        nxt = min(self.queue, key=listing_key)
        self.queue.remove(nxt)
        return nxt


def _request_key(request: scrapy.Request) -> str:
    return f"{request.method} {request.url} {request.body!r}"


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
        self.family = "generic"
        self.date_order = "DMY"
        self.known: dict[str, Known] = {}
        self.aliases: dict[str, str] = {}  # URL seen, or article id -> article URL
        self.refresh_before: str | None = None
        self.errback: Any = None
        self.stop_enabled = False
        self.sequential = False
        self._visited: set[str] = set()
        self._entries: set[str] = set()
        self._requested: set[str] = set()
        self._chains: dict[str, _Chain] = {}

    @classmethod
    def from_crawler(cls, crawler) -> IncrementalMiddleware:
        settings = crawler.settings
        db_path = settings.get("CIVICNEWS_DB")
        if not db_path:
            raise NotConfigured("CIVICNEWS_DB is not set")
        mw = cls(db_path, **cls.options(settings), stats=crawler.stats)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
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
        if family == self.family:
            return
        self.family = family
        self.aliases = {
            (key if key.startswith("id:") else canonical_url(key, family)): url
            for key, url in self.aliases.items()
        }

    # -- loading what the archive knows ------------------------------------------------------

    def spider_opened(self, spider: scrapy.Spider) -> None:
        portal = getattr(spider, "portal", None)
        if portal is None:
            return
        self.family = portal.family
        self.date_order = portal.date_order
        self.errback = getattr(spider, "on_failure", None)
        try:
            db = connect(self.db_path)
        except ArchiveError as exc:
            logger.error("incremental crawl off for %s: %s", portal.key, exc)
            return
        try:
            self.load(db.conn, portal.key)
            complete = previous_run_complete(db.conn, portal.key, self.run_id)
        finally:
            db.conn.close()
        self.settle(portal.key, complete)

    def settle(self, portal: str, complete: bool | None) -> None:
        """Decide how listings are walked, once ``known`` is loaded; ``complete``: did the
        portal's previous run finish (None: no previous run)."""
        if self.refresh_after_days is not None:
            before = datetime.now(UTC) - timedelta(days=self.refresh_after_days)
            self.refresh_before = before.isoformat(timespec="seconds")
        self.stop_enabled = (
            self.incremental and self.stop_after > 0 and bool(self.known) and complete is not False
        )
        if self.incremental and self.known and complete is False:
            self._inc("full_walk")
            logger.info(
                "portal %s: the previous run did not finish; walking its listings in full",
                portal,
            )
        self.sequential = self.stop_enabled or self.since is not None
        logger.info(
            "portal %s: %d articles archived; listings %s",
            portal,
            len(self.known),
            "stop early" if self.sequential else "walked in full",
        )

    def load(self, conn: sqlite3.Connection, portal: str) -> None:
        """Read the portal's archived articles, their other URLs and their related links."""
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for url, seen, etag, modified in conn.execute(
            "SELECT url, last_seen_at, etag, last_modified FROM articles WHERE portal = ?",
            (portal,),
        ):
            self.known[url] = Known(seen, etag, modified)
        for other, url in conn.execute(
            "SELECT u.url, u.article_url FROM article_urls u "
            "JOIN articles a ON a.url = u.article_url WHERE a.portal = ?",
            (portal,),
        ):
            self.aliases[canonical_url(other, self.family)] = url
        if "article_ids" in tables:
            for identity, url in conn.execute(
                "SELECT i.identity, i.article_url FROM article_ids i "
                "JOIN articles a ON a.url = i.article_url WHERE a.portal = ?",
                (portal,),
            ):
                self.aliases["id:" + identity] = url
        for src, dst, date_raw in conn.execute(
            "SELECT r.from_url, r.to_url, r.date_raw FROM related_links r "
            "JOIN articles a ON a.url = r.from_url WHERE a.portal = ?",
            (portal,),
        ):
            self.known[src].related.append((dst, date_raw))

    def article_url(self, url: str) -> str | None:
        """The archived article ``url`` leads to, or None if it is not archived."""
        key = canonical_url(url, self.family)
        if key in self.known:
            return key
        found = self.aliases.get(key)
        if found is None:
            identity = article_identity(key)
            found = self.aliases.get("id:" + identity) if identity else None
        return found

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
            if self.sequential:
                yield from self._listing_output(response, self._chain(response), out)
                return
            if isinstance(out, scrapy.Request) and out.meta.get("civicnews_kind") == "article":
                self._inc_stat("civicnews/listing_entries")
        yield from self._output(out)

    def _after(self, response: Response) -> Iterator[Any]:
        if self.sequential and response.meta.get("civicnews_kind") == "listing":
            if response.meta.get("civicnews_walk_continued"):
                return  # an error page: the errback already asked for the next one
            yield from self._after_listing(self._chain(response))
        elif response.status == NOT_MODIFIED and response.meta.get("civicnews_refresh"):
            # Not modified: the page's related links are the ones stored.
            self._inc("not_modified")
            article = self.article_url(response.url)
            if article is not None:
                yield from self._expand(article, refreshed=True)

    def _chain(self, response: Response) -> _Chain:
        key = response.meta.get("civicnews_chain") or response.url
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = _Chain()
        if response.request is not None:
            chain.seen.add(_request_key(response.request))
        return chain

    def _listing_output(self, response: Response, chain: _Chain, out: Any) -> Iterator[Any]:
        if not isinstance(out, scrapy.Request) or out.meta.get("civicnews_walked"):
            yield out
            return
        kind = out.meta.get("civicnews_kind")
        if kind == "listing":
            out.meta["civicnews_chain"] = response.meta.get("civicnews_chain") or response.url
            chain.push(out)
            return
        if kind != "article":
            yield out
            return
        self._inc_stat("civicnews/listing_entries")
        if self._older_than_since(out):
            chain.stopped = chain.stopped or "since"
            return
        key = canonical_url(out.url, self.family)
        if key not in self._entries:
            # An entry seen earlier in this run (a page listed twice) counts neither way.
            self._entries.add(key)
            chain.known_run = chain.known_run + 1 if self.article_url(key) else 0
        yield from self._article(out)

    def _after_listing(self, chain: _Chain) -> Iterator[scrapy.Request]:
        if self.stop_enabled and self.stop_after and chain.known_run >= self.stop_after:
            chain.stopped = chain.stopped or "known"
        if chain.stopped:
            if chain.queue:
                self._inc(f"listing_stopped/{chain.stopped}")
                chain.queue.clear()
            return
        nxt = chain.pop()
        if nxt is not None:
            yield self._walked(nxt)

    def _walked(self, request: scrapy.Request) -> scrapy.Request:
        request.meta["civicnews_walked"] = True
        # A listing page that fails must not end the walk: go on with the next one
        # (after the request's own errback, which records the failure).
        errback = partial(self._listing_failed, request.errback)
        return request.replace(errback=errback)

    def _listing_failed(self, errback: Any, failure: Any) -> list[Any]:
        out = list(errback(failure) or []) if errback is not None else []
        request = getattr(failure, "request", None)
        chain = self._chains.get(request.meta.get("civicnews_chain")) if request else None
        if chain is None or chain.stopped:
            return out
        request.meta["civicnews_walk_continued"] = True
        nxt = chain.pop()
        return out + ([self._walked(nxt)] if nxt is not None else [])

    def _output(self, out: Any) -> Iterator[Any]:
        if isinstance(out, scrapy.Request) and out.meta.get("civicnews_kind") == "article":
            if self._older_than_since(out):
                return
            yield from self._article(out)
            return
        yield out

    # -- one article request -----------------------------------------------------------------

    def _article(self, request: scrapy.Request) -> Iterator[scrapy.Request]:
        article = self.article_url(request.url)
        if article is None:
            key = canonical_url(request.url, self.family)
            if key not in self._requested:
                self._requested.add(key)
                yield request
            return
        yield from self._expand(article, first=request)

    def _expand(
        self, start: str, first: scrapy.Request | None = None, refreshed: bool = False
    ) -> Iterator[scrapy.Request]:
        """Visit known article ``start`` and the known articles its stored links reach.

        Yields a conditional request for each one due for a refresh (its page
        brings its links) and a request for each unknown link target.
        ``refreshed``: ``start`` was just revalidated (a 304), walk its links.
        """
        stack: list[tuple[str, scrapy.Request | None, str | None]] = [(start, first, None)]
        if refreshed:
            self._visited.discard(start)
        while stack:
            article, request, date_raw = stack.pop()
            if article in self._visited:
                continue
            self._visited.add(article)
            known = self.known.get(article)
            if known is None:
                continue
            if self._due(known) and not (refreshed and article == start):
                yield self._refresh(article, known, request, date_raw)
                continue
            if not (refreshed and article == start):
                self._inc("known_skipped")
            for target, target_date in reversed(known.related):
                found = self.article_url(target)
                if found is not None:
                    if found not in self._visited:
                        stack.append((found, None, target_date))
                    continue
                key = canonical_url(target, self.family)
                if key in self._requested:
                    continue
                new = self._request(key, target_date)
                if self._older_than_since(new):
                    continue
                self._requested.add(key)
                self._inc("expanded")
                yield new

    def _due(self, known: Known) -> bool:
        if self.refresh_before is None:
            return False
        return not known.last_seen_at or known.last_seen_at < self.refresh_before

    def _request(self, url: str, date_raw: str | None) -> scrapy.Request:
        return scrapy.Request(
            url,
            # The spider's errback records pages that finally failed (failed_pages).
            errback=self.errback,
            meta={
                "civicnews_kind": "article",
                "listing_date_raw": date_raw,
                "handle_httpstatus_list": list(ARTICLE_STATUSES),
            },
        )

    def _refresh(
        self, article: str, known: Known, request: scrapy.Request | None, date_raw: str | None
    ) -> scrapy.Request:
        base = request if request is not None else self._request(article, date_raw)
        headers = {}
        if known.etag:
            headers["If-None-Match"] = known.etag
        if known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        statuses = list(base.meta.get("handle_httpstatus_list") or ARTICLE_STATUSES)
        meta = {
            **base.meta,
            "civicnews_refresh": True,
            "handle_httpstatus_list": [*statuses, NOT_MODIFIED],
        }
        self._inc("refresh_requests")
        new = base.replace(url=article, meta=meta)
        new.headers.update(headers)
        return new

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
        self._inc("older_than_since")
        return True

    def _inc(self, name: str) -> None:
        self._inc_stat(f"civicnews/incremental/{name}")

    def _inc_stat(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
