"""Version 3: ``crawl_runs``, one row per ``civicnews crawl`` run.

A run inserts its row when it starts (``finished_at`` NULL) and completes it
when it ends, whatever the outcome; a row left unfinished is a run that was
killed (or is still running: the archive lock tells which).  Written and read
by :mod:`civicnews.runs`.

- ``portals``: JSON list of the registry keys crawled.
- ``counts``: JSON object, per portal: finish reason, pages, articles new /
  known, dropped, errors, elapsed seconds.
- ``finish_reason``: ``finished`` when every portal finished, otherwise the
  other reasons joined by commas (``shutdown``, ``closespider_timeout``,
  ``max_articles``, ``archive_error``, ``crashed``...).
- ``exit_code``: what the command exited with (0, 1; see the README).
- ``health``: JSON list of failed health checks (portal, check, figure,
  threshold, message).
- ``argv`` (JSON list) and ``options`` (JSON object): how the run was started.
"""

import sqlite3

from civicnews.archive.migrations import run_script


def apply(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            pid INTEGER,
            version TEXT NOT NULL,
            argv TEXT NOT NULL DEFAULT '[]',
            options TEXT NOT NULL DEFAULT '{}',
            portals TEXT NOT NULL DEFAULT '[]',
            counts TEXT NOT NULL DEFAULT '{}',
            finish_reason TEXT,
            exit_code INTEGER,
            health TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX crawl_runs_started ON crawl_runs (started_at);
        """,
    )
