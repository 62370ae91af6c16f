"""Write archive rows directly, in the v2 schema, the way a crawl stores them.

For the export tests and ``bench/export.py``: they need archives with revisions, captures and
raw bodies of a known shape without running a crawl.  ``replica_archive`` fills one from the
replica portal's deterministic content (real Liferay markup as the bytes of each capture).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterable
from pathlib import Path

from civicnews.archive import connect
from civicnews.archive.migrations.m002_revisions import text_hash

HTML = "text/html; charset=utf-8"
REQUEST_HEADERS = {"User-Agent": ["civicnews/0.1 (+archive)"], "Accept": ["text/html"]}


def content_hash(title: str | None, published_at: str | None, body_text: str | None) -> str:
    """Same definition as the store pipeline's: title, date and body."""
    text = "\x1f".join(str(v or "") for v in (title, published_at, body_text))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add_body(conn: sqlite3.Connection, body: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    conn.execute(
        "INSERT OR IGNORE INTO raw_bodies (digest, size, compression, data) "
        "VALUES (?, ?, 'zlib', ?)",
        (digest, len(body), zlib.compress(body)),
    )
    return digest


def add_capture(
    conn: sqlite3.Connection,
    article_url: str,
    fetched_at: str,
    body: bytes | None,
    *,
    url: str | None = None,
    status: int = 200,
    kind: str = "response",
    response_headers: dict[str, list[str]] | None = None,
    request_headers: dict[str, list[str]] | None = None,
) -> int:
    digest = add_body(conn, body) if body is not None else None
    headers = response_headers if response_headers is not None else {"Content-Type": [HTML]}
    cur = conn.execute(
        "INSERT INTO captures (article_url, url, fetched_at, status, request_headers, "
        "response_headers, body_digest, kind) VALUES (?,?,?,?,?,?,?,?)",
        (
            article_url,
            url or article_url,
            fetched_at,
            status,
            json.dumps(request_headers if request_headers is not None else REQUEST_HEADERS),
            json.dumps(headers, ensure_ascii=False),
            digest,
            kind,
        ),
    )
    return cur.lastrowid


def add_revision(
    conn: sqlite3.Connection,
    article_url: str,
    fetched_at: str,
    capture_id: int | None,
    **fields: str | None,
) -> int:
    """A revision; ``fields``: title, published_at, published_raw, author, sapo, body_text."""
    chash = content_hash(fields.get("title"), fields.get("published_at"), fields.get("body_text"))
    cur = conn.execute(
        "INSERT INTO revisions (article_url, fetched_at, content_hash, title, published_at, "
        "published_raw, author, sapo, body_text, capture_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            article_url,
            fetched_at,
            chash,
            fields.get("title"),
            fields.get("published_at"),
            fields.get("published_raw"),
            fields.get("author"),
            fields.get("sapo"),
            fields.get("body_text"),
            capture_id,
        ),
    )
    return cur.lastrowid


def add_article(
    conn: sqlite3.Connection,
    portal: str,
    url: str,
    fetched_at: str,
    html: bytes,
    *,
    title: str | None,
    published_at: str | None,
    body_text: str = "",
    published_raw: str | None = None,
    author: str | None = None,
    sapo: str | None = None,
    category: str | None = None,
    tags: Iterable[str] = (),
    images: Iterable[dict[str, str]] = (),
    urls: Iterable[str] = (),
    related: Iterable[tuple[str, str | None, str | None]] = (),
    response_headers: dict[str, list[str]] | None = None,
) -> int:
    """A first-seen article: its row, a capture of ``html``, its first revision, its URLs and
    related links (``(to_url, title, date_raw)``).  Returns the capture id."""
    fields = dict(
        title=title,
        published_at=published_at,
        published_raw=published_raw,
        author=author,
        sapo=sapo,
        body_text=body_text,
    )
    conn.execute(
        "INSERT INTO articles (url, portal, title, published_at, published_raw, date_source, "
        "author, body_text, sapo, category, tags, images, attachments, source, extractor, "
        "fetched_url, content_hash, first_seen_at, last_seen_at, revision_count, text_hash, "
        "last_status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,200)",
        (
            url,
            portal,
            title,
            published_at,
            published_raw,
            "page" if published_raw else None,
            author,
            body_text,
            sapo,
            category,
            json.dumps(list(tags), ensure_ascii=False),
            json.dumps(list(images), ensure_ascii=False),
            "[]",
            None,
            "liferay",
            url,
            content_hash(title, published_at, body_text),
            fetched_at,
            fetched_at,
            text_hash(body_text),
        ),
    )
    capture = add_capture(conn, url, fetched_at, html, response_headers=response_headers)
    add_revision(conn, url, fetched_at, capture, **fields)
    for alias in {url, *urls}:
        conn.execute(
            "INSERT OR IGNORE INTO article_urls (url, article_url, first_seen_at) VALUES (?,?,?)",
            (alias, url, fetched_at),
        )
    for to_url, rel_title, date_raw in related:
        conn.execute(
            "INSERT OR IGNORE INTO related_links (from_url, to_url, title, date_raw, "
            "first_seen_at) VALUES (?,?,?,?,?)",
            (url, to_url, rel_title, date_raw, fetched_at),
        )
    return capture


