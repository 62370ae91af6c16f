"""What is archived already: known articles are not fetched again, their related links are walked.

Two parts, used by :class:`civicnews.middlewares.incremental.IncrementalMiddleware` (and by
the distributed worker's subclass of it, which fills the snapshot from the job's published
state instead of the archive):

- :class:`ArchiveSnapshot`: what the archive knew about a portal when the run started
  (article URLs, every URL they were seen under, their ids, last fetch times, validators,
  the related links each article's page had), copied into a private temporary SQLite file
  (``sqlite3.connect("")``) and looked up there.  Nothing of it is held in Python objects,
  so a crawl over an archive of a million articles needs no more memory than over an empty
  one.  A snapshot, not the live archive: articles stored during this run do not count as
  known (a listing must not stop on entries this run has just archived);
- :class:`KnownArticles`: what happens to an article request:
  an unknown URL passes (once per run); a known article is not requested, its stored
  related links are walked instead (through other known articles, each once per run) and
  every target not yet archived is requested (older articles are often reachable only
  through "related" blocks, so without this a run resumed after a crash could never reach
  the unlisted tail behind articles it had already archived); a known article last fetched
  before ``refresh_before`` is requested again, conditionally (``If-None-Match`` /
  ``If-Modified-Since`` from the stored ``etag`` / ``last_modified``); after a 304 its
  stored related links are walked.

Stats (``civicnews/incremental/``): ``known_skipped``, ``expanded`` (requests from stored
related links), ``refresh_requests``, ``not_modified``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import scrapy

from civicnews.items import GONE_STATUSES, NOT_MODIFIED
from civicnews.seen import url_set
from civicnews.urls import article_identity, canonical_url

# Statuses the spider lets through for article requests (the store records them).
ARTICLE_STATUSES = list(GONE_STATUSES)
#: The prefix of the incremental components' stats.
STATS_PREFIX = "civicnews/incremental/"

_SCHEMA = """
CREATE TABLE known (url TEXT PRIMARY KEY, last_seen_at, etag, last_modified) WITHOUT ROWID;
CREATE TABLE alias (key TEXT PRIMARY KEY, url TEXT) WITHOUT ROWID;
CREATE TABLE related (src TEXT, dst TEXT, date_raw TEXT);
"""

#: One archived article: (url, last_seen_at, etag, last_modified).
ArticleRow = tuple[str, str | None, str | None, str | None]
#: Another URL (canonical for the family) or ``"id:" + identity`` -> the article's URL.
AliasRow = tuple[str, str]
#: One related link an article's page had: (from_url, to_url, date_raw), in page order.
LinkRow = tuple[str, str, str | None]


def count(stats: Any, name: str) -> None:
    """Add one to ``civicnews/incremental/<name>`` (no stats: a component built in a test)."""
    if stats is not None:
        stats.inc_value(STATS_PREFIX + name)


@dataclass
class Known:
    """What the archive knows about one article."""

    last_seen_at: str | None = None
    etag: str | None = None
    last_modified: str | None = None


class ArchiveSnapshot:
    """A portal's archived articles as the run found them, on disk, looked up by URL."""

    def __init__(self, family: str = "generic") -> None:
        self.family = family  # whose rules key URLs (alias keys were made with them)
        self.size = 0  # archived articles; 0 spares every lookup
        self._db = sqlite3.connect("")  # a private temporary file, deleted on close
        self._db.executescript(_SCHEMA)
        self._db.create_function("canonical", 2, canonical_url, deterministic=True)

    def load(self, conn: sqlite3.Connection, portal: str) -> None:
        """Copy the portal's articles, their other URLs and their related links from ``conn``
        (an archive)."""
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        aliases: Iterable[AliasRow] = (
            (canonical_url(other, self.family), url)
            for other, url in conn.execute(
                "SELECT u.url, u.article_url FROM article_urls u "
                "JOIN articles a ON a.url = u.article_url WHERE a.portal = ?",
                (portal,),
            )
        )
        self.add(
            articles=conn.execute(
                "SELECT url, last_seen_at, etag, last_modified FROM articles WHERE portal = ?",
                (portal,),
            ),
            aliases=aliases,
            links=conn.execute(
                "SELECT r.from_url, r.to_url, r.date_raw FROM related_links r "
                "JOIN articles a ON a.url = r.from_url WHERE a.portal = ?",
                (portal,),
            ),
        )
        if "article_ids" in tables:
            self.add(
                aliases=(
                    ("id:" + identity, url)
                    for identity, url in conn.execute(
                        "SELECT i.identity, i.article_url FROM article_ids i "
                        "JOIN articles a ON a.url = i.article_url WHERE a.portal = ?",
                        (portal,),
                    )
                )
            )

    def add(
        self,
        articles: Iterable[ArticleRow] = (),
        aliases: Iterable[AliasRow] = (),
        links: Iterable[LinkRow] = (),
    ) -> None:
        """Add rows read elsewhere: the archive (:meth:`load`), or a distributed job's
        published copy of it (:mod:`civicnews.distributed.archivestate`)."""
        db = self._db
        db.executemany("INSERT OR REPLACE INTO known VALUES (?, ?, ?, ?)", articles)
        db.executemany("INSERT OR REPLACE INTO alias VALUES (?, ?)", aliases)
        db.executemany("INSERT INTO related VALUES (?, ?, ?)", links)
        # Indexed once the rows are in: faster than keeping the index up to date row by row.
        db.execute("CREATE INDEX IF NOT EXISTS related_src ON related (src)")
        db.commit()
        self.size = db.execute("SELECT count(*) FROM known").fetchone()[0]

    def articles(self) -> Iterator[ArticleRow]:
        return iter(self._db.execute("SELECT url, last_seen_at, etag, last_modified FROM known"))

    def aliases(self) -> Iterator[AliasRow]:
        return iter(self._db.execute("SELECT key, url FROM alias"))

    def links(self) -> Iterator[LinkRow]:
        """Every stored related link, each article's in page order."""
        return iter(self._db.execute("SELECT src, dst, date_raw FROM related ORDER BY rowid"))

    def set_family(self, family: str) -> None:
        """A ``family = "auto"`` portal settled: key URLs by that family's rules from now on."""
        if family == self.family:
            return
        self.family = family
        self._db.execute(
            "UPDATE OR REPLACE alias SET key = canonical(key, ?) WHERE key NOT LIKE 'id:%'",
            (family,),
        )
        self._db.commit()

    def article_url(self, url: str) -> str | None:
        """The archived article ``url`` leads to, or None if it is not archived."""
        if not self.size:
            return None
        key = canonical_url(url, self.family)
        db = self._db
        if db.execute("SELECT 1 FROM known WHERE url = ?", (key,)).fetchone():
            return key
        row = db.execute("SELECT url FROM alias WHERE key = ?", (key,)).fetchone()
        if row is None:
            identity = article_identity(key)
            if identity:
                row = db.execute("SELECT url FROM alias WHERE key = ?", ("id:" + identity,))
                row = row.fetchone()
        return row[0] if row else None

    def known(self, article: str) -> Known | None:
        row = self._db.execute(
            "SELECT last_seen_at, etag, last_modified FROM known WHERE url = ?", (article,)
        ).fetchone()
        return Known(*row) if row else None

    def related(self, article: str) -> list[tuple[str, str | None]]:
        """The related links ``article``'s page had when it was archived, in page order."""
        return self._db.execute(
            "SELECT dst, date_raw FROM related WHERE src = ? ORDER BY rowid", (article,)
        ).fetchall()

    def close(self) -> None:
        self._db.close()


