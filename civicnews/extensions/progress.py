"""A live progress line on a terminal: per portal, pages fetched, articles, errors.

Like Scrapy's LogStats, but for a person watching: every
``CIVICNEWS_PROGRESS_INTERVAL`` seconds (1) one line on stderr is redrawn in
place (carriage return, erase to end of line) with every portal of the
process, e.g. ``bactuliem: 120 pages, 45 new, 300 known, 0 errors | ...``,
cut to the terminal's width; the last state stays on screen, ended by a
newline, when the last portal closes.  ``civicnews crawl`` sets
``CIVICNEWS_PROGRESS`` when stdout is a terminal (and not ``--quiet`` or
``--json``); off, the extension raises NotConfigured.

"new" counts articles fetched this run that were not known (fetched items
less conditional refetches), "known" the archived articles met and not
fetched or revalidated, "errors" the ERROR log lines.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from typing import Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call


def status_line(portal: str, stats: dict[str, Any], done: bool = False) -> str:
    def get(key: str) -> int:
        return int(stats.get(key) or 0)

    refreshed = get("civicnews/incremental/refresh_requests")
    new = max(0, get("item_scraped_count") - refreshed)
    known = get("civicnews/incremental/known_skipped") + refreshed
    line = (
        f"{portal}: {get('response_received_count')} pages, {new} new, {known} known, "
        f"{get('log_count/ERROR')} errors"
    )
    return line + (" (done)" if done else "")


class Board:
    """The one status line shared by every portal's extension in this process."""

    def __init__(self, stream: TextIO, interval: float = 1.0):
        self.stream = stream
        self.interval = interval
        self.entries: dict[str, Callable[[], str]] = {}
        self.open: set[str] = set()
        self.task: Any = None

    def register(self, key: str, status: Callable[[], str]) -> None:
        self.entries[key] = status
        self.open.add(key)
        if self.task is None:
            self.task = create_looping_call(self.draw)
            self.task.start(self.interval, now=False)

    def close(self, key: str) -> None:
        self.open.discard(key)
        self.draw()
        if not self.open:
            if self.task is not None and self.task.running:
                self.task.stop()
            self.task = None
            self.stream.write("\n")
            self.stream.flush()
            self.entries.clear()

    def draw(self) -> None:
        width = shutil.get_terminal_size((100, 24)).columns - 1
        line = " | ".join(status() for status in self.entries.values())
        if len(line) > width > 3:
            line = line[: width - 1] + "…"
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()


_BOARD: Board | None = None


def board(interval: float = 1.0) -> Board:
    global _BOARD
    if _BOARD is None:
        _BOARD = Board(sys.stderr, interval)
    return _BOARD


class Progress:
    def __init__(self, stats: Any, board: Board):
        self.stats = stats
        self.board = board
        self.portal = "?"
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler) -> Progress:
        if not crawler.settings.getbool("CIVICNEWS_PROGRESS"):
            raise NotConfigured
        interval = crawler.settings.getfloat("CIVICNEWS_PROGRESS_INTERVAL", 1.0)
        ext = cls(crawler.stats, board(interval))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def status(self) -> str:
        return status_line(self.portal, self.stats.get_stats(), done=self.closed)

    def spider_opened(self, spider: Any) -> None:
        self.portal = getattr(spider, "portal_key", None) or spider.name
        self.board.register(self.portal, self.status)

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.closed = True
        self.board.close(self.portal)
