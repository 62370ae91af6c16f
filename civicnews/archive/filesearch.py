"""Archived files (migration m010) searched like articles, for the articles that link them.

A query's ranking levels (:func:`civicnews.archive.query.rank_levels`) run level by level in
``file_texts_fts`` and ``file_texts_fts_exact`` (a document's number and text): a file hit
stands for each article that links the file; :func:`civicnews.archive.search.search` merges
these hits with the articles' own, an article found both ways taking its better level (its own
text on a tie).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from civicnews.archive.query import SearchError
from civicnews.text import fold

#: The files' index for each articles' index (same tokenizers, same folding).
FILE_INDEXES = {"articles_fts": "file_texts_fts", "articles_fts_exact": "file_texts_fts_exact"}
#: bm25 weights of a file's doc_number and text.
FILE_WEIGHTS = (10.0, 1.0)


def canonical_doc_type(name: str) -> str:
    """The document type as stored ("quyet dinh" -> "Quyết định"); unknown names refused."""
    from civicnews.documents.metadata import TYPE_NAMES

    wanted = " ".join(fold(name).split())
    for known in TYPE_NAMES:
        if fold(known) == wanted:
            return known
    raise SearchError(
        f"unknown document type {name!r}: use one of {', '.join(sorted(TYPE_NAMES))}"
    )


def ranked_files(
    conn: sqlite3.Connection,
    levels: list[tuple[str, str]],
    where: list[str],
    params: dict[str, Any],
    limit: int,
) -> dict[int, tuple[int, float, int]]:
    """Article rowid -> (level, bm25, file_texts id) of the best file each article links.

    Like the articles' ranking (:mod:`civicnews.archive.search`), level by level, on the
    files' indexes: a file's every version counts (``file_versions``), and each article
    linking it shares its rank.
    """
    weights = ", ".join(str(w) for w in FILE_WEIGHTS)
    found: dict[int, tuple[int, float, int]] = {}
    type_filter = " AND t.doc_type = :doc_type" if "doc_type" in params else ""
    for tier, (article_index, expression) in enumerate(levels):
        if len(found) >= limit:
            break
        index = FILE_INDEXES[article_index]
        seen = " AND a.rowid NOT IN (SELECT value FROM json_each(:seen))" if found else ""
        # bm25() only runs in a query driven by its index: rank the files first (a
        # materialized CTE is never flattened into the join), then find their articles.
        sql = (
            f"WITH m AS MATERIALIZED (SELECT rowid AS id, bm25({index}, {weights}) AS score "
            f"FROM {index} WHERE {index} MATCH :m) "
            "SELECT a.rowid, min(m.score) AS score, m.id FROM m "
            "JOIN file_texts t ON t.id = m.id "
            "JOIN file_versions v ON v.digest = t.digest JOIN files f ON f.id = v.file_id "
            "JOIN article_files af ON af.file_url = f.url "
            "JOIN articles a ON a.url = af.article_url "
            f"WHERE {' AND '.join(['1', *where])}{type_filter}{seen} "
            "GROUP BY a.rowid ORDER BY score LIMIT :left"
        )
        level = params | {"m": expression, "seen": json.dumps(list(found)),
                          "left": limit - len(found)}  # fmt: skip
        for rowid, score, text_id in conn.execute(sql, level):
            found[rowid] = (tier, score, text_id)
    return found


def shown_files(
    conn: sqlite3.Connection,
    found: dict[int, tuple[int, float, int]],
    levels: list[tuple[str, str]],
    params: dict[str, Any],
) -> list[tuple]:
    """The articles found through a file, with the file's snippet, URL, name and number."""
    rows: list[tuple] = []
    for rowid, (tier, _score, text_id) in found.items():
        index = FILE_INDEXES[levels[tier][0]]
        snippet = conn.execute(
            f"SELECT snippet({index}, -1, :open, :close, '…', 24) FROM {index} "
            f"WHERE {index} MATCH :m AND rowid = :id",
            {"m": levels[tier][1], "id": text_id, "open": params["open"],
             "close": params["close"]},
        ).fetchone()  # fmt: skip
        article = conn.execute(
            "SELECT a.rowid, a.url, a.portal, a.title, a.published_at FROM articles a "
            "WHERE a.rowid = ?", (rowid,)
        ).fetchone()  # fmt: skip
        link = conn.execute(
            "SELECT af.file_url, af.name, t.doc_number FROM file_texts t "
            "JOIN file_versions v ON v.digest = t.digest JOIN files f ON f.id = v.file_id "
            "JOIN article_files af ON af.file_url = f.url "
            "WHERE t.id = ? AND af.article_url = ? ORDER BY af.first_seen_at LIMIT 1",
            (text_id, article[1]),
        ).fetchone()
        duplicate_gone = conn.execute(
            "SELECT duplicate_of, gone_at FROM articles WHERE rowid = ?", (rowid,)
        ).fetchone()
        rows.append((*article, snippet[0] if snippet else "", *duplicate_gone, *link))
    return rows
