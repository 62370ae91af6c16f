"""A user's search query as FTS5 expressions: its syntax, its bounds, its ranking levels.

Two FTS5 indexes (migration m005): ``articles_fts`` holds folded text (case,
every Vietnamese diacritic and đ/Đ removed), ``articles_fts_exact`` keeps
diacritics.  A query is rewritten into an FTS5 expression here, folded the
same way as the index it targets; :mod:`civicnews.archive.search` binds it as a
parameter and runs it.

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
most :data:`MAX_QUERY_WORDS` words and :data:`MAX_QUERY_CHARS` characters (the
search itself is stopped after a timeout).

Ranking (:func:`rank_levels`): the words as typed before the words folded, and
words standing together (a phrase, then NEAR) before words apart; bm25 orders
articles of one level.
"""

from __future__ import annotations

import re

from civicnews.text import fold, normalize_inline

OPERATORS = {"AND", "OR", "NOT"}
_COLUMNS = {"title": "title", "sapo": "sapo", "body": "body_text", "body_text": "body_text"}
_TOKEN = re.compile(r'"(?P<phrase>[^"]*)(?P<close>"?)|(?P<paren>[()])|(?P<word>[^\s()"]+)')
INDEXES = {False: "articles_fts", True: "articles_fts_exact"}
#: Most words (in phrases too) and characters in a query; real queries have a handful.
MAX_QUERY_WORDS = 64
MAX_QUERY_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Words at most this many words apart count as standing together (FTS5 NEAR).
NEAR_DISTANCE = 10


class SearchError(ValueError):
    """The search query cannot be run; the message says how to fix it."""


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


#: ``title:``, ``sapo:``, ``body:`` in a query: columns files do not have.
_COLUMN_FILTER = re.compile(
    r"(?:^|[\s(])(?:" + "|".join(_COLUMNS) + r"):\S", re.IGNORECASE
)


def names_article_column(query: str) -> bool:
    """Does ``query`` search an article column (``title:``...), which files do not have?"""
    return bool(_COLUMN_FILTER.search(query))
