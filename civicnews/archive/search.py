"""Full-text search over the archive, with or without diacritics.

Two FTS5 indexes (migration m005): ``articles_fts`` holds folded text (case,
every Vietnamese diacritic and đ/Đ removed), ``articles_fts_exact`` keeps
diacritics.  A query is rewritten into an FTS5 expression, folded the same way as
the index it targets, and always bound as a parameter.

The query's syntax, bounds and ranking levels are :mod:`civicnews.archive.query`'s; this
module runs the levels against the articles' indexes (and, through
:mod:`civicnews.archive.filesearch`, against the archived files'), stops a search after
``timeout`` seconds, and returns the hits best first with their snippets.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from civicnews.archive.filesearch import canonical_doc_type, ranked_files, shown_files
from civicnews.archive.query import (
    INDEXES,
    SearchError,
    fts_query,
    names_article_column,
    rank_levels,
)

#: bm25 weights of title, sapo, body_text: a word in the title counts most.
WEIGHTS = (10.0, 4.0, 1.0)
#: Seconds a search may run before it is stopped.
SEARCH_TIMEOUT = 10.0


@dataclass
class SearchHit:
    url: str
    portal: str
    title: str | None
    published_at: str | None
    snippet: str
    score: float
    duplicate_of: str | None = None
    gone_at: str | None = None
    #: Where the query matched: "article" (its title, sapo or body) or "file".
    match: str = "article"
    #: The matching file (match == "file"): its URL, link text and document number.
    file_url: str | None = None
    file_name: str | None = None
    doc_number: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ranked(
    conn: sqlite3.Connection,
    levels: list[tuple[str, str]],
    where: list[str],
    params: dict[str, Any],
    limit: int,
) -> dict[int, tuple[int, float]]:
    """rowid -> (level, bm25) of the best ``limit`` matches, level by level.

    A level is asked only for what the levels above it left to find, so a query whose
    phrase fills the page never ranks every article with the words apart.  Rank first,
    snippets after (:func:`_shown`): in one query SQLite would compute a snippet for
    every match before sorting, a third of the time for common words.
    """
    weights = ", ".join(str(w) for w in WEIGHTS)
    found: dict[int, tuple[int, float]] = {}
    for tier, (index, expression) in enumerate(levels):
        if len(found) >= limit:
            break
        join = f"JOIN articles a ON a.rowid = {index}.rowid " if where else ""
        seen = f" AND {index}.rowid NOT IN (SELECT value FROM json_each(:seen))" if found else ""
        sql = (
            f"SELECT {index}.rowid, bm25({index}, {weights}) AS score FROM {index} {join}"
            f"WHERE {' AND '.join([f'{index} MATCH :m', *where])}{seen} "
            "ORDER BY score LIMIT :left"
        )
        level = params | {"m": expression, "seen": json.dumps(list(found)),
                          "left": limit - len(found)}  # fmt: skip
        for rowid, score in conn.execute(sql, level):
            found[rowid] = (tier, score)
    return found


def _shown(
    conn: sqlite3.Connection,
    order: dict[int, tuple[int, float]],
    levels: list[tuple[str, str]],
    params: dict[str, Any],
) -> list[tuple]:
    """The ranked articles with their snippets, in no order.

    Each snippet comes from the level the article ranked at, so it marks what
    ranked it: "[Đống Đa]" as typed, not every "động" and "đã" of the text.
    """
    rows: list[tuple] = []
    for tier, (index, expression) in enumerate(levels):
        ids = [rowid for rowid, (t, _score) in order.items() if t == tier]
        if not ids:
            continue
        rows += conn.execute(
            f"SELECT {index}.rowid, a.url, a.portal, a.title, a.published_at, "
            f"snippet({index}, -1, :open, :close, '…', 24), a.duplicate_of, a.gone_at "
            f"FROM {index} JOIN articles a ON a.rowid = {index}.rowid "
            f"WHERE {index} MATCH :m AND {index}.rowid IN (SELECT value FROM json_each(:ids))",
            {"m": expression, "ids": json.dumps(ids), "open": params["open"],
             "close": params["close"]},
        ).fetchall()  # fmt: skip
    return rows


def day_bounds(since: date | None, until: date | None) -> tuple[str | None, str | None]:
    """``published_at`` bounds: since that day's start, until the end of that day."""
    if since and until and since > until:
        raise SearchError(f"--since {since} is after --until {until}: swap them")
    low = since.isoformat() if since else None
    # published_at is "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS+07:00" (local time):
    # text comparison with the next day's date includes all of ``until``.
    high = (until + timedelta(days=1)).isoformat() if until else None
    return low, high