class KnownArticles:
    """Article requests against the snapshot: skip, expand, refresh (see the module doc).

    ``older_than_since(request)``: is the request's listing date before ``--since`` (such
    link targets are not requested).  ``refresh_before`` (ISO time) and ``errback`` (the
    spider's, for the requests made here) are set once the portal is open.
    """

    def __init__(
        self,
        snapshot: ArchiveSnapshot,
        *,
        older_than_since: Callable[[scrapy.Request], bool] = lambda request: False,
        stats: Any = None,
    ) -> None:
        self.snapshot = snapshot
        self.older_than_since = older_than_since
        self.stats = stats
        self.refresh_before: str | None = None
        self.errback: Any = None
        # Per run, 8 bytes a URL: known articles walked, URLs requested.
        self._visited = url_set()
        self._requested = url_set()

    def is_archived(self, url: str) -> bool:
        return self.snapshot.article_url(url) is not None

    def article(self, request: scrapy.Request) -> Iterator[scrapy.Request]:
        """What to send for an article request: itself, a refresh, or stored links' targets."""
        article = self.snapshot.article_url(request.url)
        if article is None:
            if self._requested.add(canonical_url(request.url, self.snapshot.family)):
                yield request
            return
        yield from self._expand(article, first=request)

    def not_modified(self, url: str) -> Iterator[scrapy.Request]:
        """A refreshed article answered 304: its related links are the ones stored."""
        count(self.stats, "not_modified")
        article = self.snapshot.article_url(url)
        if article is not None:
            yield from self._expand(article, refreshed=True)

    def _expand(
        self, start: str, first: scrapy.Request | None = None, refreshed: bool = False
    ) -> Iterator[scrapy.Request]:
        """Visit known article ``start`` and the known articles its stored links reach.

        Yields a conditional request for each one due for a refresh (its page
        brings its links) and a request for each unknown link target.
        ``refreshed``: ``start`` was just revalidated (a 304), walk its links.
        """
        stack: list[tuple[str, scrapy.Request | None, str | None]] = [(start, first, None)]
        while stack:
            article, request, date_raw = stack.pop()
            again = refreshed and article == start  # visited when its refresh was sent
            if not self._visited.add(article) and not again:
                continue
            known = self.snapshot.known(article)
            if known is None:
                continue
            if not again:
                if self._due(known):
                    yield self._refresh(article, known, request, date_raw)
                    continue
                count(self.stats, "known_skipped")
            for target, target_date in reversed(self.snapshot.related(article)):
                found = self.snapshot.article_url(target)
                if found is not None:
                    if found not in self._visited:
                        stack.append((found, None, target_date))
                    continue
                key = canonical_url(target, self.snapshot.family)
                if key in self._requested:
                    continue
                new = self._request(key, target_date)
                if self.older_than_since(new):
                    continue
                self._requested.add(key)
                count(self.stats, "expanded")
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
        count(self.stats, "refresh_requests")
        new = base.replace(url=article, meta=meta)
        new.headers.update(headers)
        return new
