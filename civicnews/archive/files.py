"""The files articles link, in the archive: bytes once per digest, one row per file URL.

Tables are described in migration m009.  :func:`write_files` runs inside the
archive writer's transaction (``ArchiveWriter``, in the writer process during a
crawl), so the single archive writer stays single and an article and its files
commit together.  :func:`read_file_body` gives a stored file's bytes back exactly
as served.

A file entry, as :class:`civicnews.pipelines.files.FilesPipeline` puts them in an
item's ``files`` list::

    {"url": identity URL, "linked_url": href as written, "name": link text,
     "source": "attachment" | "image", "kind": "document" | "image",
     "fetch": None (linked only: fetched for another article of this run) or
              {"final_url", "status", "headers", "body" (bytes or None), "size",
               "type", "fetched_at", "problem", "etag", "last_modified"}}

What a fetch does to the ``files`` row of its URL:

==========================  ==============================================================
answer                      effect
==========================  ==============================================================
200, URL new                ``files`` row and first ``file_versions`` row; bytes stored
200, other bytes than now   new ``file_versions`` row, the row takes the new digest (old kept)
200, same bytes / 304       ``last_seen_at`` moves, ``gone_at`` cleared
404 / 410                   ``gone_at`` set (kept on later ones), nothing removed
not stored (``problem``)    over the size cap, refused type, failure: a row without bytes
                            for a new URL; a stored file keeps its bytes
==========================  ==============================================================
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from civicnews.archive.hashes import body_digest

GONE_STATUSES = (404, 410)
NOT_MODIFIED = 304
#: Compress a file only when its first 64 KiB shrink by at least this share: PDF, DOCX
#: and XLSX are zip/deflate inside, and a second zlib pass costs CPU for ~1%.
COMPRESS_MIN_GAIN = 0.1
_SAMPLE = 64 * 1024


def read_file_body(conn: sqlite3.Connection, digest: str) -> bytes | None:
    """The bytes stored under ``digest`` exactly as served, or None when none are stored."""
    row = conn.execute(
        "SELECT compression, data FROM file_bodies WHERE digest = ?", (digest,)
    ).fetchone()
    if row is None:
        return None
    compression, data = row
    return zlib.decompress(data) if compression == "zlib" else bytes(data)


def _pack(body: bytes, level: int) -> tuple[str, bytes]:
    if level > 0:
        sample = body[:_SAMPLE]
        if len(zlib.compress(sample, level)) <= len(sample) * (1 - COMPRESS_MIN_GAIN):
            return "zlib", zlib.compress(body, level)
    return "none", body


def write_files(
    conn: sqlite3.Connection,
    links: Iterable[tuple[str, str, str, list[Mapping[str, Any]]]],
    compress_level: int = 3,
) -> None:
    """Store ``(article_url, portal, seen_at, entries)`` links and fetches, in the caller's
    transaction."""
    for article_url, portal, seen_at, entries in links:
        for entry in entries:
            fetch = entry.get("fetch")
            if fetch is not None:
                _store_fetch(conn, entry, portal, fetch, compress_level)
            conn.execute(
                "INSERT OR IGNORE INTO article_files "
                "(article_url, file_url, name, url, source, first_seen_at) VALUES (?,?,?,?,?,?)",
                (
                    article_url,
                    entry["url"],
                    entry.get("name"),
                    entry.get("linked_url") or entry["url"],
                    entry.get("source") or "attachment",
                    seen_at,
                ),
            )


def _store_fetch(
    conn: sqlite3.Connection,
    entry: Mapping[str, Any],
    portal: str,
    fetch: Mapping[str, Any],
    level: int,
) -> None:
    url = entry["url"]
    at = fetch["fetched_at"]
    status = fetch.get("status")
    headers = json.dumps(fetch.get("headers") or {}, ensure_ascii=False)
    body = fetch.get("body")
    row = conn.execute(
        "SELECT id, digest, version_count FROM files WHERE url = ?", (url,)
    ).fetchone()
    if body is not None and not fetch.get("problem"):
        digest = body_digest(body)
        if conn.execute("SELECT 1 FROM file_bodies WHERE digest = ?", (digest,)).fetchone() is None:
            compression, data = _pack(body, level)
            conn.execute(
                "INSERT INTO file_bodies (digest, size, compression, data) VALUES (?,?,?,?)",
                (digest, len(body), compression, data),
            )
        current = dict(
            final_url=fetch.get("final_url") or url,
            digest=digest,
            size=len(body),
            type=fetch.get("type"),
            status=status,
            headers=headers,
            last_seen_at=at,
            gone_at=None,
            etag=fetch.get("etag"),
            last_modified=fetch.get("last_modified"),
            problem=None,
        )
        if row is None:
            file_id = _insert(
                conn, url, portal, entry, at, dict(current, fetched_at=at, version_count=1)
            )
        elif row[1] == digest:
            _update(conn, row[0], current)
            return
        else:
            file_id = row[0]
            _update(conn, file_id, dict(current, fetched_at=at, version_count=row[2] + 1))
        conn.execute(
            "INSERT INTO file_versions (file_id, fetched_at, url, status, headers, digest, size, "
            "type) VALUES (?,?,?,?,?,?,?,?)",
            (
                file_id,
                at,
                current["final_url"],
                status,
                headers,
                digest,
                len(body),
                current["type"],
            ),  # fmt: skip
        )
        return
    if status == NOT_MODIFIED:
        if row is not None:
            _update(conn, row[0], dict(last_seen_at=at, gone_at=None))
        return
    if status in GONE_STATUSES:
        if row is None:
            _insert(
                conn, url, portal, entry, at,
                dict(status=status, headers=headers, gone_at=at, problem="http",
                     final_url=fetch.get("final_url") or url),
            )  # fmt: skip
        else:
            conn.execute(
                "UPDATE files SET gone_at = coalesce(gone_at, ?), status = ?, last_seen_at = ? "
                "WHERE id = ?",
                (at, status, at, row[0]),
            )
        return
    # Not stored: over the cap, a refused type, a failure.  A stored file keeps its bytes
    # and state (the failure is counted in the crawl's stats); a new one is recorded.
    failed = dict(
        final_url=fetch.get("final_url") or url,
        status=status,
        headers=headers,
        size=fetch.get("size"),
        type=fetch.get("type"),
        problem=fetch.get("problem") or "error",
        etag=fetch.get("etag"),
        last_modified=fetch.get("last_modified"),
    )
    if row is None:
        _insert(conn, url, portal, entry, at, failed)
    elif row[1] is None:
        _update(conn, row[0], dict(failed, last_seen_at=at))


def _insert(
    conn: sqlite3.Connection,
    url: str,
    portal: str,
    entry: Mapping[str, Any],
    at: str,
    values: dict[str, Any],
) -> int:
    values = dict(
        values,
        url=url,
        portal=portal,
        kind=entry.get("kind") or "document",
        first_seen_at=at,
    )
    values.setdefault("last_seen_at", at)
    cols = list(values)
    cur = conn.execute(
        f"INSERT INTO files ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        [values[c] for c in cols],
    )
    return cur.lastrowid


def _update(conn: sqlite3.Connection, file_id: int, values: dict[str, Any]) -> None:
    cols = list(values)
    conn.execute(
        f"UPDATE files SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
        [*(values[c] for c in cols), file_id],
    )
