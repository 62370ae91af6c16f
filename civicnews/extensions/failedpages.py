"""The ``failed_pages`` table as the crawl writes and reads it: one row per page and run.

A page's rows make its history: :func:`read_history` gives, for each page of a portal whose
last recorded fetch failed (and no success came after), how many times in a row it failed
and when it may be tried again.  Written by the failed-pages extension
(:mod:`civicnews.extensions.failures`) and, for a distributed crawl, by the ingester; read
by the extension when a portal's crawl opens and by ``civicnews enqueue`` for its workers.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

#: One row of ``failed_pages`` from a :class:`FailedPage` (its fields in order).
FAILED_INSERT = (
    "INSERT OR REPLACE INTO failed_pages (portal, url, kind, page, status, error, attempts, "
    "referer, failed_at, run_started_at, failures, retry_at, given_up) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


@dataclass(frozen=True)
class FailedPage:
    portal: str
    url: str
    kind: str
    page: str | None
    status: int | None
    error: str
    attempts: int
    referer: str | None
    failed_at: str
    run_started_at: str
    failures: int = 1
    retry_at: str | None = None
    given_up: int = 0


@dataclass(frozen=True)
class History:
    """The last recorded failure of a page, when no success followed it."""

    failures: int
    retry_at: str | None
    given_up: bool


def read_history(conn: sqlite3.Connection, portal: str) -> dict[str, History]:
    """Pages of ``portal`` whose last recorded fetch failed (and no success came after)."""
    found = conn.execute(
        """
        SELECT f.url, coalesce(f.failures, 1), f.retry_at, f.given_up FROM failed_pages f
        WHERE f.portal = :portal
          AND f.id = (SELECT max(id) FROM failed_pages g
                      WHERE g.portal = f.portal AND g.url = f.url)
          AND NOT EXISTS (
              SELECT 1 FROM articles a
              WHERE a.last_seen_at > f.failed_at
                AND (a.url = f.url OR a.url IN
                     (SELECT article_url FROM article_urls u WHERE u.url = f.url)))
        """,
        {"portal": portal},
    ).fetchall()
    return {url: History(int(n), retry_at, bool(gone)) for url, n, retry_at, gone in found}
