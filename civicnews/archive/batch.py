"""What one batch of the archive writer writes, and the statements that write it.

:class:`~civicnews.archive.writer.ArchiveWriter` decides what each item becomes (a new
article, a revision, a revisit, a gone page...) and collects the rows in a :class:`Batch`;
:func:`flush` then writes them with one ``executemany`` per table and shape, inside the
writer's transaction.  Raw bodies are compressed on a thread pool while the batch is read
(:func:`compress_all` is one pool task).
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from civicnews.archive.migrations.m005_search import index_new_rows
from civicnews.archive.schema import REVISION_COLUMNS


@dataclass
class Batch:
    """The rows one batch writes, collected while its items are read."""

    # Raw bodies to store, compressed on the pool in chunks: one task per page
    # cost ~30 µs of this thread's time in Future and lock handling alone.
    raw: list[tuple[list[tuple[str, int]], Future]] = field(default_factory=list)
    to_compress: list[tuple[str, bytes]] = field(default_factory=list)
    inserts: dict[str, dict[str, Any]] = field(default_factory=dict)
    captures: list[tuple] = field(default_factory=list)
    revisions: list[tuple] = field(default_factory=list)
    changed: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: dict[str, tuple] = field(default_factory=dict)
    gone: list[tuple] = field(default_factory=list)
    urls: list[tuple] = field(default_factory=list)
    identities: list[tuple] = field(default_factory=list)
    related: list[tuple] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    # (article_url, portal, fetched_at, file entries): written after the articles.
    files: list[tuple] = field(default_factory=list)


def compress_all(bodies: list[bytes], level: int) -> list[bytes]:
    return [zlib.compress(body, level) for body in bodies]


def flush(conn: sqlite3.Connection, b: Batch) -> None:
    """Write the batch's rows (in the writer's transaction)."""
    if b.inserts:
        rows = list(b.inserts.values())
        cols = list(rows[0])
        before = conn.execute("SELECT coalesce(max(rowid), 0) FROM articles").fetchone()[0]
        # Index the batch in one statement per index, not a trigger per row
        # (see migration m005); the flag never outlives this transaction.
        conn.execute("UPDATE fts_bulk_load SET active = 1")
        conn.executemany(
            f"INSERT INTO articles ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [tuple(r[c] for c in cols) for r in rows],
        )
        index_new_rows(conn, before)
        conn.execute("UPDATE fts_bulk_load SET active = 0")
    for url, update in b.changed.items():
        cols = list(update)
        conn.execute(
            f"UPDATE articles SET {', '.join(f'{c} = ?' for c in cols)} WHERE url = ?",
            (*(update[c] for c in cols), url),
        )
    by_shape: dict[tuple[str, ...], list[tuple]] = {}
    for url, update in b.seen.items():
        by_shape.setdefault(tuple(update), []).append((*update.values(), url))
    for cols, params in by_shape.items():
        conn.executemany(
            f"UPDATE articles SET {', '.join(f'{c} = ?' for c in cols)} WHERE url = ?", params
        )
    if b.gone:
        conn.executemany(
            "UPDATE articles SET gone_at = coalesce(gone_at, ?), last_status = ? WHERE url = ?",
            b.gone,
        )
    if b.urls:
        conn.executemany(
            "INSERT OR IGNORE INTO article_urls (url, article_url, first_seen_at) VALUES (?, ?, ?)",
            b.urls,
        )
    if b.identities:
        conn.executemany(
            "INSERT OR IGNORE INTO article_ids (identity, article_url) VALUES (?, ?)",
            b.identities,
        )
    if b.related:
        conn.executemany(
            "INSERT OR IGNORE INTO related_links (from_url, to_url, title, date_raw, "
            "first_seen_at, linked_url) VALUES (?, ?, ?, ?, ?, ?)",
            b.related,
        )
    if b.touched:
        # Links as related blocks wrote them, once their target is archived: from
        # this batch's pages, and to this batch's new articles from earlier pages.
        conn.execute(
            "INSERT OR IGNORE INTO article_urls (url, article_url, first_seen_at) "
            "SELECT r.linked_url, a.url, r.first_seen_at FROM related_links r "
            "JOIN articles a ON a.url = r.to_url "
            # A link already in canonical form is the article's own URL, filed with it.
            "WHERE r.linked_url IS NOT NULL AND r.linked_url != r.to_url "
            "AND (r.from_url IN (SELECT value FROM "
            "json_each(:urls)) OR r.to_url IN (SELECT value FROM json_each(:urls)))",
            {"urls": json.dumps(sorted(b.touched))},
        )
    if b.raw:
        # Last but the rows that point at them: the pool had the most time.
        conn.executemany(
            "INSERT OR IGNORE INTO raw_bodies (digest, size, compression, data) "
            "VALUES (?, ?, 'zlib', ?)",
            [
                (digest, size, data)
                for keys, compressed in b.raw
                for (digest, size), data in zip(keys, compressed.result(), strict=True)
            ],
        )
    if b.captures:
        conn.executemany(
            "INSERT INTO captures (id, article_url, url, fetched_at, status, request_headers, "
            "response_headers, body_digest, kind) VALUES (?,?,?,?,?,?,?,?,?)",
            b.captures,
        )
    if b.revisions:
        conn.executemany(
            "INSERT INTO revisions (article_url, fetched_at, content_hash, "
            + ", ".join(REVISION_COLUMNS)
            + ", capture_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            b.revisions,
        )
