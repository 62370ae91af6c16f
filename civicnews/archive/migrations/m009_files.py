"""Version 9: the files articles link (attachments, body links to documents, images).

Tables (the interface other code builds on; see README "Attachments and images"):

- ``file_bodies``: the bytes of each distinct file content, exactly as served
  (after HTTP decompression), stored once per digest whatever URL, article or
  portal it came from.  ``digest`` (``sha256:<hex>`` of the bytes, PRIMARY KEY),
  ``size`` (bytes), ``compression`` (``zlib`` or ``none``: PDFs, DOCX and XLSX
  are compressed already and are kept as they are), ``data`` (BLOB).  Read the
  bytes with :func:`civicnews.archive.files.read_file_body`.
- ``files``: one row per file URL, its latest state (like ``articles``):
  ``id``, ``url`` (absolute URL as linked, fragment dropped: the file's
  identity, UNIQUE), ``final_url`` (where the bytes came from after redirects),
  ``portal`` (of the first article that linked it), ``kind`` (``document`` or
  ``image``), ``digest`` (current version's bytes in ``file_bodies``; NULL when
  none are stored), ``size`` (bytes of the current version; for a file over the
  size cap its announced Content-Length, or NULL), ``type`` (media type from
  Content-Type, lower-case, no parameters), ``status`` (HTTP status of the latest
  answer), ``headers`` (JSON: name -> list of values, latest answer),
  ``fetched_at`` (when the current version was first fetched), ``first_seen_at``,
  ``last_seen_at`` (latest answer), ``gone_at`` (a later fetch answered 404/410;
  NULL again after a 200), ``etag``, ``last_modified`` (for conditional refetch),
  ``problem`` (why no bytes are stored: ``too-large``, ``type``, ``http``,
  ``timeout``, ``robots``, ``offsite-redirect``...; NULL when stored),
  ``version_count``.
- ``file_versions``: one row per distinct content fetched at a file URL (like
  ``revisions``; a changed file is a new version, the old one kept): ``id``,
  ``file_id``, ``fetched_at``, ``url`` (final URL), ``status``, ``headers``,
  ``digest``, ``size``, ``type``.
- ``article_files``: which article linked which file under which name:
  ``article_url``, ``file_url`` (= ``files.url``), ``name`` (link text or the
  parser's attachment name), ``url`` (the href as written in the page),
  ``source`` (``attachment``: a document link of the body, as the parser's
  attachment list has it; ``image``: a body image), ``first_seen_at``.

Text extraction and document metadata (m010) key on ``file_bodies.digest``.
"""

import sqlite3

from civicnews.archive.migrations import run_script


def apply(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE file_bodies (
            digest TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            compression TEXT NOT NULL DEFAULT 'none',
            data BLOB NOT NULL
        );

        CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            final_url TEXT,
            portal TEXT,
            kind TEXT NOT NULL DEFAULT 'document',
            digest TEXT,
            size INTEGER,
            type TEXT,
            status INTEGER,
            headers TEXT NOT NULL DEFAULT '{}',
            fetched_at TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            gone_at TEXT,
            etag TEXT,
            last_modified TEXT,
            problem TEXT,
            version_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX files_digest ON files (digest);

        CREATE TABLE file_versions (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES files (id),
            fetched_at TEXT NOT NULL,
            url TEXT NOT NULL,
            status INTEGER NOT NULL,
            headers TEXT NOT NULL DEFAULT '{}',
            digest TEXT NOT NULL,
            size INTEGER NOT NULL,
            type TEXT
        );
        CREATE INDEX file_versions_file ON file_versions (file_id, fetched_at);
        CREATE INDEX file_versions_digest ON file_versions (digest);

        CREATE TABLE article_files (
            article_url TEXT NOT NULL REFERENCES articles (url),
            file_url TEXT NOT NULL,
            name TEXT,
            url TEXT NOT NULL,
            source TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            PRIMARY KEY (article_url, file_url)
        );
        CREATE INDEX article_files_file ON article_files (file_url);
        """,
    )
