"""SQLite: a filtered copy of the archive with the same schema, usable by civicnews and datasette.

The copy is created by running this civicnews' migrations (same tables, indexes, triggers and
``user_version`` as any archive), attached to the reader's connection and filled inside the
reader's read transaction, so it is one consistent snapshot even while a crawl writes.

What it holds: the selected articles (with ``as_of``, their columns as of then); their
``article_urls`` and ``related_links``; with ``with_revisions`` every revision and capture (up to
``as_of``), otherwise only the selected revision of each article, the capture it points to and the
latest capture with a body; the ``raw_bodies`` of the kept captures; ``crawl_runs`` filtered like
the manifest's; the files the selected articles link (``article_files``, ``files``, their
``file_versions`` up to ``as_of``, ``file_bodies`` and ``file_texts``); another table with an
``article_url`` column keeps the selected articles' rows, any other table is copied whole.
Full-text indexes are rebuilt.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from civicnews.archive import ArchiveError, connect
from civicnews.archive.db import explain
from civicnews.export.errors import EmptySelection, ExportError
from civicnews.export.output import staged
from civicnews.export.records import Progress
from civicnews.export.select import ArchiveReader
from civicnews.export.tally import Tally

OUT = "snap"
#: Tables filled by the selection logic below; any other table is copied whole.
SELECTED = ("articles", "revisions", "captures", "raw_bodies", "article_urls", "related_links",
            "article_files", "files", "file_versions", "file_bodies", "file_texts")  # fmt: skip


def write(reader: ArchiveReader, out: Path, tally: Tally, progress: Progress = None) -> list[Path]:
    with staged(out) as tmp:
        try:
            _create(tmp, out)
            reader.attach(tmp, OUT)
            _fill(reader, tally, progress)
            reader.conn.execute("COMMIT")
            reader.conn.execute(f"DETACH {OUT}")
            reader.conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise ExportError(explain(exc, out)) from None
        if not tally.articles:
            raise EmptySelection("no article matches the filters: nothing exported")
    return [out]


def _create(path: Path, out: Path) -> None:
    """An empty archive at ``path`` (the temp name of ``out``) with the current schema, in
    rollback-journal mode.

    DELETE journal mode makes the snapshot one self-contained file (WAL would need its -wal
    and -shm companions).
    """
    try:
        db = connect(path)
    except ArchiveError as exc:
        # SQLite's companions of the temp file (staged() removes the file itself).
        for suffix in ("-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        # The temp name means nothing to the user: the line names the output asked for.
        raise ExportError(str(exc).replace(str(path), str(out))) from None
    db.conn.execute("PRAGMA journal_mode = DELETE")
    db.conn.close()


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def _fill(reader: ArchiveReader, tally: Tally, progress: Progress) -> None:
    conn, f = reader.conn, reader.filters
    conn.execute("CREATE TEMP TABLE sel (url TEXT PRIMARY KEY)")
    conn.execute("CREATE TEMP TABLE keep_captures (id INTEGER PRIMARY KEY)")
    cols = [c for c in reader.columns if c in _columns(conn, OUT, "articles")]
    insert = f"INSERT INTO {OUT}.articles ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    for article in reader.articles():
        tally.add(article)
        conn.execute(insert, [article[c] for c in cols])
        conn.execute("INSERT INTO sel (url) VALUES (?)", (article["url"],))
        for capture in reader.captures(article["url"]):
            conn.execute("INSERT OR IGNORE INTO keep_captures (id) VALUES (?)", (capture.id,))
        if progress:
            progress(tally.articles)
    as_of = f.as_of

    def upto(column: str) -> str:
        return f" AND julianday({column}) <= julianday(?)" if as_of else ""

    params = (as_of,) if as_of else ()
    of_sel = "article_url IN (SELECT url FROM sel)"
    if f.with_revisions:
        _copy(conn, "revisions", of_sel + upto("fetched_at"), params)
    else:
        latest = (
            "id IN (SELECT (SELECT r.id FROM main.revisions r WHERE r.article_url = sel.url"
            + upto("r.fetched_at")
            + " ORDER BY julianday(r.fetched_at) DESC, r.id DESC LIMIT 1) FROM sel)"
        )
        _copy(conn, "revisions", latest, params)
    conn.execute(
        f"INSERT OR IGNORE INTO keep_captures (id) SELECT capture_id FROM {OUT}.revisions "
        "WHERE capture_id IS NOT NULL"
    )
    _copy(conn, "captures", "id IN (SELECT id FROM keep_captures)")
    _copy(conn, "raw_bodies", f"digest IN (SELECT body_digest FROM {OUT}.captures)")
    _copy(conn, "article_urls", of_sel + upto("first_seen_at"), params)
    from_sel = "from_url IN (SELECT url FROM sel)"
    _copy(conn, "related_links", from_sel + upto("first_seen_at"), params)
    _copy_files(conn, of_sel, upto, params)
    tally.file_digests = {d for (d,) in conn.execute(f"SELECT digest FROM {OUT}.file_bodies")}
    tally.revisions = conn.execute(f"SELECT count(*) FROM {OUT}.revisions").fetchone()[0]
    tally.captures = conn.execute(f"SELECT count(*) FROM {OUT}.captures").fetchone()[0]
    _copy_others(reader)
    _rebuild_fts(conn)


def _copy_files(conn: sqlite3.Connection, of_sel: str, upto, params: tuple) -> None:
    """The files the selected articles link, their versions (up to ``as_of``), bytes and texts.

    Under ``as_of`` a file row shows its latest version by then, like an article.
    """
    _copy(conn, "article_files", of_sel + upto("first_seen_at"), params)
    _copy(conn, "files", f"url IN (SELECT file_url FROM {OUT}.article_files)")
    _copy(conn, "file_versions", f"file_id IN (SELECT id FROM {OUT}.files)" + upto("fetched_at"),
          params)  # fmt: skip
    _copy(conn, "file_bodies", f"digest IN (SELECT digest FROM {OUT}.file_versions)")
    _copy(conn, "file_texts", f"digest IN (SELECT digest FROM {OUT}.file_bodies)")
    if params:
        latest = (f"(SELECT v.{{}} FROM {OUT}.file_versions v WHERE v.file_id = files.id "
                  "ORDER BY julianday(v.fetched_at) DESC, v.id DESC LIMIT 1)")  # fmt: skip
        conn.execute(
            f"UPDATE {OUT}.files SET digest = {latest.format('digest')}, "
            f"size = coalesce({latest.format('size')}, size), "
            f"fetched_at = {latest.format('fetched_at')}, "
            f"version_count = (SELECT count(*) FROM {OUT}.file_versions v "
            "WHERE v.file_id = files.id)"
        )


def _copy(conn: sqlite3.Connection, table: str, where: str, params: tuple = ()) -> None:
    cols = [c for c in _columns(conn, OUT, table) if c in _columns(conn, "main", table)]
    names = ", ".join(cols)
    conn.execute(
        f"INSERT INTO {OUT}.{table} ({names}) SELECT {names} FROM main.{table} "
        f"WHERE {where} ORDER BY rowid",
        params,
    )


def _plain_tables(conn: sqlite3.Connection, schema: str) -> set[str]:
    """Ordinary tables of ``schema``, without SQLite's own and full-text index internals."""
    rows = conn.execute(f"SELECT name, sql FROM {schema}.sqlite_master WHERE type = 'table'")
    rows = [(n, s or "") for n, s in rows]
    virtual = [n for n, s in rows if s.upper().startswith("CREATE VIRTUAL TABLE")]
    return {
        n
        for n, s in rows
        if not n.startswith("sqlite_")
        and n not in virtual
        and not any(n.startswith(v + "_") for v in virtual)
    }


