"""Write fetched articles into the archive: one row per article, every revision kept.

:class:`ArchiveWriter` takes items (``ArticleItem`` or any mapping with its
keys) in batches; each batch is one transaction.  What each item becomes:

=====================  ================================================================
item                   effect
=====================  ================================================================
new URL, status 200    ``articles`` row, ``revisions`` row, ``captures`` row (``response``)
known, content differs ``revisions`` + ``response`` capture; the row takes the new state,
                       ``revision_count`` + 1 (stat ``changed``)
known, same content    ``revisit`` capture; only ``last_seen_at`` (and ``last_status``,
                       ``etag``, ``last_modified``, ``gone_at`` cleared) move
status 304             ``not-modified`` capture; as above
status 404 / 410       ``gone`` capture; ``gone_at`` set (kept on later 404s), nothing removed
=====================  ================================================================

"Content" is the hash of title, published_at and body_text.  Raw bodies are
stored once per sha256 digest, zlib-compressed.  A revisit whose bytes differ
from every stored body (a view counter in the page chrome moved) keeps its
status and headers but not the bytes: its capture has ``body_digest`` NULL.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlite_utils
from itemadapter import ItemAdapter

from civicnews.archive.checkpoint import WalCheckpointer, database_file
from civicnews.archive.db import write_transaction
from civicnews.archive.files import write_files
from civicnews.archive.hashes import body_digest, content_hash, text_hash
from civicnews.archive.migrations.m005_search import index_new_rows
from civicnews.items import GONE_STATUSES, NOT_MODIFIED, STATUS_ONLY
from civicnews.urls import article_identity

#: Bodies shorter than this are too generic ("Xem file đính kèm.") to call two
#: articles the same text; they get a text_hash but no duplicate_of link.
DUPLICATE_MIN_CHARS = 200
# Level 3: within 6% of level 6 on portal pages at two thirds of its CPU time.
DEFAULT_COMPRESS_LEVEL = 3
#: Raw bodies per compression task: small enough that the pool starts while the
#: batch is still being read, large enough that task overhead does not count.
COMPRESS_CHUNK = 50

_COLUMNS = (
    "portal", "title", "published_at", "published_raw", "date_source", "author",
    "body_text", "sapo", "category", "tags", "images", "attachments", "source", "extractor",
    "fetched_url", "posted_by", "rules",
)  # fmt: skip
_JSON = ("tags", "images", "attachments")
_REVISION_COLUMNS = ("title", "published_at", "published_raw", "author", "sapo", "body_text")


@dataclass
class WriteResult:
    """What one batch did, for stats."""

    new: int = 0
    known: int = 0
    changed: int = 0
    gone: int = 0
    gone_unknown: int = 0
    not_modified: int = 0

    def add(self, other: WriteResult) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _State:
    """An article as this batch knows it (from the archive or from earlier items)."""

    url: str
    content_hash: str
    revision_count: int
    in_db: bool
    pending: dict[str, Any] | None = None  # the row to INSERT, for articles new in this batch


@dataclass
class _Batch:
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


class ArchiveWriter:
    """Stores batches of fetched items in an open archive (see the module docstring)."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        compress_level: int = DEFAULT_COMPRESS_LEVEL,
        duplicate_min_chars: int = DUPLICATE_MIN_CHARS,
        background_checkpoint: bool = True,
    ):
        self.db = db
        self.conn = db.conn
        self.compress_level = compress_level
        self.duplicate_min_chars = duplicate_min_chars
        self.checkpointer: WalCheckpointer | None = None
        path = database_file(self.conn)
        if background_checkpoint and path:
            # Commits stop checkpointing themselves; see civicnews.archive.checkpoint.
            self.conn.execute("PRAGMA wal_autocheckpoint = 0")
            self.checkpointer = WalCheckpointer(path)

    def close(self) -> None:
        """Stop the background checkpoint; the connection checkpoints on commit again."""
        if self.checkpointer is not None:
            self.checkpointer.close()
            self.checkpointer = None
            self.conn.execute("PRAGMA wal_autocheckpoint = 1000")

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, items: Iterable[Any]) -> WriteResult:
        """Store ``items`` in one transaction; on any error nothing of the batch stays."""
        records = [_record(ItemAdapter(item)) for item in items]
        if not records:
            return WriteResult()
        if self.checkpointer is not None:
            self.checkpointer.pace()
        # zlib and SQLite both release the GIL: pages compress on the second
        # core while this thread hashes, inserts and indexes the batch.
        with ThreadPoolExecutor(max_workers=2) as pool, write_transaction(self.conn):
            result = self._write(records, pool)
        if self.checkpointer is not None:
            self.checkpointer.request()
        return result

    # -- one batch --------------------------------------------------------------------------

    def _write(self, records: list[dict[str, Any]], pool: ThreadPoolExecutor) -> WriteResult:
        result = WriteResult()
        states = self._load_states(records)
        digests = self._known_digests(records)
        first_by_hash = self._first_by_hash(records)
        next_capture = self.conn.execute("SELECT coalesce(max(id), 0) FROM captures").fetchone()[0]
        batch = _Batch()
        for rec in records:
            status = rec["status"]
            state = states.get(rec["url"])
            if state is None and rec["identity"]:
                state = states.get(("id", rec["identity"]))
            if state is None and status in STATUS_ONLY:
                state = states.get(("fetched", rec["fetched_url"]))
            if status in STATUS_ONLY and state is None:
                result.gone_unknown += status in GONE_STATUSES
                continue
            next_capture += 1
            capture_id = next_capture
            kind = "response"
            if status in GONE_STATUSES:
                kind = "gone"
            elif status == NOT_MODIFIED:
                kind = "not-modified"
            elif state is not None and state.content_hash == rec["content_hash"]:
                kind = "revisit"
            digest = None
            body = rec["body"]
            if body and status != NOT_MODIFIED:
                digest = rec["digest"]
                if digest not in digests:
                    if kind == "revisit":
                        digest = None  # same content, other chrome bytes: not kept
                    else:
                        batch.to_compress.append((digest, body))
                        digests.add(digest)
                        if len(batch.to_compress) == COMPRESS_CHUNK:
                            self._compress(batch, pool)
            if state is None:
                state = self._new_article(rec, first_by_hash, batch)
                states[rec["url"]] = state
                if rec["identity"]:
                    states[("id", rec["identity"])] = state
                result.new += 1
            else:
                self._known_article(rec, state, kind, first_by_hash, batch, result)
            url = state.url
            batch.captures.append(
                (
                    capture_id, url, rec["fetched_url"], rec["fetched_at"], status,
                    rec["request_headers"], rec["response_headers"], digest, kind,
                )
            )  # fmt: skip
            if kind == "response":
                batch.revisions.append(
                    (url, rec["fetched_at"], rec["content_hash"])
                    + tuple(rec["row"][c] for c in _REVISION_COLUMNS)
                    + (capture_id,)
                )
            if kind in ("response", "revisit"):
                batch.touched.add(url)
                if rec["files"]:
                    batch.files.append((url, rec["row"]["portal"], rec["fetched_at"], rec["files"]))
                for seen_url in {rec["fetched_url"], rec["url"]}:
                    if seen_url:
                        batch.urls.append((seen_url, url, rec["fetched_at"]))
                for link in rec["related"]:
                    batch.related.append(
                        (url, link["to_url"], link["title"], link["date_raw"], rec["fetched_at"],
                         link["linked_url"])
                    )  # fmt: skip
        self._compress(batch, pool)
        self._flush(batch)
        if batch.files:
            write_files(self.conn, batch.files, self.compress_level)
        return result

    def _compress(self, batch: _Batch, pool: ThreadPoolExecutor) -> None:
        """Hand the bodies collected so far to the pool as one task."""
        if batch.to_compress:
            chunk, batch.to_compress = batch.to_compress, []
            task = pool.submit(_compress_all, [body for _, body in chunk], self.compress_level)
            batch.raw.append(([(digest, len(body)) for digest, body in chunk], task))

    def _new_article(
        self, rec: dict[str, Any], first_by_hash: dict[str, str], batch: _Batch
    ) -> _State:
        row = dict(rec["row"])
        row.update(
            url=rec["url"],
            content_hash=rec["content_hash"],
            first_seen_at=rec["fetched_at"],
            last_seen_at=rec["fetched_at"],
            revision_count=1,
            text_hash=rec["text_hash"],
            duplicate_of=self._duplicate_of(rec, rec["url"], first_by_hash),
            last_status=rec["status"],
            etag=rec["etag"],
            last_modified=rec["last_modified"],
            gone_at=None,
        )
        batch.inserts[rec["url"]] = row
        if rec["identity"]:
            batch.identities.append((rec["identity"], rec["url"]))
        return _State(rec["url"], rec["content_hash"], 1, in_db=False, pending=row)

    def _known_article(
        self,
        rec: dict[str, Any],
        state: _State,
        kind: str,
        first_by_hash: dict[str, str],
        batch: _Batch,
        result: WriteResult,
    ) -> None:
        url = state.url
        if kind == "gone":
            result.gone += 1
            if state.pending is not None:
                state.pending.update(gone_at=rec["fetched_at"], last_status=rec["status"])
            else:
                batch.gone.append((rec["fetched_at"], rec["status"], url))
            return
        result.known += 1
        seen = dict(
            last_seen_at=rec["fetched_at"],
            last_status=rec["status"],
            etag=rec["etag"],
            last_modified=rec["last_modified"],
            gone_at=None,
        )
        if kind == "not-modified":
            result.not_modified += 1
            # A 304 carries no new validators more often than not: keep the stored ones.
            seen = {k: v for k, v in seen.items() if v is not None or k == "gone_at"}
        if kind == "response":
            result.changed += 1
            state.revision_count += 1
            state.content_hash = rec["content_hash"]
            update = dict(rec["row"])
            update.update(
                seen,
                content_hash=rec["content_hash"],
                revision_count=state.revision_count,
                text_hash=rec["text_hash"],
                duplicate_of=self._duplicate_of(rec, url, first_by_hash),
            )
        else:
            update = seen
        if state.pending is not None:
            state.pending.update(update)
        elif kind == "response":
            batch.changed.setdefault(url, {}).update(update)
            batch.seen.pop(url, None)
        elif url in batch.changed:
            batch.changed[url].update(update)
        else:
            batch.seen[url] = update

    def _duplicate_of(self, rec: dict[str, Any], url: str, first_by_hash: dict[str, str]):
        if len(rec["row"]["body_text"] or "") < self.duplicate_min_chars:
            return None
        first = first_by_hash.setdefault(rec["text_hash"], url)
        return first if first != url else None

    # -- reads before the batch -------------------------------------------------------------

    def _load_states(self, records: list[dict[str, Any]]) -> dict[Any, _State]:
        conn = self.conn
        states: dict[Any, _State] = {}

        def load(urls: Iterable[str]) -> dict[str, _State]:
            found = {}
            for url, chash, count in conn.execute(
                "SELECT url, content_hash, revision_count FROM articles "
                "WHERE url IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(set(urls))),),
            ):
                found[url] = _State(url, chash or "", count or 0, in_db=True)
            return found

        states.update(load(r["url"] for r in records))
        identities = {r["identity"] for r in records if r["identity"]}
        if identities:
            alias = dict(
                conn.execute(
                    "SELECT identity, article_url FROM article_ids "
                    "WHERE identity IN (SELECT value FROM json_each(?))",
                    (json.dumps(sorted(identities)),),
                ).fetchall()
            )
            by_url = load(alias.values())
            for identity, url in alias.items():
                if url in by_url:
                    states[("id", identity)] = by_url[url]
        fetched = {r["fetched_url"] for r in records if r["status"] in STATUS_ONLY}
        if fetched:
            alias = dict(
                conn.execute(
                    "SELECT url, article_url FROM article_urls "
                    "WHERE url IN (SELECT value FROM json_each(?))",
                    (json.dumps(sorted(fetched)),),
                ).fetchall()
            )
            by_url = load(alias.values())
            for fetched_url, url in alias.items():
                if url in by_url:
                    states[("fetched", fetched_url)] = states.get(url, by_url[url])
        return states

    def _known_digests(self, records: list[dict[str, Any]]) -> set[str]:
        digests = {r["digest"] for r in records if r["digest"]}
        if not digests:
            return set()
        return {
            d
            for (d,) in self.conn.execute(
                "SELECT digest FROM raw_bodies WHERE digest IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(digests)),),
            )
        }

    def _first_by_hash(self, records: list[dict[str, Any]]) -> dict[str, str]:
        hashes = {r["text_hash"] for r in records if r["text_hash"]}
        first: dict[str, str] = {}
        if not hashes:
            return first
        # The earliest row with this text, pointing at its own original if it has one.
        for thash, url in self.conn.execute(
            "SELECT text_hash, coalesce(duplicate_of, url) FROM articles "
            "WHERE text_hash IN (SELECT value FROM json_each(?)) "
            "ORDER BY first_seen_at DESC, rowid DESC",
            (json.dumps(sorted(hashes)),),
        ):
            first[thash] = url  # descending order: the earliest is written last
        return first

    # -- writes -----------------------------------------------------------------------------

    def _flush(self, b: _Batch) -> None:
        conn = self.conn
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
                "INSERT OR IGNORE INTO article_urls (url, article_url, first_seen_at) "
                "VALUES (?, ?, ?)",
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
                + ", ".join(_REVISION_COLUMNS)
                + ", capture_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                b.revisions,
            )


