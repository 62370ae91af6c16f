"""The archive as a Python library: what the ``search`` and ``stats`` commands wrap.

>>> from civicnews.archive import Archive
>>> with Archive("archive.db") as archive:
...     hits = archive.search("dong da")              # folded: finds "Đống Đa"
...     article = archive.get(hits[0].url)            # latest state, as a dict
...     history = archive.revisions(hits[0].url)      # every distinct version, oldest first
...     for row in archive.iter_articles(portal="bactuliem", since=date(2018, 1, 1)):
...         ...
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

from civicnews.archive.db import ArchiveError, connect, explain, open_readonly, schema_version
from civicnews.archive.query import SearchError
from civicnews.archive.schema import JSON_COLUMNS
from civicnews.archive.search import SEARCH_TIMEOUT, SearchHit, day_bounds, search
from civicnews.archive.writer import ArchiveWriter, WriteResult

__all__ = ["Archive", "SearchError", "SearchHit"]


class Archive:
    """An open civicnews archive.

    ``Archive(path)`` opens an existing archive for reading and writing and
    upgrades an older schema; ``create=True`` makes a new one;
    ``readonly=True`` never writes (:func:`civicnews.archive.db.open_readonly`: the file
    must be a civicnews archive of the current schema; read-only media are fine).
    Errors an operator can fix raise :class:`ArchiveError` with one line.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False, create: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            self.db: sqlite_utils.Database = sqlite_utils.Database(open_readonly(self.path))
        else:
            self.db = connect(self.path, create=create)
        self.conn: sqlite3.Connection = self.db.conn

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        exact: bool = False,
        portal: str | Iterable[str] | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int = 20,
        marks: tuple[str, str] = ("[", "]"),
        timeout: float = SEARCH_TIMEOUT,
        has_file: bool = False,
        doc_type: str | None = None,
    ) -> list[SearchHit]:
        """Ranked matches of ``query``; ``exact=True`` matches diacritics as typed.

        Archived files' text is searched too (``hit.match`` is "article" or "file");
        ``has_file`` keeps articles with an archived file, ``doc_type`` those with a
        document of that type.

        Raises :class:`SearchError` for a query FTS5 cannot run, one longer than
        ``MAX_QUERY_WORDS`` words, or a search that runs over ``timeout`` seconds.
        """
        return self._read(
            search,
            self.conn,
            query,
            exact=exact,
            portals=_portals(portal),
            since=since,
            until=until,
            limit=limit,
            marks=marks,
            timeout=timeout,
            has_file=has_file,
            doc_type=doc_type,
        )

    def get(self, url: str) -> dict[str, Any] | None:
        """The latest state of the article archived under ``url`` (or any URL seen for it)."""
        row = self._one("SELECT * FROM articles WHERE url = ?", (url,))
        if row is None:
            alias = self._one("SELECT article_url FROM article_urls WHERE url = ?", (url,))
            if alias is None:
                return None
            row = self._one("SELECT * FROM articles WHERE url = ?", (alias["article_url"],))
            if row is None:
                return None
        for key in JSON_COLUMNS:
            row[key] = json.loads(row[key] or "[]")
        row["urls"] = [
            u
            for (u,) in self.conn.execute(
                "SELECT url FROM article_urls WHERE article_url = ? ORDER BY first_seen_at, url",
                (row["url"],),
            )
        ]
        return row

    def revisions(self, url: str) -> list[dict[str, Any]]:
        """Every distinct version of an article, oldest first, with its capture's status."""
        article = self.get(url)
        if article is None:
            return []
        return self._all(
            "SELECT r.id, r.fetched_at, r.content_hash, r.title, r.published_at, "
            "r.published_raw, r.author, r.sapo, r.body_text, r.capture_id, c.status, "
            "c.body_digest FROM revisions r LEFT JOIN captures c ON c.id = r.capture_id "
            "WHERE r.article_url = ? ORDER BY r.fetched_at, r.id",
            (article["url"],),
        )

    def raw_body(self, digest: str) -> bytes | None:
        """The response body bytes stored under ``digest`` ("sha256:<hex>"), as sent."""
        row = self.conn.execute(
            "SELECT compression, data FROM raw_bodies WHERE digest = ?", (digest,)
        ).fetchone()
        if row is None:
            return None
        compression, data = row
        return zlib.decompress(data) if compression == "zlib" else bytes(data)

    def iter_articles(
        self,
        portal: str | Iterable[str] | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Articles in (portal, published_at, url) order; dates filter ``published_at``."""
        where, params = [], []
        portals = _portals(portal)
        if portals:
            where.append("portal IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(portals, ensure_ascii=False))
        low, high = day_bounds(since, until)
        if low:
            where.append("published_at >= ?")
            params.append(low)
        if high:
            where.append("published_at < ?")
            params.append(high)
        sql = "SELECT * FROM articles"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY portal, published_at, url"
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            for key in JSON_COLUMNS:
                row[key] = json.loads(row[key] or "[]")
            yield row

    def stats(self) -> dict[str, Any]:
        """Articles per portal, date range, revisions, captures, last run."""
        portals = self._all(
            "SELECT portal, count(*) AS articles, sum(revision_count) AS revisions, "
            "sum(revision_count > 1) AS changed, count(gone_at) AS gone, "
            "count(published_at) AS dated, min(published_at) AS first_published, "
            "max(published_at) AS last_published, max(last_seen_at) AS last_seen "
            "FROM articles GROUP BY portal ORDER BY portal"
        )
        totals = self._one(
            "SELECT count(*) AS articles, coalesce(sum(revision_count), 0) AS revisions, "
            "count(gone_at) AS gone, count(duplicate_of) AS duplicates, "
            "min(published_at) AS first_published, max(published_at) AS last_published "
            "FROM articles"
        )
        totals["captures"] = self.conn.execute("SELECT count(*) FROM captures").fetchone()[0]
        totals["raw_bodies"], totals["raw_bytes"] = self.conn.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM raw_bodies"
        ).fetchone()
        return {
            "db": str(self.path),
            "schema_version": schema_version(self.conn),
            "totals": totals,
            "portals": portals,
            "last_run": self._last_run(),
        }

    def _last_run(self) -> dict[str, Any] | None:
        # crawl_runs arrives with migration m003; an archive without it has no runs.
        if not self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'crawl_runs'"
        ).fetchone():
            return None
        row = self._one("SELECT * FROM crawl_runs ORDER BY rowid DESC LIMIT 1")
        return None if row is None else decoded_run(row)

    # -- writing ----------------------------------------------------------------------------

    def store(self, items: Iterable[Any], batch_size: int = 500) -> WriteResult:
        """Store fetched items (``ArticleItem`` or mappings with its keys), batch by batch.

        Each batch is one transaction: what was stored before an error stays.
        """
        if self.readonly:
            raise ArchiveError(f"archive {self.path} was opened read-only")
        total = WriteResult()
        with ArchiveWriter(self.db) as writer:
            for batch in _batches(items, batch_size):
                try:
                    total.add(writer.write(batch))
                except sqlite3.Error as exc:
                    raise ArchiveError(explain(exc, self.path)) from None
        return total

    # -- helpers ----------------------------------------------------------------------------

    def _read(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except sqlite3.Error as exc:
            raise ArchiveError(explain(exc, self.path)) from None

    def _all(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        try:
            cursor = self.conn.execute(sql, tuple(params))
        except sqlite3.Error as exc:
            raise ArchiveError(explain(exc, self.path)) from None
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def _one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
        rows = self._all(sql, params)
        return rows[0] if rows else None


def decoded_run(run: dict[str, Any]) -> dict[str, Any]:
    """A ``crawl_runs`` row with its JSON-text columns (argv, portals, counts...) decoded,
    so that JSON output holds them as lists and objects, not as strings of JSON."""
    out = {}
    for key, value in run.items():
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                value = json.loads(value)
            except ValueError:
                pass  # text that only looks like JSON stays text
        out[key] = value
    return out


def _portals(portal: str | Iterable[str] | None) -> list[str]:
    if portal is None:
        return []
    if isinstance(portal, str):
        return [portal]
    return list(portal)


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
