"""Version 2: revisions, raw captures, every URL of an article, the related graph.

- ``raw_bodies``: response bodies exactly as sent, stored once per sha256
  digest (``sha256:<hex>`` of the uncompressed bytes), zlib-compressed.
- ``captures``: one row per fetch of an article page (status, headers, body
  digest, ``kind``: ``response`` new content, ``revisit`` same content as
  before, ``not-modified`` a 304, ``gone`` a 404/410).  WARC export writes
  these.
- ``revisions``: one row per distinct content (title, date, body) of an
  article, pointing at the capture that first showed it.
- ``article_urls``: every URL an article was seen under.
- ``related_links``: which article's related block pointed where.
Existing v1 rows get one revision each (no capture: the bytes were not kept).
"""

import sqlite3

from civicnews.archive.hashes import text_hash
from civicnews.archive.migrations import run_script


def apply(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        ALTER TABLE articles ADD COLUMN gone_at TEXT;
        ALTER TABLE articles ADD COLUMN revision_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE articles ADD COLUMN text_hash TEXT;
        ALTER TABLE articles ADD COLUMN duplicate_of TEXT;
        ALTER TABLE articles ADD COLUMN last_status INTEGER;
        ALTER TABLE articles ADD COLUMN etag TEXT;
        ALTER TABLE articles ADD COLUMN last_modified TEXT;
        CREATE INDEX articles_text_hash ON articles (text_hash);
        CREATE INDEX articles_last_seen ON articles (last_seen_at);

        CREATE TABLE raw_bodies (
            digest TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            compression TEXT NOT NULL DEFAULT 'zlib',
            data BLOB NOT NULL
        );

        CREATE TABLE captures (
            id INTEGER PRIMARY KEY,
            article_url TEXT NOT NULL REFERENCES articles (url),
            url TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            status INTEGER NOT NULL,
            request_headers TEXT NOT NULL DEFAULT '{}',
            response_headers TEXT NOT NULL DEFAULT '{}',
            body_digest TEXT REFERENCES raw_bodies (digest),
            kind TEXT NOT NULL
        );
        CREATE INDEX captures_article ON captures (article_url, fetched_at);

        CREATE TABLE revisions (
            id INTEGER PRIMARY KEY,
            article_url TEXT NOT NULL REFERENCES articles (url),
            fetched_at TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            title TEXT,
            published_at TEXT,
            published_raw TEXT,
            author TEXT,
            sapo TEXT,
            body_text TEXT,
            capture_id INTEGER REFERENCES captures (id)
        );
        CREATE INDEX revisions_article ON revisions (article_url, fetched_at);

        CREATE TABLE article_urls (
            url TEXT PRIMARY KEY,
            article_url TEXT NOT NULL REFERENCES articles (url),
            first_seen_at TEXT NOT NULL
        );
        CREATE INDEX article_urls_article ON article_urls (article_url);

        CREATE TABLE related_links (
            from_url TEXT NOT NULL REFERENCES articles (url),
            to_url TEXT NOT NULL,
            title TEXT,
            date_raw TEXT,
            first_seen_at TEXT NOT NULL,
            PRIMARY KEY (from_url, to_url)
        );
        CREATE INDEX related_links_to ON related_links (to_url);
        """,
    )
    rows = conn.execute(
        "SELECT url, first_seen_at, content_hash, title, published_at, published_raw, author, "
        "sapo, body_text, fetched_url FROM articles"
    ).fetchall()
    for url, seen, chash, title, pub, raw, author, sapo, body, fetched in rows:
        conn.execute(
            "INSERT INTO revisions (article_url, fetched_at, content_hash, title, published_at, "
            "published_raw, author, sapo, body_text) VALUES (?,?,?,?,?,?,?,?,?)",
            (url, seen, chash or "", title, pub, raw, author, sapo, body),
        )
        conn.execute(
            "UPDATE articles SET revision_count = 1, text_hash = ? WHERE url = ?",
            (text_hash(body or ""), url),
        )
        conn.execute(
            "INSERT OR IGNORE INTO article_urls (url, article_url, first_seen_at) VALUES (?,?,?)",
            (fetched or url, url, seen),
        )
