"""What the coverage report shows, read from an archive: plain data, no markup.

Every figure comes from the archive alone (articles, revisions, failed pages, crawl runs),
sorted, so the same archive always gives the same report.  Months are "YYYY-MM" text cut
from the stored ISO dates (``published_at`` is local time, as the portal printed it).
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from civicnews.archive.hashes import text_hash
from civicnews.extraction import FIELDS

#: Fields whose presence measures extraction health, as the crawl counts them
#: (``crawl_runs.counts[portal]["extraction"]``).
HEALTH_FIELDS = FIELDS
#: The same test on a stored article, in SQL (civicnews.extraction.present on the item).
#: The body is judged by its text_hash (of the whitespace-normalised body): no body to read.
_PRESENT = {
    "title": "coalesce({a}title, '') <> ''",
    "date": "coalesce({a}published_at, '') <> ''",
    "time": "instr(coalesce({a}published_at, ''), 'T') > 0",
    "author": "coalesce({a}author, '') <> ''",
    "body": "coalesce({a}text_hash, :empty) <> :empty",
}
EMPTY_TEXT_HASH = text_hash("")
#: Rows in each "latest" list (failed pages, gone and cross-posted articles).
LIST_LIMIT = 20
#: Runs in the table of last runs, found among the last RUNS_SCANNED runs.
RUNS_LIMIT = 12
RUNS_SCANNED = 500
#: A month is a gap when it has no article and the months around it have at least this
#: share of the portal's median month (and at least MIN_NEIGHBOUR articles).
GAP_SHARE = 0.5
MIN_NEIGHBOUR = 2

ALL = "all portals"


@dataclass
class Gap:
    first: str  # "YYYY-MM"
    last: str
    months: int
    before: int  # articles in the month before the gap
    after: int


@dataclass
class HealthPoint:
    label: str  # "run 12" (a crawl run) or "2024-03" (the month articles were archived)
    articles: int
    shares: dict[str, float]


@dataclass
class PortalFigures:
    portal: str
    articles: int = 0
    undated: int = 0
    first_published: str | None = None
    last_published: str | None = None
    gone: int = 0
    changed: int = 0
    crossposted: int = 0
    months: dict[str, int] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)
    health: list[HealthPoint] = field(default_factory=list)
    health_source: str = ""  # "runs" or "articles"
    changes: dict[str, int] = field(default_factory=dict)  # month -> revisions after the first
    failed: dict[str, int] = field(default_factory=dict)  # "kind (page)" -> pages


@dataclass
class Report:
    db: str
    portals: list[str]  # as asked (empty: all)
    since: str | None
    as_of: str | None  # the archive's own latest time: last_seen_at or the last run
    per_portal: list[PortalFigures]
    overall: PortalFigures
    failed_pages: list[dict[str, Any]]
    gone: list[dict[str, Any]]
    crossposts: list[dict[str, Any]]
    crosspost_pairs: list[dict[str, Any]]
    runs: list[dict[str, Any]]


Progress = Callable[[str], None]
STEPS = (
    "articles per month",
    "articles, extraction health",
    "content changes",
    "failed and gone pages",
    "cross-posted articles",
    "crawl runs",
)


def collect(
    conn: sqlite3.Connection,
    db: str,
    portals: list[str] | tuple[str, ...] = (),
    since: date | None = None,
    progress: Progress = lambda step: None,
) -> Report:
    """The report's figures for ``portals`` (all when empty), from ``since`` on."""
    scope = _Scope(list(portals), since.isoformat() if since else None)
    figures: dict[str, PortalFigures] = {}

    def portal(key: str) -> PortalFigures:
        return figures.setdefault(key, PortalFigures(key))

    progress(STEPS[0])
    # Monthly counts come from the (portal, published_at) index alone.
    for key, month, count in _rows(
        conn,
        "SELECT portal, substr(published_at, 1, 7) AS month, count(*) FROM articles "
        f"WHERE published_at IS NOT NULL AND {scope.articles()} GROUP BY portal, month",
        scope.params,
    ):
        portal(key).months[month] = count

    progress(STEPS[1])
    # Everything else about articles in one pass: the columns after body_text (gone_at,
    # duplicate_of...) cost a read of the whole row, so every extra scan costs the table.
    present = ", ".join(f"sum({_PRESENT[f].format(a='a.')})" for f in HEALTH_FIELDS)
    pairs_count: dict[tuple[str, str], int] = {}
    measured: dict[tuple[str, str], list[int]] = {}
    for row in _rows(
        conn,
        "SELECT a.portal, substr(a.first_seen_at, 1, 7), o.portal, count(*), "
        "count(a.published_at), min(a.published_at), max(a.published_at), count(a.gone_at), "
        f"sum(a.revision_count > 1), count(a.duplicate_of), {present} FROM articles a "
        "LEFT JOIN articles o ON o.url = a.duplicate_of "
        f"WHERE {scope.articles('a.')} GROUP BY 1, 2, 3",
        scope.params | {"empty": EMPTY_TEXT_HASH},
    ):
        key, month, original, n, dated, first, last, gone_n, changed, copies = row[:10]
        p = portal(key)
        p.articles += n
        p.undated += n - dated
        p.gone += gone_n
        p.changed += changed or 0
        p.crossposted += copies
        p.first_published = min(filter(None, (p.first_published, first)), default=None)
        p.last_published = max(filter(None, (p.last_published, last)), default=None)
        if original is not None:
            pairs_count[(original, key)] = pairs_count.get((original, key), 0) + copies
        sums = measured.setdefault((key, month or "?"), [0] * (1 + len(HEALTH_FIELDS)))
        for i, value in enumerate((n, *row[10:])):
            sums[i] += value or 0
    _health(conn, scope, portal, measured)

    progress(STEPS[2])
    # A revision after an article's first is a change of its title, date or body; the
    # (article_url, fetched_at) index numbers them without reading a revision.
    for key, month, count in _rows(
        conn,
        "SELECT a.portal, substr(r.fetched_at, 1, 7) AS month, count(*) FROM ("
        "SELECT article_url, fetched_at, row_number() OVER "
        "(PARTITION BY article_url ORDER BY fetched_at, id) AS n FROM revisions) r "
        "JOIN articles a ON a.url = r.article_url "
        f"WHERE r.n > 1 AND {scope.portal('a.portal')} AND {scope.after('r.fetched_at')} "
        "GROUP BY a.portal, month",
        scope.params,
    ):
        portal(key).changes[month] = count

    progress(STEPS[3])
    for key, kind, page, count in _rows(
        conn,
        "SELECT portal, kind, coalesce(page, 'page'), count(*) FROM failed_pages "
        f"WHERE {scope.portal()} AND {scope.after('failed_at')} GROUP BY 1, 2, 3",
        scope.params,
    ):
        portal(key).failed[f"{kind} ({page})"] = count
    failed_pages = _dicts(
        conn,
        "SELECT portal, url, kind, page, status, error, failed_at FROM failed_pages "
        f"WHERE {scope.portal()} AND {scope.after('failed_at')} "
        f"ORDER BY failed_at DESC, id DESC LIMIT {LIST_LIMIT}",
        scope.params,
    )
    # Gone articles have a 'gone' capture: the narrow captures table finds them.
    gone = (
        _dicts(
            conn,
            "SELECT portal, url, title, published_at, gone_at, last_status FROM articles "
            "WHERE url IN (SELECT article_url FROM captures WHERE kind = 'gone') "
            f"AND gone_at IS NOT NULL AND {scope.articles()} "
            f"ORDER BY gone_at DESC, url LIMIT {LIST_LIMIT}",
            scope.params,
        )
        if any(p.gone for p in figures.values())
        else []
    )

    progress(STEPS[4])
    # The latest archived copies: read backwards from the newest row, stopping at LIST_LIMIT.
    crossposts = (
        _dicts(
            conn,
            "SELECT a.portal, a.title, a.published_at, a.url, o.portal AS original_portal, "
            "o.url AS original_url FROM articles a JOIN articles o ON o.url = a.duplicate_of "
            f"WHERE a.duplicate_of IS NOT NULL AND {scope.articles('a.')} "
            f"ORDER BY a.rowid DESC LIMIT {LIST_LIMIT}",
            scope.params,
        )
        if pairs_count
        else []
    )
    pairs = [
        {"original_portal": original, "portal": key, "articles": n}
        for (original, key), n in sorted(pairs_count.items(), key=lambda kv: (-kv[1], kv[0]))
    ]

    progress(STEPS[5])
    runs = _runs(db, scope)
    per_portal = [figures[k] for k in sorted(figures) if not portals or k in portals]
    for p in per_portal:
        p.gaps = gaps(p.months)
    as_of = _one(conn, f"SELECT max(last_seen_at) FROM articles WHERE {scope.portal()}", scope)
    if runs:
        as_of = max(filter(None, [as_of, *(r["finished_at"] or r["started_at"] for r in runs)]))
    return Report(
        db=db,
        portals=list(portals),
        since=scope.since,
        as_of=as_of,
        per_portal=per_portal,
        overall=_overall(per_portal),
        failed_pages=failed_pages,
        gone=gone,
        crossposts=crossposts,
        crosspost_pairs=pairs,
        runs=runs,
    )


