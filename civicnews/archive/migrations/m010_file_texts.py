"""Version 10: what archived files say: their text, its status, and document metadata.

- ``file_texts``: one row per distinct file content extracted (keyed on
  ``file_bodies.digest``, like the bytes: the same PDF attached to ten articles
  is read once).  ``id``, ``digest``, ``status`` (``civicnews.documents.STATUSES``:
  ``ok``, ``partial``, ``no-text`` for a scan without a text layer, ``encrypted``,
  ``broken``, ``too-large``, ``timeout``, ``unsupported``, ``failed``), ``format``
  (``pdf``, ``docx``, ``xlsx``, ``odt``; ``zip``/``ole`` for unsupported
  packages), ``pages`` (PDF), ``chars``, ``error``, ``seconds`` (extraction
  time), ``extracted_at``, ``text``, and the document metadata: ``doc_number``
  ("123/QĐ-UBND"), ``doc_type`` ("Quyết định"), ``doc_issuer``, ``doc_date``
  (ISO day) and ``doc_source`` (``first-page``, ``link-text``, ``file-name``).
  Written by ``civicnews extract``, off the crawl's path.
- ``file_texts_fts`` (folded: case, diacritics and đ/Đ) and ``file_texts_fts_exact``
  (diacritics as typed): FTS5 over ``doc_number`` and ``text``, external content
  on ``file_texts``, kept in sync by triggers, built like the articles' (m005).
"""

import sqlite3

from civicnews.archive.migrations import run_script
from civicnews.archive.migrations.m005_search import folded

COLUMNS = ("doc_number", "text")


def _values(prefix: str, fold: bool) -> str:
    return ", ".join(folded(f"{prefix}.{c}") if fold else f"{prefix}.{c}" for c in COLUMNS)


def apply(conn: sqlite3.Connection) -> None:
    cols = ", ".join(COLUMNS)
    triggers = []
    for index, fold in (("file_texts_fts", True), ("file_texts_fts_exact", False)):
        delete = (f"INSERT INTO {index} ({index}, rowid, {cols}) "
                  f"VALUES ('delete', old.id, {_values('old', fold)});")  # fmt: skip
        insert = f"INSERT INTO {index} (rowid, {cols}) VALUES (new.id, {_values('new', fold)});"
        triggers.append((insert, delete))
    run_script(
        conn,
        f"""
        CREATE TABLE file_texts (
            id INTEGER PRIMARY KEY,
            digest TEXT NOT NULL UNIQUE REFERENCES file_bodies (digest),
            status TEXT NOT NULL,
            format TEXT,
            pages INTEGER,
            chars INTEGER,
            error TEXT,
            seconds REAL,
            extracted_at TEXT NOT NULL,
            text TEXT,
            doc_number TEXT,
            doc_type TEXT,
            doc_issuer TEXT,
            doc_date TEXT,
            doc_source TEXT
        );
        CREATE INDEX file_texts_status ON file_texts (status);
        CREATE INDEX file_texts_doc_number ON file_texts (doc_number);
        CREATE INDEX file_texts_doc_type ON file_texts (doc_type, doc_date);
        CREATE VIRTUAL TABLE file_texts_fts USING fts5 (
            {cols}, content=[file_texts], content_rowid=id,
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE VIRTUAL TABLE file_texts_fts_exact USING fts5 (
            {cols}, content=[file_texts], content_rowid=id,
            tokenize='unicode61 remove_diacritics 0'
        );
        CREATE TRIGGER file_texts_ai AFTER INSERT ON file_texts BEGIN
            {triggers[0][0]}
            {triggers[1][0]}
        END;
        CREATE TRIGGER file_texts_ad AFTER DELETE ON file_texts BEGIN
            {triggers[0][1]}
            {triggers[1][1]}
        END;
        CREATE TRIGGER file_texts_au AFTER UPDATE OF {cols} ON file_texts BEGIN
            {triggers[0][1]}
            {triggers[1][1]}
            {triggers[0][0]}
            {triggers[1][0]}
        END;
        """,
    )