def search(
    conn: sqlite3.Connection,
    query: str,
    *,
    exact: bool = False,
    portals: list[str] | tuple[str, ...] = (),
    since: date | None = None,
    until: date | None = None,
    limit: int = 20,
    marks: tuple[str, str] = ("[", "]"),
    timeout: float = SEARCH_TIMEOUT,
    has_file: bool = False,
    doc_type: str | None = None,
) -> list[SearchHit]:
    """Ranked articles matching ``query`` (best first), stopped after ``timeout`` seconds.

    ``has_file``: only articles with an archived file; ``doc_type``: only articles
    with a document of that type ("Quyết định", folded or not), and only such
    documents as file hits.
    """
    expression = fts_query(query, exact=exact)
    for portal in portals:
        try:
            portal.encode("utf-8")
        except UnicodeEncodeError:
            raise SearchError(f"--portal {portal!r} is not valid UTF-8 text") from None
    fts = INDEXES[bool(exact)]
    low, high = day_bounds(since, until)
    where: list[str] = []  # filters on the article, shared by every level
    params: dict[str, Any] = {"open": marks[0], "close": marks[1]}
    if portals:
        where.append("a.portal IN (SELECT value FROM json_each(:portals))")
        params["portals"] = json.dumps(list(portals), ensure_ascii=False)
    if low:
        where.append("a.published_at >= :low")
        params["low"] = low
    if high:
        where.append("a.published_at < :high")
        params["high"] = high
    if has_file:
        where.append(
            "EXISTS (SELECT 1 FROM article_files af JOIN files f ON f.url = af.file_url "
            "WHERE af.article_url = a.url AND f.digest IS NOT NULL)"
        )
    if doc_type is not None:
        params["doc_type"] = canonical_doc_type(doc_type)
        where.append(
            "EXISTS (SELECT 1 FROM article_files af JOIN files f ON f.url = af.file_url "
            "JOIN file_texts t ON t.digest = f.digest "
            "WHERE af.article_url = a.url AND t.doc_type = :doc_type)"
        )
    levels = [*rank_levels(query, exact=exact), (fts, expression)]
    deadline = time.monotonic() + timeout
    # SQLite calls this every 1,000 virtual-machine steps (a few microseconds); a true
    # result interrupts the query.
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 1_000)
    try:
        order = _ranked(conn, levels, where, params, int(limit))
        in_files = {}
        if not names_article_column(query):  # title:, sapo:, body: name article columns
            in_files = ranked_files(conn, levels, where, params, int(limit))
        # One list: by level; in a level the articles' own text first (bm25 scores of
        # two indexes do not compare), then bm25.  An article found both ways keeps
        # its own text unless a file ranks it at a better level.
        ranks = {r: (tier, 1, score) for r, (tier, score, _id) in in_files.items()}
        ranks |= {r: (tier, 0, score) for r, (tier, score) in order.items()
                  if r not in ranks or tier <= ranks[r][0]}  # fmt: skip
        best = sorted(ranks.items(), key=lambda pair: pair[1])[: int(limit)]
        order = {r: order[r] for r, rank in best if rank[1] == 0}
        in_files = {r: in_files[r] for r, rank in best if rank[1] == 1}
        ranks = dict(best)
        scores = {rowid: rank[2] for rowid, rank in best}
        rows = _shown(conn, order, levels, params)
        rows += shown_files(conn, in_files, levels, params)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise SearchError(
                f"search stopped after {timeout:g} s: use fewer words, or rarer ones"
            ) from None
        if "fts5" in str(exc) or "syntax error" in str(exc):
            raise SearchError(
                f"invalid search query {query!r} ({exc}): check AND/OR/NOT, quotes and parentheses"
            ) from None
        raise
    finally:
        conn.set_progress_handler(None, 0)
    ranked_rows = sorted(rows, key=lambda row: (ranks[row[0]], row[1]))
    return [
        SearchHit(url, portal, title, published, snippet, scores[rowid], duplicate, gone,
                  *(("file", *extra) if extra else ()))  # fmt: skip
        for rowid, url, portal, title, published, snippet, duplicate, gone, *extra in ranked_rows
    ]


