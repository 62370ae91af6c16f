"""Health checks of a finished crawl, per portal: did it do its job?

``scrapy crawl`` exits 0 when a portal's redesign turned the crawl into a
no-op; civicnews checks each portal's figures against thresholds (Scrapy
settings, like spidermon's monitors) and a failed check makes the run exit 1.
:func:`check_portal` is a pure function of the crawl's stats, the portal's
archive activity and the thresholds, so every check is testable on its own.

Checks (name: what fails it; setting):

- ``finish_reason``: the crawl ended otherwise than by finishing, a time limit
  or ``--max-articles`` (``CIVICNEWS_HEALTH_ALLOWED_FINISH_REASONS``);
- ``archive_error``: the archive could not be written;
- ``nothing_parsed``: pages were fetched but no article was parsed and no
  article link found: the layout changed;
- ``parse_failures``: the share of article pages that gave no article (or
  whose reading raised) is above
  ``CIVICNEWS_HEALTH_MAX_PARSE_FAILED_SHARE`` (0.2; needs
  ``CIVICNEWS_HEALTH_MIN_ARTICLE_PAGES`` = 5 article pages);
- ``request_failures``: every page failed (the portal is down), or the share
  of pages that failed for the first time (after retries and redirects; not
  404/410 answers, robots.txt refusals, nor pages that already failed in an
  earlier run: ``civicnews.extensions.failures``) is above
  ``CIVICNEWS_HEALTH_MAX_FAILED_REQUEST_SHARE`` (0.2) with at least
  ``CIVICNEWS_HEALTH_MIN_FAILED_PAGES`` (3) such pages: one article out of
  three on a quiet night is not an outage;
- ``stale``: nothing new archived for ``CIVICNEWS_HEALTH_STALE_DAYS`` (14; 0
  switches it off) on a portal archived for longer than that.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

ALLOWED_FINISH_REASONS = ("finished", "closespider_timeout", "max_articles")
# Answers that mean the server is down, overloaded or refusing the crawler.


@dataclass(frozen=True)
class Thresholds:
    max_parse_failed_share: float = 0.2
    min_article_pages: int = 5
    max_failed_request_share: float = 0.2
    stale_days: float = 14.0
    allowed_finish_reasons: tuple[str, ...] = ALLOWED_FINISH_REASONS
    min_failed_pages: int = 3

    @classmethod
    def from_settings(cls, settings: Any) -> Thresholds:
        """Read the ``CIVICNEWS_HEALTH_*`` settings; ValueError names a bad one."""
        reasons = settings.getlist("CIVICNEWS_HEALTH_ALLOWED_FINISH_REASONS") or list(
            ALLOWED_FINISH_REASONS
        )
        return cls(
            max_parse_failed_share=setting_number(
                settings, "CIVICNEWS_HEALTH_MAX_PARSE_FAILED_SHARE"
            ),
            min_article_pages=int(setting_number(settings, "CIVICNEWS_HEALTH_MIN_ARTICLE_PAGES")),
            max_failed_request_share=setting_number(
                settings, "CIVICNEWS_HEALTH_MAX_FAILED_REQUEST_SHARE"
            ),
            min_failed_pages=int(setting_number(settings, "CIVICNEWS_HEALTH_MIN_FAILED_PAGES")),
            stale_days=setting_number(settings, "CIVICNEWS_HEALTH_STALE_DAYS"),
            allowed_finish_reasons=tuple(reasons),
        )


_DEFAULTS = {
    "CIVICNEWS_HEALTH_MAX_PARSE_FAILED_SHARE": Thresholds.max_parse_failed_share,
    "CIVICNEWS_HEALTH_MIN_ARTICLE_PAGES": Thresholds.min_article_pages,
    "CIVICNEWS_HEALTH_MAX_FAILED_REQUEST_SHARE": Thresholds.max_failed_request_share,
    "CIVICNEWS_HEALTH_MIN_FAILED_PAGES": Thresholds.min_failed_pages,
    "CIVICNEWS_HEALTH_STALE_DAYS": Thresholds.stale_days,
}


def setting_number(settings: Any, name: str, default: float | None = None) -> float:
    """A threshold setting as a number of 0 or more (``ValueError`` naming it otherwise).

    Shared by these checks and the extraction-health ones (civicnews.extraction).
    """
    raw = settings.get(name)
    if raw in (None, ""):
        return float(_DEFAULTS[name] if default is None else default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{name}: expected a number of 0 or more, got {raw!r}")
    return value


@dataclass(frozen=True)
class HealthFailure:
    """One failed check: which portal, what was measured, the limit, the likely cause."""

    portal: str
    check: str
    figure: str
    threshold: str
    cause: str

    @property
    def message(self) -> str:
        return (
            f"portal {self.portal}: {self.figure} (threshold: {self.threshold}): likely cause: "
            f"{self.cause}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "message": self.message}


@dataclass(frozen=True)
class Activity:
    """When the portal's articles were first archived (ISO 8601 UTC), from the archive."""

    articles: int = 0
    oldest_first_seen: str | None = None
    newest_first_seen: str | None = None


