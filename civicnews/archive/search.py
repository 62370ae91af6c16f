"""Full-text search over the archive, with or without diacritics.

Two FTS5 indexes (migration m005): ``articles_fts`` holds folded text (case,
every Vietnamese diacritic and đ/Đ removed), ``articles_fts_exact`` keeps
diacritics.  A query is rewritten into an FTS5 expression here, folded the
same way as the index it targets, and always bound as a parameter.

Query syntax: words (all must match), ``"a phrase"``, ``OR``, ``AND``, ``NOT``,
parentheses, ``prefix*`` and ``title:word`` (also ``sapo:``, ``body:``).  Every
other character is part of a word: each word is quoted before it reaches
FTS5, so "covid-19" or "01/12/2018" are searched as phrases, never parsed
as syntax.  Control characters (a NUL...) separate words.  Two operands side by
side are joined with an explicit ``AND``: FTS5 only accepts the implicit AND
between two phrases, and refuses ``an (ninh OR tham)``.

Bounds: FTS5's work grows with the square of the number of words (one common
word repeated 400 times took 0.46 s on the 60-article demo archive, 800 times
2.1 s; issue 13 measured 18 s and 72 s on 5,000 articles), so a query has at
most :data:`MAX_QUERY_WORDS` words and :data:`MAX_QUERY_CHARS` characters, and
a search is stopped after ``timeout`` seconds.

Ranking (:func:`rank_levels`): the words as typed before the words folded, and
words standing together (a phrase, then NEAR) before words apart; bm25 orders
articles of one level.

Archived files (migration m010) are searched the same way, level by level, in
``file_texts_fts`` and ``file_texts_fts_exact`` (a document's number and text):
a file hit stands for each article that links the file, and an article found in
both its own text and a file takes its better level (its own text on a tie).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from civicnews.text import fold, normalize_inline

OPERATORS = {"AND", "OR", "NOT"}
_COLUMNS = {"title": "title", "sapo": "sapo", "body": "body_text", "body_text": "body_text"}
_TOKEN = re.compile(r'"(?P<phrase>[^"]*)(?P<close>"?)|(?P<paren>[()])|(?P<word>[^\s()"]+)')
INDEXES = {False: "articles_fts", True: "articles_fts_exact"}
#: The files' index for each articles' index (same tokenizers, same folding).
FILE_INDEXES = {"articles_fts": "file_texts_fts", "articles_fts_exact": "file_texts_fts_exact"}
#: bm25 weights of a file's doc_number and text.
FILE_WEIGHTS = (10.0, 1.0)
#: bm25 weights of title, sapo, body_text: a word in the title counts most.
WEIGHTS = (10.0, 4.0, 1.0)
#: Most words (in phrases too) and characters in a query; real queries have a handful.
MAX_QUERY_WORDS = 64
MAX_QUERY_CHARS = 1000
#: Seconds a search may run before it is stopped.
SEARCH_TIMEOUT = 10.0
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Words at most this many words apart count as standing together (FTS5 NEAR).
NEAR_DISTANCE = 10


class SearchError(ValueError):
    """The search query cannot be run; the message says how to fix it."""


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


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts_query(query: str, *, exact: bool = False) -> str:
    """The FTS5 expression for a user's ``query`` (see the module docstring)."""
    return _parse(query, exact=exact)[0]


