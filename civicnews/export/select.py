"""What an export contains: a streaming reader over the archive, for the selection's filters.

Every format reads the archive through :class:`ArchiveReader`, so they all agree on which
articles are selected (the filters: :mod:`civicnews.export.filters`), in which order (portal,
published_at, url) and, with ``as_of``, on what the archive held at that moment:

- an article first seen after ``as_of`` is left out;
- its title, dates, author, sapo, body and content hash come from its latest revision fetched
  at or before ``as_of``; ``revision_count``, ``last_seen_at``, ``last_status``, ``gone_at``,
  ``etag`` and ``last_modified`` are recomputed from the revisions and captures up to then;
- its URLs, related links, revisions and captures are those first seen at or before ``as_of``.

Other article columns (category, tags, images...) are not versioned and keep their current value.

Times are compared with SQLite's ``julianday``, so ``...Z`` and ``...+00:00`` spellings of the
same instant compare equal.  The whole export reads one snapshot of the archive (a read
transaction), so a crawl writing at the same time cannot make it inconsistent.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civicnews.archive import ArchiveError
from civicnews.archive.db import archive_uri, open_readonly, schema_version
from civicnews.archive.hashes import text_hash
from civicnews.archive.schema import REVISION_COLUMNS
from civicnews.export.errors import ExportError
from civicnews.export.filters import Filters


@dataclass
class Capture:
    id: int
    url: str
    fetched_at: str
    status: int
    request_headers: list[tuple[str, str]]
    response_headers: list[tuple[str, str]]
    body_digest: str | None
    kind: str


def headers_list(raw: str | None) -> list[tuple[str, str]]:
    """Stored headers ``{name: [values]}`` as (name, value) pairs in stored order."""
    data = json.loads(raw or "{}")
    pairs = []
    for name, values in data.items():
        for value in values if isinstance(values, list) else [values]:
            pairs.append((name, str(value)))
    return pairs


def header(pairs: list[tuple[str, str]], name: str) -> str | None:
    name = name.lower()
    for key, value in pairs:
        if key.lower() == name:
            return value
    return None


class ArchiveReader:
    """Streams the selected articles and their parts out of one snapshot of an archive."""

    def __init__(self, db_path: str | Path, filters: Filters) -> None:
        self.path = Path(db_path)
        self.filters = filters
        self.conn = _open(self.path)
        self.conn.row_factory = sqlite3.Row
        self.schema_version = schema_version(self.conn)
        # One read transaction for the whole export: a consistent snapshot under WAL.
        self.conn.execute("BEGIN")
        self.columns = [r[1] for r in self.conn.execute("PRAGMA table_info(articles)")]

    def attach(self, path: Path, alias: str) -> None:
        """Attach a database to write into, reading and writing in the same snapshot."""
        self.conn.execute("COMMIT")
        self.conn.execute(f"ATTACH ? AS {alias}", (archive_uri(path, mode="rw"),))
        self.conn.execute("BEGIN")

    def close(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")
        self.conn.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- articles -------------------------------------------------------------------------------

    def _where(self, published: str) -> tuple[list[str], list[Any]]:
        f, where, params = self.filters, [], []
        if f.portals:
            where.append(f"a.portal IN ({','.join('?' * len(f.portals))})")
            params.extend(f.portals)
        if f.since:
            where.append(f"substr({published}, 1, 10) >= ?")
            params.append(f.since)
        if f.until:
            where.append(f"substr({published}, 1, 10) <= ?")
            params.append(f.until)
        return where, params

    def _query(self) -> tuple[str, list[Any]]:
        if not self.filters.as_of:
            where, params = self._where("a.published_at")
            sql = (
                "SELECT a.* FROM articles a"
                + (" WHERE " + " AND ".join(where) if where else "")
                + " ORDER BY a.portal, a.published_at, a.url"
            )
            return sql, params
        rev = ", ".join(f"r.{c} AS _r_{c}" for c in (*REVISION_COLUMNS, "content_hash"))
        where, params = self._where("r.published_at")
        where.insert(0, "julianday(a.first_seen_at) <= julianday(:as_of)")
        sql = (
            f"SELECT a.*, r.id AS _rev_id, {rev} FROM articles a JOIN revisions r ON r.id = ("
            "SELECT r2.id FROM revisions r2 WHERE r2.article_url = a.url"
            " AND julianday(r2.fetched_at) <= julianday(:as_of)"
            " ORDER BY julianday(r2.fetched_at) DESC, r2.id DESC LIMIT 1)"
            " WHERE " + " AND ".join(where) + " ORDER BY a.portal, r.published_at, a.url"
        )
        # Mix named and positional parameters safely: number them all.
        return _number(sql), [self.filters.as_of, self.filters.as_of, *params]

    def articles(self) -> Iterator[dict[str, Any]]:
        """Selected articles as dicts (article columns in table order), in export order."""
        sql, params = self._query()
        for row in self._cursor().execute(sql, params):
            article = {c: row[c] for c in self.columns}
            if self.filters.as_of:
                self._apply_as_of(article, row)
            yield article

    def _apply_as_of(self, article: dict[str, Any], row: sqlite3.Row) -> None:
        as_of = self.filters.as_of
        for c in REVISION_COLUMNS:
            article[c] = row[f"_r_{c}"]
        article["content_hash"] = row["_r_content_hash"]
        if "text_hash" in article:
            article["text_hash"] = text_hash(article["body_text"] or "")
        url = article["url"]
        (count,) = self.conn.execute(
            "SELECT count(*) FROM revisions WHERE article_url = ? "
            "AND julianday(fetched_at) <= julianday(?)",
            (url, as_of),
        ).fetchone()
        article["revision_count"] = count
        last = self.conn.execute(
            "SELECT fetched_at, status, response_headers FROM captures WHERE article_url = ? "
            "AND julianday(fetched_at) <= julianday(?) "
            "ORDER BY julianday(fetched_at) DESC, id DESC LIMIT 1",
            (url, as_of),
        ).fetchone()
        if last is not None:
            pairs = headers_list(last["response_headers"])
            article["last_seen_at"] = last["fetched_at"]
            article["last_status"] = last["status"]
            article["etag"] = header(pairs, "ETag")
            article["last_modified"] = header(pairs, "Last-Modified")
        else:  # an article migrated from v1 has revisions but no captures
            (seen,) = self.conn.execute(
                "SELECT max(fetched_at) FROM revisions WHERE article_url = ? "
                "AND julianday(fetched_at) <= julianday(?)",
                (url, as_of),
            ).fetchone()
            article["last_seen_at"] = seen or article["first_seen_at"]
        gone = article.get("gone_at")
        if gone and _after(self.conn, gone, as_of):
            article["gone_at"] = None

    def _cursor(self) -> sqlite3.Cursor:
        return self.conn.cursor()

    # -- parts of one article -------------------------------------------------------------------

    def _as_of_clause(self, column: str) -> tuple[str, tuple]:
        if self.filters.as_of:
            return f" AND julianday({column}) <= julianday(?)", (self.filters.as_of,)
        return "", ()

    def urls(self, article_url: str) -> list[str]:
        """Every URL the article was seen under, sorted."""
        extra, params = self._as_of_clause("first_seen_at")
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT url FROM article_urls WHERE article_url = ?" + extra + " ORDER BY url",
                (article_url, *params),
            )
        ]

    def related(self, article_url: str) -> list[dict[str, Any]]:
        """The article's related-block links, sorted by target URL."""
        extra, params = self._as_of_clause("first_seen_at")
        return [
            {"url": r[0], "title": r[1], "date_raw": r[2]}
            for r in self.conn.execute(
                "SELECT to_url, title, date_raw FROM related_links WHERE from_url = ?"
                + extra
                + " ORDER BY to_url",
                (article_url, *params),
            )
        ]

    def revisions(self, article_url: str) -> list[dict[str, Any]]:
        """Every revision up to ``as_of``, oldest first, numbered from 1."""
        extra, params = self._as_of_clause("fetched_at")
        rows = self.conn.execute(
            "SELECT fetched_at, content_hash, title, published_at, published_raw, author, sapo, "
            "body_text FROM revisions WHERE article_url = ?"
            + extra
            + " ORDER BY julianday(fetched_at), id",
            (article_url, *params),
        )
        return [{"revision": i, **dict(r)} for i, r in enumerate(rows, 1)]

    def captures(self, article_url: str) -> list[Capture]:
        """The captures to write for an article.

        With ``with_revisions``: every capture up to ``as_of``, oldest first.  Otherwise only
        the latest capture that carries a body (a ``response`` or ``revisit``), so the snapshot
        shows the page as last seen with content.
        """
        extra, params = self._as_of_clause("fetched_at")
        sql = (
            "SELECT id, url, fetched_at, status, request_headers, response_headers, body_digest, "
            "kind FROM captures WHERE article_url = ?" + extra
        )
        if self.filters.with_revisions:
            sql += " ORDER BY julianday(fetched_at), id"
        else:
            sql += (
                " AND body_digest IS NOT NULL AND kind IN ('response', 'revisit')"
                " ORDER BY julianday(fetched_at) DESC, id DESC LIMIT 1"
            )
        return [
            Capture(
                id=r["id"],
                url=r["url"],
                fetched_at=r["fetched_at"],
                status=r["status"],
                request_headers=headers_list(r["request_headers"]),
                response_headers=headers_list(r["response_headers"]),
                body_digest=r["body_digest"],
                kind=r["kind"],
            )
            for r in self.conn.execute(sql, (article_url, *params))
        ]

    def files(self, article_url: str) -> list[dict[str, Any]]:
        """The files the article links (up to ``as_of``), sorted by URL, each with the version
        current then: digest, size, type, HTTP status, fetch time, text status and metadata.

        A file whose bytes were not stored (over the size cap...) has ``digest`` None and its
        ``problem``; one not fetched by then has ``status`` None.
        """
        extra, params = self._as_of_clause("af.first_seen_at")
        version_upto, version_params = self._as_of_clause("v.fetched_at")
        rows = self.conn.execute(
            "SELECT af.file_url AS url, af.name, af.source, f.kind, f.final_url, f.problem, "
            "f.gone_at, v.digest, coalesce(v.size, f.size) AS size, coalesce(v.type, f.type) "
            "AS type, coalesce(v.status, f.status) AS status, v.fetched_at, "
            "t.status AS text_status, t.doc_number, t.doc_type, t.doc_issuer, t.doc_date "
            "FROM article_files af JOIN files f ON f.url = af.file_url "
            "LEFT JOIN file_versions v ON v.id = (SELECT v.id FROM file_versions v "
            "WHERE v.file_id = f.id" + version_upto
            + " ORDER BY julianday(v.fetched_at) DESC, v.id DESC LIMIT 1) "
            "LEFT JOIN file_texts t ON t.digest = v.digest "
            "WHERE af.article_url = ?" + extra + " ORDER BY af.file_url",
            (*version_params, article_url, *params),
        )
        files = [dict(r) for r in rows]
        if self.filters.as_of:
            for entry in files:
                if entry["gone_at"] and _after(self.conn, entry["gone_at"], self.filters.as_of):
                    entry["gone_at"] = None
        return files

    def file_versions(self, file_url: str) -> list[dict[str, Any]]:
        """Stored versions of a file to write as records: every one up to ``as_of`` with
        ``with_revisions``, else the latest; oldest first."""
        extra, params = self._as_of_clause("v.fetched_at")
        sql = (
            "SELECT v.id, v.fetched_at, v.url AS final_url, v.status, v.headers, v.digest, "
            "v.size, v.type FROM file_versions v JOIN files f ON f.id = v.file_id "
            "WHERE f.url = ?" + extra + " ORDER BY julianday(v.fetched_at), v.id"
        )
        versions = [dict(r) for r in self.conn.execute(sql, (file_url, *params))]
        return versions if self.filters.with_revisions else versions[-1:]

    def file_body(self, digest: str) -> bytes:
        """A stored file's bytes exactly as served."""
        from civicnews.archive.files import read_file_body

        try:
            data = read_file_body(self.conn, digest)
        except zlib.error:
            raise ExportError(f"archive {self.path}: file {digest} is corrupt") from None
        if data is None:
            raise ExportError(f"archive {self.path}: file {digest} is missing")
        return data

    def body(self, digest: str) -> bytes:
        """The raw response body stored under ``digest``, uncompressed."""
        row = self.conn.execute(
            "SELECT compression, data FROM raw_bodies WHERE digest = ?", (digest,)
        ).fetchone()
        if row is None:
            raise ExportError(f"archive {self.path}: raw body {digest} is missing")
        compression, data = row
        if compression == "zlib":
            try:
                return zlib.decompress(data)
            except zlib.error:
                raise ExportError(f"archive {self.path}: raw body {digest} is corrupt") from None
        if compression in ("", "none", "identity"):
            return bytes(data)
        raise ExportError(f"archive {self.path}: raw body {digest} uses unknown {compression!r}")

    # -- archive-level facts --------------------------------------------------------------------

    def latest_capture_time(self) -> str | None:
        """Latest capture time of the selected portals (up to ``as_of``)."""
        sql = "SELECT c.fetched_at FROM captures c JOIN articles a ON a.url = c.article_url"
        where, params = [], []
        if self.filters.portals:
            where.append(f"a.portal IN ({','.join('?' * len(self.filters.portals))})")
            params.extend(self.filters.portals)
        if self.filters.as_of:
            where.append("julianday(c.fetched_at) <= julianday(?)")
            params.append(self.filters.as_of)
        sql += " WHERE " + " AND ".join(where) if where else ""
        sql += " ORDER BY julianday(c.fetched_at) DESC LIMIT 1"
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def crawl_runs(self) -> list[dict[str, Any]] | None:
        """Rows of ``crawl_runs`` covering the selection, or None when the table is absent.

        Rows are filtered on the portals crawled (a ``portals`` JSON list, or a ``portal``
        column) and on ``started_at`` when those columns exist.
        """
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master")}
        if "crawl_runs" not in tables:
            return None
        cols = [r[1] for r in self.conn.execute("PRAGMA table_info(crawl_runs)")]
        where, params = [], []
        marks = ",".join("?" * len(self.filters.portals))
        if self.filters.portals and "portals" in cols:
            where.append(f"EXISTS (SELECT 1 FROM json_each(portals) WHERE value IN ({marks}))")
            params.extend(self.filters.portals)
        elif self.filters.portals and "portal" in cols:
            where.append(f"portal IN ({marks})")
            params.extend(self.filters.portals)
        if self.filters.as_of and "started_at" in cols:
            where.append("julianday(started_at) <= julianday(?)")
            params.append(self.filters.as_of)
        sql = "SELECT * FROM crawl_runs" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY rowid"
        return [dict(r) for r in self.conn.execute(sql, params)]


def _number(sql: str) -> str:
    return sql.replace(":as_of", "?")


def _after(conn: sqlite3.Connection, a: str, b: str) -> bool:
    return bool(conn.execute("SELECT julianday(?) > julianday(?)", (a, b)).fetchone()[0])


def _open(path: Path) -> sqlite3.Connection:
    """Open the archive read-only (:func:`civicnews.archive.db.open_readonly`): an export
    never writes to it, so it works from read-only files and media too."""
    try:
        return open_readonly(path)
    except ArchiveError as exc:
        raise ExportError(str(exc)) from None
