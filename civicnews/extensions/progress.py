"""Live progress on a terminal: one line per portal, pages fetched, articles, errors.

Like Scrapy's LogStats, but for a person watching: every
``CIVICNEWS_PROGRESS_INTERVAL`` seconds (1) a block on stderr is redrawn in
place (cursor up, carriage return, erase to end of line) with one line per
portal of the process, e.g. ``bactuliem: 120 pages, 45 new, 300 known, 0 errors``,
each cut to the terminal's width.  When there are more portals than the
terminal has rows for, the running ones are shown first and one last line
sums up the rest (``… 12 more portals (9 done): 840 pages, 310 new, …``).
The last state stays on screen, ended by a newline, when the last portal
closes.  ``civicnews crawl`` sets ``CIVICNEWS_PROGRESS`` when stdout is a
terminal (and not ``--quiet`` or ``--json``); off, the extension raises
NotConfigured.

"new" counts articles fetched this run that were not known (fetched items
less conditional refetches), "known" the archived articles met and not
fetched or revalidated, "errors" the portal's own errors
(``civicnews.extensions.failures.count_errors``: pages given up, archive errors).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from typing import Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from civicnews.extensions.failures import count_errors


def counts(stats: dict[str, Any]) -> dict[str, int]:
    """What a progress line shows, from a crawler's stats."""

    def get(key: str) -> int:
        return int(stats.get(key) or 0)

    refreshed = get("civicnews/incremental/refresh_requests")
    return {
        "pages": get("response_received_count"),
        "new": max(0, get("item_scraped_count") - refreshed),
        "known": get("civicnews/incremental/known_skipped") + refreshed,
        "errors": count_errors(stats),
    }


def _figures(c: dict[str, int]) -> str:
    return f"{c['pages']} pages, {c['new']} new, {c['known']} known, {c['errors']} errors"


class Board:
    """The block of status lines shared by every portal's extension in this process."""

    def __init__(self, stream: TextIO, interval: float = 1.0):
        self.stream = stream
        self.interval = interval
        self.entries: dict[str, Callable[[], dict[str, Any]]] = {}
        self.open: set[str] = set()
        self.task: Any = None
        self.drawn = 0  # lines of the block on screen

    def register(self, key: str, stats: Callable[[], dict[str, Any]]) -> None:
        self.entries[key] = stats
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
            self.drawn = 0

    def lines(self, rows: int) -> list[str]:
        """One line per portal, running ones first if they do not all fit in ``rows``."""
        keys = list(self.entries)
        if len(keys) > rows:
            keys.sort(key=lambda k: k not in self.open)  # stable: running first
        shown, rest = (keys, []) if len(keys) <= rows else (keys[: rows - 1], keys[rows - 1 :])
        out = [
            f"{key}: {_figures(counts(self.entries[key]()))}"
            + ("" if key in self.open else " (done)")
            for key in shown
        ]
        if rest:
            total = {"pages": 0, "new": 0, "known": 0, "errors": 0}
            for key in rest:
                for name, value in counts(self.entries[key]()).items():
                    total[name] += value
            done = sum(key not in self.open for key in rest)
            out.append(f"… {len(rest)} more portals ({done} done): {_figures(total)}")
        return out

    def draw(self) -> None:
        size = shutil.get_terminal_size((100, 24))
        width, rows = size.columns - 1, max(2, size.lines - 2)
        lines = [
            line[: width - 1] + "…" if len(line) > width > 3 else line for line in self.lines(rows)
        ]
        # Back to the block's first line; it only grows (portals are never removed).
        up = f"\x1b[{self.drawn - 1}A" if self.drawn > 1 else ""
        self.stream.write(up + "\n".join("\r\x1b[K" + line for line in lines))
        self.stream.flush()
        self.drawn = len(lines)


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

    @classmethod
    def from_crawler(cls, crawler) -> Progress:
        if not crawler.settings.getbool("CIVICNEWS_PROGRESS"):
            raise NotConfigured
        interval = crawler.settings.getfloat("CIVICNEWS_PROGRESS_INTERVAL", 1.0)
        ext = cls(crawler.stats, board(interval))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.portal = getattr(spider, "portal_key", None) or spider.name
        self.board.register(self.portal, self.stats.get_stats)

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.board.close(self.portal)