def _parse(query: str, *, exact: bool) -> tuple[str, list[str]]:
    """The FTS5 expression, and the query's words when it is two or more plain words."""

    def norm(text: str) -> str:
        text = normalize_inline(text) or ""
        return text if exact else fold(text)

    _check_text(query)
    query = _CONTROL.sub(" ", query)
    parts: list[str] = []
    words: list[str] = []  # the query's plain words, while it has nothing else
    plain = True
    terms = 0
    length = 0  # words, counting those inside phrases

    def operand(part: str) -> None:
        # FTS5 takes "a b" as a AND b only between two phrases: make every AND explicit.
        if parts and parts[-1] not in OPERATORS | {"("}:
            parts.append("AND")
        parts.append(part)

    for match in _TOKEN.finditer(query):
        if match["phrase"] is not None:
            if not match["close"]:
                raise SearchError('unbalanced double quote in the query: close the "phrase"')
            plain = False
            text = norm(match["phrase"])
            if text:
                operand(_quote(text))
                terms += 1
                length += len(text.split())
            continue
        if match["paren"] == "(":
            plain = False
            operand("(")
            continue
        if match["paren"]:
            plain = False
            parts.append(")")
            continue
        word = match["word"]
        if word in OPERATORS:
            plain = False
            parts.append(word)
            continue
        column = None
        head, sep, rest = word.partition(":")
        if sep and rest and head.lower() in _COLUMNS:
            column, word = _COLUMNS[head.lower()], rest
        prefix = len(word) > 1 and word.endswith("*")
        text = norm(word.rstrip("*") if prefix else word)
        if not re.search(r"\w", text):
            continue  # punctuation alone has no token to search for
        term = _quote(text) + ("*" if prefix else "")
        operand(f"{column} : {term}" if column else term)
        plain = plain and not column and not prefix
        words.append(text)
        terms += 1
        length += len(text.split())
    if not terms:
        raise SearchError("empty search query: give at least one word to search for")
    if length > MAX_QUERY_WORDS:
        raise SearchError(
            f"search query too long ({length} words): use at most {MAX_QUERY_WORDS} words"
        )
    if plain and len(words) > 1:
        # Same matches as the words alone, but bm25 also scores the phrase, so
        # "dong da" ranks "Đống Đa" above a text that has "đã" and "động" apart.
        return f"{_quote(' '.join(words))} OR ({' '.join(parts)})", words
    return " ".join(parts), []


def rank_levels(query: str, *, exact: bool = False) -> list[tuple[str, str]]:
    """How a match of ``query`` is ranked: ``(index, expression)`` pairs, best first.

    An article takes the first level it matches; bm25 orders articles of one
    level.  Words standing together come first (as a phrase, then within
    :data:`NEAR_DISTANCE` words), then the diacritics as typed: a folded
    search of "Đống Đa" ranks the district above "động đã", and "dong da"
    ranks "Đống Đa" (a phrase) above "đã" and "động" far apart.
    """
    typed, typed_words = _parse(query, exact=True)
    levels = _proximity(INDEXES[True], typed_words)
    if exact:
        return levels
    levels.append((INDEXES[True], typed))
    return levels + _proximity(INDEXES[False], _parse(query, exact=False)[1])


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


def _proximity(index: str, words: list[str]) -> list[tuple[str, str]]:
    if len(words) < 2:
        return []
    quoted = " ".join(_quote(w) for w in words)
    return [(index, _quote(" ".join(words))), (index, f"NEAR({quoted}, {NEAR_DISTANCE})")]


def _check_text(query: str) -> None:
    """Refuse what FTS5 cannot be given: text that is not Unicode, a query too long."""
    try:
        query.encode("utf-8")
    except UnicodeEncodeError:
        # Python keeps bytes of a command line that are not UTF-8 as lone surrogates.
        raise SearchError(
            "search query is not valid UTF-8 text: type it in a UTF-8 terminal"
        ) from None
    if len(query) > MAX_QUERY_CHARS:
        raise SearchError(
            f"search query too long ({len(query):,} characters): use at most {MAX_QUERY_CHARS:,}"
        )


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
        if not _COLUMN_FILTER.search(query):  # title:, sapo:, body: name article columns
            in_files = _ranked_files(conn, levels, where, params, int(limit))
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
        rows += _shown_files(conn, in_files, levels, params)
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


#: ``title:``, ``sapo:``, ``body:`` in a query: columns files do not have.
_COLUMN_FILTER = re.compile(
    r"(?:^|[\s(])(?:" + "|".join(_COLUMNS) + r"):\S", re.IGNORECASE
)


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


def _ranked_files(
    conn: sqlite3.Connection,
    levels: list[tuple[str, str]],
    where: list[str],
    params: dict[str, Any],
    limit: int,
) -> dict[int, tuple[int, float, int]]:
    """Article rowid -> (level, bm25, file_texts id) of the best file each article links.

    Like :func:`_ranked`, on the files' indexes: a file's every version counts
    (``file_versions``), and each article linking it shares its rank.
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


def _shown_files(
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