def _copy_others(reader: ArchiveReader) -> None:
    conn = reader.conn
    common = _plain_tables(conn, "main") & _plain_tables(conn, OUT)
    for table in sorted(common - set(SELECTED)):
        if table == "crawl_runs":
            runs = reader.crawl_runs() or []
            cols = [c for c in _columns(conn, OUT, table) if runs and c in runs[0]]
            if cols:
                conn.executemany(
                    f"INSERT INTO {OUT}.crawl_runs ({', '.join(cols)}) "
                    f"VALUES ({', '.join('?' * len(cols))})",
                    ([run[c] for c in cols] for run in runs),
                )
            continue
        # A table keyed on articles (article_ids...) follows the selection; others are whole.
        if "article_url" in _columns(conn, "main", table):
            _copy(conn, table, "article_url IN (SELECT url FROM sel)")
        else:
            _copy(conn, table, "1")


def _rebuild_fts(conn: sqlite3.Connection) -> None:
    """Rebuild external-content full-text indexes, whose rows triggers may not have filled."""
    for name, sql in conn.execute(
        f"SELECT name, sql FROM {OUT}.sqlite_master WHERE type = 'table' "
        "AND sql LIKE 'CREATE VIRTUAL TABLE%' AND sql LIKE '%content=%'"
    ).fetchall():
        if "content=''" in sql.replace(" ", "") or 'content=""' in sql.replace(" ", ""):
            continue  # contentless: nothing to rebuild from
        conn.execute(f"INSERT INTO {OUT}.{name} ({name}) VALUES ('rebuild')")
