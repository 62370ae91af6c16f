"""Version 1: the articles table of the foundation."""

import sqlite3

from civicnews.archive.migrations import run_script


def apply(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE articles (
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
        CREATE INDEX articles_portal_published ON articles (portal, published_at);
        """,
    )
