"""Extraction health: how much of each article a portal's parser reads, run after run.

A portal that changes its article template rarely breaks a crawl outright: the title and body
are still found, but the date loses its time, or the byline is no longer read.  Each run keeps,
per portal, the share of its stored articles that came with a title, a date, a time of day, an
author and a body (``crawl_runs.counts[portal]["extraction"]``); a share that falls sharply
against the portal's previous runs is a health *warning* (the run still succeeds): the sign
that the portal changed its template.

Counted by :class:`civicnews.pipelines.extraction.ExtractionPipeline` into the stats
``civicnews/extraction/articles`` and ``civicnews/extraction/<field>``.

Settings (read by :meth:`ExtractionThresholds.from_settings`):

- ``CIVICNEWS_HEALTH_EXTRACTION_DROP`` (0.25): a share this much below the previous runs'
  median (0.25: from 90% to 65% or less) warns; 0 switches the warning off;
- ``CIVICNEWS_HEALTH_EXTRACTION_MIN_ARTICLES`` (5): runs with fewer stored articles are
  neither judged nor used as a baseline (a share of 2 articles says little);
- ``CIVICNEWS_HEALTH_EXTRACTION_RUNS`` (5): how many previous runs make the baseline.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Any

from civicnews.health import setting_number

#: The fields whose presence is counted, in the order they are shown.
FIELDS = ("title", "date", "time", "author", "body")
STATS_PREFIX = "civicnews/extraction/"


def present(item: dict[str, Any]) -> dict[str, bool]:
    """Which of :data:`FIELDS` a stored article has (``item``: the item's fields)."""
    published = item.get("published_at") or ""
    return {
        "title": bool(item.get("title")),
        "date": bool(published),
        # A datetime is written "YYYY-MM-DDTHH:MM..."; a bare day "YYYY-MM-DD".
        "time": "T" in published,
        "author": bool(item.get("author")),
        "body": bool((item.get("body_text") or "").strip()),
    }


def figures(stats: dict[str, Any]) -> dict[str, Any]:
    """``{"articles": n, "title": share, ...}`` from a crawl's stats; {} when nothing was stored."""
    articles = int(stats.get(STATS_PREFIX + "articles") or 0)
    if not articles:
        return {}
    out: dict[str, Any] = {"articles": articles}
    for name in FIELDS:
        out[name] = round(int(stats.get(STATS_PREFIX + name) or 0) / articles, 3)
    return out


@dataclass(frozen=True)
class ExtractionThresholds:
    drop: float = 0.25
    min_articles: int = 5
    runs: int = 5

    @classmethod
    def from_settings(cls, settings: Any) -> ExtractionThresholds:
        """Read the ``CIVICNEWS_HEALTH_EXTRACTION_*`` settings; ValueError names a bad one."""
        drop = setting_number(settings, "CIVICNEWS_HEALTH_EXTRACTION_DROP", cls.drop)
        if drop > 1:
            raise ValueError(f"CIVICNEWS_HEALTH_EXTRACTION_DROP: expected 0 to 1, got {drop!r}")
        return cls(
            drop=drop,
            min_articles=int(
                setting_number(
                    settings, "CIVICNEWS_HEALTH_EXTRACTION_MIN_ARTICLES", cls.min_articles
                )
            ),
            runs=max(
                1, int(setting_number(settings, "CIVICNEWS_HEALTH_EXTRACTION_RUNS", cls.runs))
            ),
        )


@dataclass(frozen=True)
class ExtractionWarning:
    """One field read on far fewer articles than in the portal's previous runs."""

    portal: str
    check: str  # "extraction_<field>"
    field: str
    share: float
    baseline: float
    articles: int
    baseline_runs: int

    @property
    def message(self) -> str:
        return (
            f"portal {self.portal}: {self.field} read on {self.share:.0%} of {self.articles} "
            f"articles, {self.baseline:.0%} before (median of the previous "
            f"{self.baseline_runs} runs): likely cause: the portal changed its article "
            "template (check a page with `civicnews probe URL`)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "message": self.message}


def baseline_figures(
    previous_counts: list[dict[str, Any]], thresholds: ExtractionThresholds
) -> list[dict[str, Any]]:
    """The extraction figures of the portal's previous runs worth comparing with, newest first.

    ``previous_counts``: the portal's ``crawl_runs.counts`` entries, newest first.
    """
    usable = []
    for counts in previous_counts:
        found = counts.get("extraction") if isinstance(counts, dict) else None
        if isinstance(found, dict) and int(found.get("articles") or 0) >= thresholds.min_articles:
            usable.append(found)
        if len(usable) == thresholds.runs:
            break
    return usable


def check_extraction(
    portal: str,
    current: dict[str, Any],
    previous: list[dict[str, Any]],
    thresholds: ExtractionThresholds,
) -> list[ExtractionWarning]:
    """A warning per field whose share fell by ``thresholds.drop`` or more below the median of
    ``previous`` (from :func:`baseline_figures`)."""
    if thresholds.drop <= 0 or not previous:
        return []
    articles = int(current.get("articles") or 0)
    if articles < thresholds.min_articles:
        return []
    warnings = []
    for name in FIELDS:
        past = [float(f[name]) for f in previous if isinstance(f.get(name), int | float)]
        if not past or name not in current:
            continue
        baseline = statistics.median(past)
        share = float(current[name])
        # A small tolerance: 0.9 - 0.65 must count as a fall of 0.25 despite binary floats.
        if baseline - share >= thresholds.drop - 1e-9:
            warnings.append(
                ExtractionWarning(
                    portal, f"extraction_{name}", name, share, baseline, articles, len(past)
                )
            )
    return warnings


def family_warning(portal: str, stats: dict[str, Any]) -> dict[str, Any] | None:
    """A warning when a portal's pages showed another family than the one configured."""
    found = stats.get("civicnews/family_detection/mismatch")
    if not found:
        return None
    configured = stats.get("civicnews/family") or "?"
    evidence = stats.get("civicnews/family_detection/evidence") or ""
    return {
        "portal": portal,
        "check": "family_mismatch",
        "configured": configured,
        "detected": found,
        "message": (
            f"portal {portal}: configured as {configured} but its pages look like {found} "
            f"({evidence}): likely cause: the portal moved to another CMS; set its family to "
            f'"{found}" (or "auto")'
        ),
    }