class _Scope:
    """SQL conditions for the portals and the first day asked for, with their parameters."""

    def __init__(self, portals: list[str], since: str | None):
        self.since = since
        self.params = {"portals": json.dumps(portals, ensure_ascii=False), "since": since}
        self._all = not portals

    def portal(self, column: str = "portal") -> str:
        if self._all:
            return "1"
        return f"{column} IN (SELECT value FROM json_each(:portals))"

    def after(self, column: str) -> str:
        return f"{column} >= :since" if self.since else "1"

    def articles(self, prefix: str = "") -> str:
        """Articles published since (undated ones: first archived since)."""
        dated = (
            f"({prefix}published_at >= :since OR ({prefix}published_at IS NULL AND "
            f"{prefix}first_seen_at >= :since))"
            if self.since
            else "1"
        )
        return f"{self.portal(prefix + 'portal')} AND {dated}"


def gaps(months: dict[str, int]) -> list[Gap]:
    """Runs of empty months between the first and last month, with busy months around them."""
    if not months:
        return []
    series = month_range(min(months), max(months))
    counts = [months.get(m, 0) for m in series]
    busy = max(MIN_NEIGHBOUR, GAP_SHARE * statistics.median(c for c in counts if c))
    found, start = [], None
    for i, count in enumerate(counts):
        if count == 0 and start is None:
            start = i
        if count and start is not None:
            before, after = counts[start - 1], count
            if before >= busy and after >= busy:
                found.append(Gap(series[start], series[i - 1], i - start, before, after))
            start = None
    return found