def _compress_all(bodies: list[bytes], level: int) -> list[bytes]:
    return [zlib.compress(body, level) for body in bodies]


def _record(adapter: ItemAdapter) -> dict[str, Any]:
    """The item as plain values: the article row, hashes, raw capture fields."""
    row = {k: adapter.get(k) for k in _COLUMNS}
    for key in _JSON:
        row[key] = json.dumps(row[key], ensure_ascii=False) if row[key] else "[]"
    row["rules"] = json.dumps(row["rules"], ensure_ascii=False) if row["rules"] else None
    row["body_text"] = row["body_text"] or ""
    fetched_at = adapter.get("fetched_at") or datetime.now(UTC).isoformat(timespec="seconds")
    url = adapter.get("url")
    body = adapter.get("response_body") or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = adapter.get("response_headers") or {}
    status = int(adapter.get("status") or 200)
    related = []
    for link in adapter.get("related") or ():
        if link.get("url"):
            related.append(
                {
                    "to_url": link["url"],
                    "linked_url": link.get("linked_url"),
                    "title": link.get("title"),
                    "date_raw": link.get("date_raw"),
                }
            )
    return {
        "url": url,
        "fetched_url": adapter.get("fetched_url") or url,
        "fetched_at": fetched_at,
        "status": status,
        "identity": article_identity(url) if url else None,
        "row": row,
        "content_hash": content_hash(row),
        "text_hash": text_hash(row["body_text"]) if status not in STATUS_ONLY else None,
        "body": body,
        "digest": body_digest(body) if body else None,
        "response_headers": json.dumps(headers, ensure_ascii=False),
        "request_headers": json.dumps(adapter.get("request_headers") or {}, ensure_ascii=False),
        "etag": _header(headers, "etag"),
        "last_modified": _header(headers, "last-modified"),
        "related": related,
        # Attachments and images fetched for this article (civicnews.archive.files).
        "files": adapter.get("files") or [],
    }


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, values in headers.items():
        if key.lower() == name:
            if isinstance(values, (list, tuple)):
                return values[0] if values else None
            return values
    return None
