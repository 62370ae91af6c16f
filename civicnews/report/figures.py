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

#: Fields whose presence measures extraction health, as the crawl counts them
#: (``crawl_runs.counts[portal]["extraction"]``, see civicnews.extraction).
HEALTH_FIELDS = ("title", "date", "time", "author", "body")
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
    "extraction health",
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
    for row in _rows(
        conn,
        "SELECT portal, count(*), count(published_at), min(published_at), max(published_at), "
        "count(gone_at), sum(revision_count > 1), count(duplicate_of) FROM articles "
        f"WHERE {scope.articles()} GROUP BY portal",
        scope.params,
    ):
        p = portal(row[0])
        p.articles, dated, p.first_published, p.last_published = row[1], row[2], row[3], row[4]
        p.undated = p.articles - dated
        p.gone, p.changed, p.crossposted = row[5], row[6] or 0, row[7]
    for key, month, count in _rows(
        conn,
        "SELECT portal, substr(published_at, 1, 7) AS month, count(*) FROM articles "
        f"WHERE published_at IS NOT NULL AND {scope.articles()} GROUP BY portal, month",
        scope.params,
    ):
        portal(key).months[month] = count

    progress(STEPS[1])
    _health(conn, scope, portal)

    progress(STEPS[2])
    # A revision after an article's first is a change of its title, date or body.
    for key, month, count in _rows(
        conn,
        "SELECT a.portal, substr(r.fetched_at, 1, 7) AS month, count(*) FROM revisions r "
        "JOIN articles a ON a.url = r.article_url "
        "WHERE r.id > (SELECT min(r0.id) FROM revisions r0 WHERE r0.article_url = r.article_url) "
        f"AND {scope.portal('a.portal')} AND {scope.after('r.fetched_at')} "
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
    gone = _dicts(
        conn,
        "SELECT portal, url, title, published_at, gone_at, last_status FROM articles "
        f"WHERE gone_at IS NOT NULL AND {scope.articles()} "
        f"ORDER BY gone_at DESC, url LIMIT {LIST_LIMIT}",
        scope.params,
    )

    progress(STEPS[4])
    crossposts = _dicts(
        conn,
        "SELECT a.portal, a.title, a.published_at, a.url, o.portal AS original_portal, "
        "o.url AS original_url FROM articles a JOIN articles o ON o.url = a.duplicate_of "
        f"WHERE {scope.articles('a.')} ORDER BY a.first_seen_at DESC, a.url LIMIT {LIST_LIMIT}",
        scope.params,
    )
    pairs = _dicts(
        conn,
        "SELECT o.portal AS original_portal, a.portal, count(*) AS articles FROM articles a "
        f"JOIN articles o ON o.url = a.duplicate_of WHERE {scope.articles('a.')} "
        "GROUP BY 1, 2 ORDER BY articles DESC, 1, 2",
        scope.params,
    )

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


def _health(conn: sqlite3.Connection, scope: _Scope, portal: Callable) -> None:
    """Extraction health per run where the crawl recorded it, else per month archived."""
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
            label = f"run {run_id}"
            p.health.append(HealthPoint(label, int(extraction["articles"]), shares))
            p.health_source = "runs"
    # Portals no run measured: what their stored articles have, by month first archived.
    for row in _rows(
        conn,
        "SELECT portal, substr(first_seen_at, 1, 7) AS month, count(*), "
        "sum(coalesce(title, '') <> ''), count(published_at), "
        "sum(instr(coalesce(published_at, ''), 'T') > 0), sum(coalesce(author, '') <> ''), "
        "count(text_hash) FROM articles "
        f"WHERE {scope.articles()} GROUP BY portal, month",
        scope.params,
    ):
        p = portal(row[0])
        if p.health_source == "runs":
            continue
        total = row[2]
        shares = {f: round(n / total, 3) for f, n in zip(HEALTH_FIELDS, row[3:], strict=True)}
        p.health.append(HealthPoint(row[1] or "?", total, shares))
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