def refetch(
    conn: sqlite3.Connection,
    url: str,
    fetched_at: str,
    html: bytes | None,
    **changed: str | None,
) -> int:
    """A later fetch of an archived article.

    Same bytes as its latest capture: a ``revisit`` capture.  New bytes with ``changed``
    fields: a ``response`` capture and a new revision, and the article row updated.
    """
    (previous,) = conn.execute(
        "SELECT body_digest FROM captures WHERE article_url = ? AND body_digest IS NOT NULL "
        "ORDER BY fetched_at DESC, id DESC LIMIT 1",
        (url,),
    ).fetchone()
    digest = "sha256:" + hashlib.sha256(html).hexdigest() if html is not None else None
    if not changed:
        kind = "revisit" if digest == previous else "response"
        capture = add_capture(conn, url, fetched_at, html, kind=kind)
        conn.execute("UPDATE articles SET last_seen_at = ? WHERE url = ?", (fetched_at, url))
        return capture
    capture = add_capture(conn, url, fetched_at, html)
    row = conn.execute(
        "SELECT title, published_at, published_raw, author, sapo, body_text FROM articles "
        "WHERE url = ?",
        (url,),
    ).fetchone()
    fields = dict(
        zip(
            ("title", "published_at", "published_raw", "author", "sapo", "body_text"),
            row,
            strict=True,
        )
    )
    fields.update(changed)
    add_revision(conn, url, fetched_at, capture, **fields)
    sets = ", ".join(f"{k} = ?" for k in fields)
    conn.execute(
        f"UPDATE articles SET {sets}, content_hash = ?, text_hash = ?, last_seen_at = ?, "
        "revision_count = revision_count + 1 WHERE url = ?",
        (
            *fields.values(),
            content_hash(fields["title"], fields["published_at"], fields["body_text"]),
            text_hash(fields["body_text"] or ""),
            fetched_at,
            url,
        ),
    )
    return capture


def replica_archive(
    path: str | Path,
    articles: int,
    *,
    seed: int = 1,
    base_url: str = "https://bactuliem.hanoi.gov.vn",
    portal: str = "bactuliem",
    fetched_at: str = "2024-05-01T10:00:00+00:00",
) -> Path:
    """An archive of ``articles`` replica articles, each with one capture of its real page."""
    from civicnews.replica.content import Corpus
    from civicnews.replica.liferay import LiferayRenderer

    renderer = LiferayRenderer(Corpus(articles=articles, seed=seed))
    db = connect(path)
    conn = db.conn
    conn.execute("BEGIN")
    for key in range(articles):
        truth = renderer.truth(key, base_url)
        page = renderer.handle("GET", renderer.article_path(key), "", {}, b"")
        headers = {k: [v] for k, v in page.headers.items()}
        add_article(
            conn,
            portal,
            truth["url"],
            fetched_at,
            page.body,
            title=truth["title"],
            published_at=truth["published_at"],
            published_raw=truth["published_raw"],
            author=truth["author"],
            body_text=" ".join(truth["body_snippets"]),
            related=[
                (base_url + renderer.article_path(k), renderer.corpus.title(k), None)
                for k in truth["related"]
            ],
            response_headers=headers,
        )
    conn.execute("COMMIT")
    conn.close()
    return Path(path)
