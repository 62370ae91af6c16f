"""Extract the archived files that have no text yet, into ``file_texts`` (migration m010).

Off the crawl's critical path: a crawl stores file bytes (``file_bodies``) and
``civicnews extract`` (:func:`extract_pending`) reads them afterwards, one file at
a time through the sandboxed :class:`~civicnews.documents.sandbox.Extractor`,
committing every :data:`COMMIT_EVERY` files, so an interrupted run keeps what it
did and the next run goes on from there.  A file's content is extracted once,
whichever URLs, articles and portals it came from.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from civicnews.archive.db import write_transaction
from civicnews.archive.files import read_file_body
from civicnews.documents.metadata import read_metadata
from civicnews.documents.result import WITH_TEXT, Extraction
from civicnews.documents.sandbox import Extractor

COMMIT_EVERY = 25
#: Characters of the text the metadata is read from: the header of the first page.
FIRST_PAGE_CHARS = 3000


def pending(conn: sqlite3.Connection, again: Iterable[str] = ()) -> list[str]:
    """Digests of stored file contents with no text row yet (or one in a status of ``again``)."""
    again = list(again)
    return [
        digest
        for (digest,) in conn.execute(
            "SELECT b.digest FROM file_bodies b LEFT JOIN file_texts t ON t.digest = b.digest "
            "WHERE t.digest IS NULL OR t.status IN (SELECT value FROM json_each(?)) "
            "ORDER BY b.rowid",
            (json.dumps(again),),
        )
    ]


def _names(conn: sqlite3.Connection, digest: str) -> tuple[str | None, str | None]:
    """The link text and file name of the first link to this content."""
    row = conn.execute(
        "SELECT af.name, coalesce(f.final_url, f.url) FROM file_versions v "
        "JOIN files f ON f.id = v.file_id JOIN article_files af ON af.file_url = f.url "
        "WHERE v.digest = ? ORDER BY af.first_seen_at, af.file_url LIMIT 1",
        (digest,),
    ).fetchone()
    if row is None:
        return None, None
    name, url = row
    return name, unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or None


def _row(conn: sqlite3.Connection, digest: str, result: Extraction) -> dict:
    text = result.text if result.status in WITH_TEXT else None
    link_text, file_name = _names(conn, digest)
    meta = read_metadata(text[:FIRST_PAGE_CHARS] if text else None, link_text, file_name)
    return {
        "digest": digest,
        "status": result.status,
        "format": result.format,
        "pages": result.pages,
        "chars": len(text) if text else 0,
        "error": result.error,
        "seconds": result.seconds,
        "extracted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "text": text,
        "doc_number": meta.number,
        "doc_type": meta.type,
        "doc_issuer": meta.issuer,
        "doc_date": meta.date,
        "doc_source": meta.source,
    }


def save(conn: sqlite3.Connection, row: dict) -> None:
    """Insert or replace the text row of ``row["digest"]`` (in the caller's transaction)."""
    conn.execute("DELETE FROM file_texts WHERE digest = ?", (row["digest"],))
    conn.execute(
        f"INSERT INTO file_texts ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        tuple(row.values()),
    )


def extract_pending(
    conn: sqlite3.Connection,
    extractor: Extractor,
    *,
    again: Iterable[str] = (),
    limit: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Counter:
    """Extract every pending file (at most ``limit``); counts per status.

    ``progress(done, total, status)`` is called after each file.
    """
    digests = pending(conn, again)
    if limit is not None:
        digests = digests[:limit]
    counts: Counter = Counter()
    rows: list[dict] = []

    def commit() -> None:
        with write_transaction(conn):
            for row in rows:
                save(conn, row)
        rows.clear()

    for done, digest in enumerate(digests, 1):
        data = read_file_body(conn, digest)
        if data is None:
            continue  # removed since the list was read
        result = extractor.extract(data)
        del data
        rows.append(_row(conn, digest, result))
        counts[result.status] += 1
        if len(rows) >= COMMIT_EVERY:
            commit()
        if progress:
            progress(done, len(digests), result.status)
    if rows:
        commit()
    return counts
