"""Version 4: ``failed_pages``, the pages a crawl could not fetch in the end.

One row per page and run: after retries (a 5xx, a timeout, a dropped or
truncated answer), a redirect loop or chain, a page over DOWNLOAD_MAXSIZE, a
robots.txt refusal.  Written by ``civicnews.extensions.failures``.

- ``kind``: what went wrong (``http``, ``timeout``, ``connection``,
  ``truncated``, ``too-large``, ``redirect-loop``, ``too-many-redirects``,
  ``robots``, ``dns``, ``ignored``, ``error``);
- ``page``: what the crawler expected there (``article``, ``listing`` or NULL);
- ``status``: the last HTTP status, when there was an answer;
- ``error``: one line, as the crawler saw it;
- ``attempts``: requests made for the page (retries and redirects included);
- ``referer``: the page whose link led there;
- ``run_started_at``: the start of the crawl, shared by every row of one run,
  so "what failed last night" is one query.

``IF NOT EXISTS``: archives that reached a later version before this module
existed may run it out of order.
"""

import sqlite3

from civicnews.archive.migrations import run_script


def apply(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS failed_pages (
            id INTEGER PRIMARY KEY,
            portal TEXT NOT NULL,
            url TEXT NOT NULL,
            kind TEXT NOT NULL,
            page TEXT,
            status INTEGER,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 1,
            referer TEXT,
            failed_at TEXT NOT NULL,
            run_started_at TEXT NOT NULL,
            UNIQUE (portal, url, run_started_at)
        );
        CREATE INDEX IF NOT EXISTS failed_pages_run ON failed_pages (run_started_at);
        CREATE INDEX IF NOT EXISTS failed_pages_url ON failed_pages (url);
        """,
    )
