"""Version 5: full-text search in two modes, article identities, linked URL variants.

- ``articles_fts``: FTS5 over ``articles`` (title, sapo, body_text), external
  content, tokenizer ``unicode61 remove_diacritics 2``, fed with đ/Đ replaced
  by d/D.  The tokenizer folds case and every other diacritic but has no
  mapping for đ (it does not decompose), so "dong da" would not find "Đống Đa"
  without the replacement.  Queries go through ``civicnews.text.fold``.
  ``content=[articles]`` is the spelling Datasette detects, so
  ``datasette archive.db`` offers folded search on the articles table.
  Because the index keeps the token positions of the original text,
  ``snippet()``/``highlight()`` show the text as published.
- ``articles_fts_exact``: the same columns, ``remove_diacritics 0``: case
  folded, diacritics as typed ("thể" does not match "thế").
- Triggers keep both in sync on insert, delete and on updates of the three
  columns (an update of ``last_seen_at`` alone does not touch the indexes),
  whoever writes.  civicnews' own writer indexes a batch of new articles in
  one ``INSERT ... SELECT`` per index instead, three times faster than a
  trigger per row: inside its transaction it sets ``fts_bulk_load.active``
  to 1 (which the insert trigger checks) and back to 0 before committing, so
  no other connection ever sees it set, and a crash rolls it back.
- ``article_ids``: identities shared by every URL of one article where the
  URL scheme has an id (``civicnews.urls.article_identity``).
- ``related_links.linked_url``: the URL exactly as the related block linked
  it (``to_url`` is its canonical form); once the target is archived, the
  store files it in ``article_urls``.
"""

import sqlite3

from civicnews.archive.migrations import run_script

COLUMNS = ("title", "sapo", "body_text")


def folded(expr: str) -> str:
    """SQL that prepares ``expr`` for the folded index (the tokenizer does the rest)."""
    return f"replace(replace({expr}, 'đ', 'd'), 'Đ', 'D')"


def _values(prefix: str, fold: bool) -> str:
    return ", ".join(folded(f"{prefix}.{c}") if fold else f"{prefix}.{c}" for c in COLUMNS)


def apply(conn: sqlite3.Connection) -> None:
    cols = ", ".join(COLUMNS)
    run_script(
        conn,
        f"""
        CREATE VIRTUAL TABLE articles_fts USING fts5 (
            {cols}, content=[articles], content_rowid=rowid,
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE VIRTUAL TABLE articles_fts_exact USING fts5 (
            {cols}, content='articles', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 0'
        );
        CREATE TABLE fts_bulk_load (active INTEGER NOT NULL);
        INSERT INTO fts_bulk_load (active) VALUES (0);
        CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles
        WHEN NOT coalesce((SELECT active FROM fts_bulk_load), 0) BEGIN
            INSERT INTO articles_fts (rowid, {cols}) VALUES (new.rowid, {_values("new", True)});
            INSERT INTO articles_fts_exact (rowid, {cols})
                VALUES (new.rowid, {_values("new", False)});
        END;
        CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, {cols})
                VALUES ('delete', old.rowid, {_values("old", True)});
            INSERT INTO articles_fts_exact (articles_fts_exact, rowid, {cols})
                VALUES ('delete', old.rowid, {_values("old", False)});
        END;
        CREATE TRIGGER articles_fts_au AFTER UPDATE OF {cols} ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, {cols})
                VALUES ('delete', old.rowid, {_values("old", True)});
            INSERT INTO articles_fts_exact (articles_fts_exact, rowid, {cols})
                VALUES ('delete', old.rowid, {_values("old", False)});
            INSERT INTO articles_fts (rowid, {cols}) VALUES (new.rowid, {_values("new", True)});
            INSERT INTO articles_fts_exact (rowid, {cols})
                VALUES (new.rowid, {_values("new", False)});
        END;

        CREATE TABLE article_ids (
            identity TEXT PRIMARY KEY,
            article_url TEXT NOT NULL REFERENCES articles (url)
        );
        ALTER TABLE related_links ADD COLUMN linked_url TEXT;
        CREATE INDEX revisions_fetched ON revisions (fetched_at);
        """,
    )
    # Articles archived before this version enter both indexes now.
    index_new_rows(conn, after_rowid=0)


def index_new_rows(conn: sqlite3.Connection, after_rowid: int) -> None:
    """Add articles with a rowid above ``after_rowid`` to both indexes, set-based."""
    cols = ", ".join(COLUMNS)
    conn.execute(
        f"INSERT INTO articles_fts (rowid, {cols}) "
        f"SELECT rowid, {', '.join(folded(c) for c in COLUMNS)} FROM articles WHERE rowid > ?",
        (after_rowid,),
    )
    conn.execute(
        f"INSERT INTO articles_fts_exact (rowid, {cols}) "
        f"SELECT rowid, {cols} FROM articles WHERE rowid > ?",
        (after_rowid,),
    )
