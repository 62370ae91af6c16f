"""What a crawl is asked to do: :class:`CrawlOptions`, validated once, and its Scrapy settings.

``civicnews crawl``, ``civicnews demo``, ``--set NAME=VALUE`` and library callers build a
:class:`CrawlOptions` and hand it to :func:`civicnews.crawl.run_crawl`; ``scrapy crawl
portal -s NAME=VALUE`` reaches the same checks through the :class:`SettingsCheck` add-on.
Every civicnews setting, and every Scrapy setting civicnews relies on, has one entry in
:data:`SETTINGS`: its parser from :mod:`civicnews.values`, with its type and range.  A bad
value is a :class:`civicnews.errors.UsageError` (exit 2) raised before anything starts: no
lock taken, no ``crawl_runs`` row, no request sent.  Components then read typed values
with Scrapy's getters in ``from_crawler``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from scrapy.settings import BaseSettings, Settings

from civicnews import __version__, registry
from civicnews import values as v
from civicnews.errors import EXIT_USAGE, UsageError

_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def _log_level(value: Any, name: str) -> str:
    level = logging.getLevelName(value) if isinstance(value, int) else str(value).strip().upper()
    if level not in _LEVELS:
        raise UsageError(f"{name}: expected one of {', '.join(_LEVELS)}, got {value!r}")
    return level


def _status_codes(value: Any, name: str) -> list[int]:
    items = v.words(value, name) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise UsageError(f"{name}: expected a comma-separated list of HTTP status codes")
    return [v.integer(item, name, 100, 599) for item in items]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _optional(parse: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[Any, str], Any]:
    return lambda value, name: v.optional(parse, value, name, *args, **kwargs)


_count = partial(v.integer, minimum=0)
_share = partial(v.number, minimum=0.0, maximum=1.0)
_seconds = partial(v.number, minimum=0.0, maximum=86_400.0)
# Requests in flight over all portals (each portal: registry.MAX_CONCURRENCY).
MAX_CONCURRENCY = 1000

#: Every setting civicnews reads or relies on, and how to read a value given for it.
SETTINGS: dict[str, Callable[[Any, str], Any]] = {
    "CIVICNEWS_DB": partial(v.text, empty=False),
    "CIVICNEWS_PORTALS_FILE": _optional(v.text),
    "CIVICNEWS_BATCH_SIZE": partial(v.integer, minimum=1, maximum=100_000),
    "CIVICNEWS_COMPRESS_LEVEL": partial(v.integer, minimum=0, maximum=9),
    "CIVICNEWS_STORE_PROCESS": v.boolean,
    "CIVICNEWS_MIN_BODY_CHARS": _count,
    "CIVICNEWS_CONTACT_URL": v.text,
    "CIVICNEWS_INCREMENTAL": v.boolean,
    "CIVICNEWS_INCREMENTAL_STOP_AFTER": _count,
    "CIVICNEWS_REFRESH_AFTER_DAYS": _optional(v.number, unit="days"),
    "CIVICNEWS_SINCE": lambda value, name: _iso(v.optional(v.day, value, name)),
    "CIVICNEWS_MAX_ARTICLES": _count,
    "CIVICNEWS_RUN_ID": _optional(v.integer, minimum=1),
    "CIVICNEWS_CRAWL_DELAY_MAX": _seconds,
    "CIVICNEWS_PROGRESS": v.boolean,
    "CIVICNEWS_PROGRESS_INTERVAL": partial(
        v.number, minimum=0.0, maximum=3600.0, above_minimum=True
    ),  # fmt: skip
    "CIVICNEWS_HEALTH_MIN_ARTICLE_PAGES": _count,
    "CIVICNEWS_HEALTH_MAX_PARSE_FAILED_SHARE": _share,
    "CIVICNEWS_HEALTH_MAX_FAILED_REQUEST_SHARE": _share,
    "CIVICNEWS_HEALTH_MIN_FAILED_PAGES": partial(v.integer, minimum=1, maximum=100_000),
    "CIVICNEWS_HEALTH_STALE_DAYS": v.number,
    "CIVICNEWS_HEALTH_ALLOWED_FINISH_REASONS": v.words,
    "CIVICNEWS_HEALTH_EXTRACTION_DROP": _share,
    "CIVICNEWS_HEALTH_EXTRACTION_MIN_ARTICLES": _count,
    "CIVICNEWS_HEALTH_EXTRACTION_RUNS": partial(v.integer, minimum=1, maximum=1000),
    "CIVICNEWS_DETECT_PAGES": partial(v.integer, minimum=1, maximum=1000),
    "CIVICNEWS_RETRY_BACKOFF_BASE": _seconds,
    "CIVICNEWS_RETRY_BACKOFF_MAX": _seconds,
    "CIVICNEWS_RETRY_AFTER_MAX": _seconds,
    "CIVICNEWS_ENCODING_FIX": v.boolean,
    "CIVICNEWS_LEGACY_ENCODING": v.codec,
    "CIVICNEWS_LISTING_DEPTH_LIMIT": _count,
    "CIVICNEWS_URL_CLEANUP": v.boolean,
    "CIVICNEWS_FAILURES_ENABLED": v.boolean,
    "CIVICNEWS_FAILURES_BATCH_SIZE": partial(v.integer, minimum=1, maximum=100_000),
    "CIVICNEWS_FAILED_RETRY_DAYS": partial(v.number, minimum=0.0, maximum=3650.0),
    "CIVICNEWS_FAILED_GIVE_UP_AFTER": partial(v.integer, minimum=1, maximum=1000),
    # Attachments (civicnews.pipelines.files); file bodies are SQLite BLOBs: at most 1 GB.
    "CIVICNEWS_FILES_ENABLED": v.boolean,
    "CIVICNEWS_FILES_MAXSIZE": partial(v.integer, minimum=1, maximum=1_000_000_000),
    "CIVICNEWS_FILES_EXTENSIONS": v.words,
    "CIVICNEWS_FILES_IMAGES": v.boolean,
    "CIVICNEWS_FILES_IMAGES_MAXSIZE": partial(v.integer, minimum=1, maximum=1_000_000_000),
    "CIVICNEWS_FILES_MAX_REDIRECTS": partial(v.integer, minimum=0, maximum=100),
    # Distributed crawling (civicnews.distributed); an empty CIVICNEWS_DB is a worker's.
    "CIVICNEWS_REDIS_JOB": _optional(v.text),
    "CIVICNEWS_REDIS_WORKER": _optional(v.text),
    "CIVICNEWS_REDIS_LEASE": _seconds,
    "CIVICNEWS_REDIS_IDLE_STOP": _seconds,
    "CIVICNEWS_REDIS_POLL": _seconds,
    # Scrapy's own settings that civicnews sets or whose meaning it relies on.
    "AUTOTHROTTLE_ENABLED": v.boolean,
    "AUTOTHROTTLE_MAX_DELAY": _seconds,
    "AUTOTHROTTLE_START_DELAY": _seconds,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": partial(
        v.number, minimum=0.0, maximum=MAX_CONCURRENCY, above_minimum=True
    ),  # fmt: skip
    "CLOSESPIDER_TIMEOUT": partial(v.number, minimum=0.0),
    "CLOSESPIDER_ITEMCOUNT": _count,
    "CLOSESPIDER_PAGECOUNT": _count,
    "CLOSESPIDER_ERRORCOUNT": _count,
    "CONCURRENT_ITEMS": partial(v.integer, minimum=1, maximum=100_000),
    "CONCURRENT_REQUESTS": partial(v.integer, minimum=1, maximum=MAX_CONCURRENCY),
    "CONCURRENT_REQUESTS_PER_DOMAIN": partial(
        v.integer, minimum=1, maximum=registry.MAX_CONCURRENCY
    ),
    "COOKIES_ENABLED": v.boolean,
    "DEPTH_LIMIT": _count,
    "DNS_TIMEOUT": partial(v.number, minimum=0.0, maximum=3600.0, above_minimum=True),
    "DOWNLOAD_DELAY": _seconds,
    "DOWNLOAD_MAXSIZE": _count,
    "DOWNLOAD_TIMEOUT": partial(v.number, minimum=0.0, maximum=3600.0, above_minimum=True),
    "DOWNLOAD_WARNSIZE": _count,
    "LOG_ENABLED": v.boolean,
    "LOG_FILE": _optional(v.text),
    "LOG_LEVEL": _log_level,
    "REDIRECT_ENABLED": v.boolean,
    "REDIRECT_MAX_TIMES": _count,
    "RETRY_ENABLED": v.boolean,
    "RETRY_HTTP_CODES": _status_codes,
    "RETRY_TIMES": _count,
    "ROBOTSTXT_OBEY": v.boolean,
    "USER_AGENT": partial(v.text, empty=False),
}


def check_settings(settings: Mapping[str, Any] | BaseSettings) -> dict[str, Any]:
    """Typed values of the known settings in ``settings``; every problem in one UsageError.

    A ``CIVICNEWS_`` name civicnews does not know is a typo (an unknown Scrapy name may be
    another add-on's, so it passes).  Given a Scrapy ``Settings``, the typed values replace
    the strings at the same priority, so components read what was checked.
    """
    problems, typed = [], {}
    for name in settings:
        if name.startswith("CIVICNEWS_") and name not in SETTINGS:
            problems.append(f"{name}: unknown setting (see the README's settings table)")
            continue
        if name not in SETTINGS:
            continue
        try:
            typed[name] = SETTINGS[name](settings[name], name)
        except UsageError as exc:
            problems.append(str(exc))
    if problems:
        raise UsageError("; ".join(problems))
    if isinstance(settings, BaseSettings):
        for name, value in typed.items():
            if value != settings[name] or type(value) is not type(settings[name]):
                # At the priority it had: a default must stay a default for Scrapy.
                settings.set(name, value, priority=settings.getpriority(name) or 0)
    return typed


def settings_from_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``NAME=VALUE`` strings (``--set``) as a dict; the values are checked by CrawlOptions."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.isidentifier() or not name.isupper():
            raise UsageError(f"--set {pair!r}: expected NAME=VALUE, NAME an upper-case setting")
        out[name] = value
    return out


def project_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """civicnews' Scrapy settings, independent of the current directory."""
    settings = Settings()
    settings.setmodule("civicnews.settings", priority="project")
    if overrides:
        settings.setdict(dict(overrides), priority="cmdline")
    if "USER_AGENT" not in (overrides or {}):
        # The User-Agent names civicnews and whom to contact: follow the setting.
        contact = settings.get("CIVICNEWS_CONTACT_URL")
        agent = f"civicnews/{__version__}" + (f" (+{contact})" if contact else "")
        settings.set("USER_AGENT", agent, priority="cmdline")
    return settings


@dataclass(frozen=True)
class CrawlOptions:
    """One crawl: which portals, into which archive, within which limits.

    Values may be typed or strings as typed on a command line; they are checked and
    converted when the object is made (:class:`UsageError` names the option).  ``settings``
    holds any other setting by name (``--set``), applied last, so it wins over the fields.
    """

    portals: tuple[str, ...] = ()  # registry keys; empty: every portal
    db: str = "archive.db"
    portals_file: str | None = None
    full: bool = False  # walk every listing page (CIVICNEWS_INCREMENTAL = False)
    since: date | None = None
    max_articles: int | None = None  # per portal; None: no cap
    refresh_after: float | None = None  # days
    time_limit: float | None = None  # seconds, per portal
    log_file: str | None = None
    log_level: str = "WARNING"
    progress: bool = False  # the live lines on stderr
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        checks: dict[str, Callable[[Any], Any]] = {
            "portals": lambda x: tuple(v.text(p, "portal name", empty=False) for p in x),
            "db": lambda x: v.text(str(x), "--db", empty=False),
            "portals_file": lambda x: v.optional(v.text, x and str(x), "--portals-file"),
            "full": lambda x: v.boolean(x, "--full"),
            "since": lambda x: v.optional(v.day, x, "--since"),
            "max_articles": lambda x: v.optional(v.integer, x, "--max-articles", minimum=1),
            "refresh_after": lambda x: v.optional(v.number, x, "--refresh-after", unit="days"),
            "time_limit": lambda x: v.optional(v.duration, x, "--time-limit"),
            "log_file": lambda x: v.optional(v.text, x and str(x), "--log-file"),
            "log_level": lambda x: _log_level(x, "log level"),
            "progress": lambda x: v.boolean(x, "progress"),
        }
        if isinstance(self.portals, str):
            object.__setattr__(self, "portals", (self.portals,))
        for name, check in checks.items():
            object.__setattr__(self, name, check(getattr(self, name)))
        typed = dict(self.settings)
        typed.update(check_settings(typed))
        object.__setattr__(self, "settings", typed)

    def to_settings(self) -> Settings:
        """The crawl's Scrapy settings: civicnews' defaults, these options, ``settings``."""
        values: dict[str, Any] = {
            "CIVICNEWS_DB": self.db,
            "CIVICNEWS_INCREMENTAL": not self.full,
            "CIVICNEWS_PROGRESS": self.progress,
            "LOG_LEVEL": self.log_level,
        }
        optional = {
            "CIVICNEWS_PORTALS_FILE": self.portals_file,
            "CIVICNEWS_SINCE": self.since and self.since.isoformat(),
            "CIVICNEWS_MAX_ARTICLES": self.max_articles,
            "CIVICNEWS_REFRESH_AFTER_DAYS": self.refresh_after,
            "CLOSESPIDER_TIMEOUT": self.time_limit,
            "LOG_FILE": self.log_file,
        }
        values.update({k: val for k, val in optional.items() if val is not None})
        values.update(self.settings)
        settings = project_settings(values)
        check_settings(settings)  # the defaults and the merged whole, once more: cheap
        return settings

    def to_record(self) -> dict[str, Any]:
        """What ``crawl_runs.options`` keeps of the run's options."""
        record = {
            "full": self.full,
            "since": self.since and self.since.isoformat(),
            "max_articles": self.max_articles,
            "refresh_after": self.refresh_after,
            "time_limit": self.time_limit,
            "portals": list(self.portals),
            "log_file": self.log_file,
        }
        if self.settings:
            record["settings"] = dict(self.settings)
        return record


class SettingsCheck:
    """Scrapy add-on: ``scrapy crawl portal -s NAME=VALUE`` gets the checks of CrawlOptions.

    Scrapy calls ``update_pre_crawler_settings`` when its crawler process is made, before
    any crawl starts.  Outside ``civicnews crawl`` (which checks earlier, through
    CrawlOptions, and never gets here with a bad value) this hook is the edge of the
    ``scrapy`` command: a bad value is one line on stderr and exit code 2, like civicnews'.
    """

    @classmethod
    def update_pre_crawler_settings(cls, settings: BaseSettings) -> None:
        try:
            check_settings(settings)
        except UsageError as exc:
            sys.stderr.write(f"civicnews: {exc}\n")
            raise SystemExit(EXIT_USAGE) from None

    def update_settings(self, settings: BaseSettings) -> None:
        """Nothing more per crawler: the values were checked before any crawler existed."""
