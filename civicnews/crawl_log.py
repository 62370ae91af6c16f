"""Where a crawl's log goes: tracebacks to ``--log-file``, one line per record on a terminal.

Scrapy logs a page that cannot be had with the whole Twisted traceback (a portal that is
down printed 78 lines and 2 tracebacks); on a terminal or in a cron mail that buries the
summary.  Without ``--log-file``, :func:`terminal_log` replaces Scrapy's root handler with
one whose records are each one line: the exception's type and message instead of its
traceback.  With ``--log-file``, Scrapy's own file handler keeps every traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from scrapy.settings import Settings


class OneLineFormatter(logging.Formatter):
    """A record on one line: no traceback, no line breaks (from WARNING up)."""

    def format(self, record: logging.LogRecord) -> str:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None or record.exc_text or record.stack_info:
            record = logging.makeLogRecord(record.__dict__)
            record.exc_info = record.exc_text = record.stack_info = None
        line = super().format(record)
        if exc is not None and str(exc) not in line:
            line += f" ({type(exc).__name__}: {exc})"
        if record.levelno >= logging.WARNING:
            # One failure, one line; INFO (-v) keeps Scrapy's multi-line summaries.
            line = " ".join(line.split())
        return line


@contextmanager
def terminal_log(settings: Settings) -> Iterator[None]:
    """For the crawl in the block: the one-line stderr handler, unless the log goes to a file."""
    if settings.get("LOG_FILE") or not settings.getbool("LOG_ENABLED", True):
        yield
        return
    # Scrapy then installs no root handler of its own, neither now nor per crawler.
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        OneLineFormatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT"))
    )
    handler.setLevel(settings.get("LOG_LEVEL"))
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.NOTSET)  # as Scrapy does: the handler's level decides
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