def archive_activity(conn: sqlite3.Connection, portal: str) -> Activity:
    count, oldest, newest = conn.execute(
        "SELECT count(*), min(first_seen_at), max(first_seen_at) FROM articles WHERE portal = ?",
        (portal,),
    ).fetchone()
    return Activity(count, oldest, newest)


def _int(stats: dict[str, Any], key: str) -> int:
    try:
        return int(stats.get(key) or 0)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class PageFailures:
    """Pages with a final outcome, and those whose request failed (from the crawl's stats)."""

    pages: int  # pages answered or given up (robots.txt refusals aside)
    failed: int  # pages whose request failed after retries and redirects
    new: int  # of those, pages that had not failed in an earlier run
    known: int  # of those, pages that failed in an earlier run too

    @property
    def all_failed(self) -> bool:
        return self.failed > 0 and self.failed >= self.pages


def request_failures(stats: dict[str, Any]) -> PageFailures:
    """How many pages failed, as ``civicnews.extensions.failures`` counted them."""
    return PageFailures(
        pages=_int(stats, "civicnews/pages/answered") + _int(stats, "civicnews/pages/unanswered"),
        failed=_int(stats, "civicnews/failed_pages/requests"),
        new=_int(stats, "civicnews/failed_pages/new"),
        known=_int(stats, "civicnews/failed_pages/known"),
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_portal(
    portal: str,
    stats: dict[str, Any],
    thresholds: Thresholds,
    activity: Activity | None = None,
    now: datetime | None = None,
) -> list[HealthFailure]:
    """Every failed check for one portal's crawl (an empty list: healthy)."""
    failures: list[HealthFailure] = []

    def fail(check: str, figure: str, threshold: str, cause: str) -> None:
        failures.append(HealthFailure(portal, check, figure, threshold, cause))

    reason = str(stats.get("finish_reason") or "not_started")
    if reason not in thresholds.allowed_finish_reasons:
        fail(
            "finish_reason",
            f"the crawl ended with reason {reason!r}",
            "one of " + ", ".join(thresholds.allowed_finish_reasons),
            "the run was interrupted (signal, crash) or the spider could not start; see the log",
        )
    if stats.get("civicnews/archive_error"):
        fail(
            "archive_error",
            f"the archive could not be written ({stats['civicnews/archive_error']})",
            "no archive error",
            "disk full, permissions or a damaged archive",
        )
    pages = max(0, _int(stats, "response_received_count") - _int(stats, "robotstxt/response_count"))
    articles = _int(stats, "civicnews/article_pages")
    # Pages whose reading raised (failed_pages kind parse-error) gave no article either.
    parse_failed = _int(stats, "civicnews/article_parse_failed") + _int(
        stats, "civicnews/failed_pages/parse-error"
    )
    # A 304 is a known article confirmed, not a parse: it still shows the crawl works.
    found = _int(stats, "civicnews/listing_entries") + _int(
        stats, "civicnews/incremental/not_modified"
    )
    if pages and not articles and not found:
        fail(
            "nothing_parsed",
            f"{pages} pages fetched but no article parsed and no article link found",
            "at least 1 article or article link",
            "the portal's layout changed (or start_urls no longer point at its news listing)",
        )
    article_pages = articles + parse_failed
    share = _share(parse_failed, article_pages)
    if article_pages >= thresholds.min_article_pages and share > thresholds.max_parse_failed_share:
        fail(
            "parse_failures",
            f"{parse_failed} of {article_pages} article pages ({share:.0%}) gave no article",
            f"at most {thresholds.max_parse_failed_share:.0%}",
            "the article page layout changed",
        )
    pages = request_failures(stats)
    share = _share(pages.new, pages.pages)
    if pages.all_failed:
        fail(
            "request_failures",
            f"all {pages.pages} pages failed after retries",
            "at least 1 page fetched",
            "the portal is down, overloaded or blocking the crawler",
        )
    elif (
        pages.new >= max(1, thresholds.min_failed_pages)
        and share > thresholds.max_failed_request_share
    ):
        known = f", besides {pages.known} failing since earlier runs" if pages.known else ""
        fail(
            "request_failures",
            f"{pages.new} of {pages.pages} pages ({share:.0%}) failed after retries{known}",
            f"at most {thresholds.max_failed_request_share:.0%} "
            f"(from {thresholds.min_failed_pages} pages)",
            "the portal is down, overloaded or blocking the crawler",
        )
    if activity is not None and thresholds.stale_days > 0 and activity.articles:
        now = now or datetime.now(UTC)
        limit = now - timedelta(days=thresholds.stale_days)
        oldest = _parse_time(activity.oldest_first_seen)
        newest = _parse_time(activity.newest_first_seen)
        if oldest and newest and oldest < limit and newest < limit:
            days = (now - newest).days
            fail(
                "stale",
                f"no new article archived for {days} days",
                f"{thresholds.stale_days:g} days",
                "the portal stopped publishing, or its news moved elsewhere (check start_urls)",
            )
    return failures
