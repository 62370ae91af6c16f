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

Each item becomes plain values first (:mod:`civicnews.archive.records`); the rows a batch
collects are written by :mod:`civicnews.archive.batch`.  This module decides what each item
becomes, against what the archive and the batch's earlier items already hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from itemadapter import ItemAdapter

from civicnews.archive.batch import Batch, compress_all, flush
from civicnews.archive.checkpoint import WalCheckpointer, database_file
from civicnews.archive.db import write_transaction
from civicnews.archive.files import write_files
from civicnews.archive.records import item_record
from civicnews.archive.schema import REVISION_COLUMNS
from civicnews.items import GONE_STATUSES, NOT_MODIFIED, STATUS_ONLY

#: Bodies shorter than this are too generic ("Xem file đính kèm.") to call two
#: articles the same text; they get a text_hash but no duplicate_of link.
DUPLICATE_MIN_CHARS = 200
# Level 3: within 6% of level 6 on portal pages at two thirds of its CPU time.
DEFAULT_COMPRESS_LEVEL = 3
#: Raw bodies per compression task: small enough that the pool starts while the
#: batch is still being read, large enough that task overhead does not count.
COMPRESS_CHUNK = 50


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
        records = [item_record(ItemAdapter(item)) for item in items]
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
        batch = Batch()
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
                    + tuple(rec["row"][c] for c in REVISION_COLUMNS)
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
        flush(self.conn, batch)
        if batch.files:
            write_files(self.conn, batch.files, self.compress_level)
        return result

    def _compress(self, batch: Batch, pool: ThreadPoolExecutor) -> None:
        """Hand the bodies collected so far to the pool as one task."""
        if batch.to_compress:
            chunk, batch.to_compress = batch.to_compress, []
            task = pool.submit(compress_all, [body for _, body in chunk], self.compress_level)
            batch.raw.append(([(digest, len(body)) for digest, body in chunk], task))

    def _new_article(
        self, rec: dict[str, Any], first_by_hash: dict[str, str], batch: Batch
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
        batch: Batch,
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
