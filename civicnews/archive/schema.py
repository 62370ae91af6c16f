"""The archive schema, versioned with ``PRAGMA user_version``.

Each migration is a function taking the sqlite3 connection and bringing the
schema from version ``i`` to ``i + 1``; an archive written by an older
civicnews is upgraded in order when opened, one written by a newer civicnews
is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def _v1(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE IF NOT EXISTS articles (
            url TEXT PRIMARY KEY,
            portal TEXT NOT NULL,
            title TEXT,
            published_at TEXT,
            published_raw TEXT,
            date_source TEXT,
            author TEXT,
            body_text TEXT,
            sapo TEXT,
            category TEXT,
            tags TEXT,
            images TEXT,
            attachments TEXT,
            source TEXT,
            extractor TEXT,
            fetched_url TEXT,
            content_hash TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS articles_portal_published
            ON articles (portal, published_at);
        """
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1]
SCHEMA_VERSION = len(MIGRATIONS)