def month_range(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" from ``first`` to ``last``, both included."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _health(
    conn: sqlite3.Connection,
    scope: _Scope,
    portal: Callable,
    measured: dict[tuple[str, str], list[int]],
) -> None:
    """Extraction health per run where the crawl recorded it, else per month archived.

    ``measured``: (portal, month archived) -> [articles, then a count per HEALTH_FIELDS].
    """
    for run_id, counts in _rows(
        conn,
        f"SELECT id, counts FROM crawl_runs WHERE {scope.after('started_at')} ORDER BY id",
        scope.params,
    ):
        for key, figures in sorted(_json(counts, {}).items()):
            extraction = figures.get("extraction") if isinstance(figures, dict) else None
            if not extraction or not extraction.get("articles"):
                continue
            p = portal(key)
            shares = {f: float(extraction.get(f) or 0) for f in HEALTH_FIELDS}
            p.health.append(HealthPoint(f"run {run_id}", int(extraction["articles"]), shares))
            p.health_source = "runs"
    # Portals no run measured: what their stored articles have, by month first archived.
    for (key, month), (total, *present) in sorted(measured.items()):
        p = portal(key)
        if p.health_source == "runs" or not total:
            continue
        shares = {f: round(n / total, 3) for f, n in zip(HEALTH_FIELDS, present, strict=True)}
        p.health.append(HealthPoint(month, total, shares))
        p.health_source = "articles"


def _runs(db: str, scope: _Scope) -> list[dict[str, Any]]:
    """The last runs that crawled a portal asked for, newest first, with their outcome."""
    from civicnews.runs import recent_runs  # one home for a run's outcome (ok, failed...)

    wanted = set(json.loads(scope.params["portals"]))
    out = []
    for run in recent_runs(db, limit=RUNS_SCANNED):
        if wanted and not wanted & set(run.portals):
            continue
        if scope.since and run.started_at < scope.since:
            break
        out.append(run.to_dict())
        if len(out) == RUNS_LIMIT:
            break
    return out


def _overall(per_portal: list[PortalFigures]) -> PortalFigures:
    total = PortalFigures(ALL)
    for p in per_portal:
        total.articles += p.articles
        total.undated += p.undated
        total.gone += p.gone
        total.changed += p.changed
        total.crossposted += p.crossposted
        for src, dst in ((p.months, total.months), (p.changes, total.changes),
                         (p.failed, total.failed)):  # fmt: skip
            for k, v in src.items():
                dst[k] = dst.get(k, 0) + v
    dates = [d for p in per_portal for d in (p.first_published, p.last_published) if d]
    total.first_published, total.last_published = (
        (min(dates), max(dates)) if dates else (None, None)
    )
    total.gaps = gaps(total.months)
    return total


def _json(text: str | None, default: Any) -> Any:
    try:
        value = json.loads(text) if text else default
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def _rows(conn: sqlite3.Connection, sql: str, params: dict[str, Any]) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def _dicts(conn: sqlite3.Connection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _one(conn: sqlite3.Connection, sql: str, scope: _Scope) -> Any:
    return conn.execute(sql, scope.params).fetchone()[0]
