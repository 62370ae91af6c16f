"""Version 8: ``ingest_progress``, how far the ingester of each distributed job got.

One row per crawl job (``civicnews ingest``, :mod:`civicnews.distributed.ingest`):
``last_id`` is the last entry of the job's Redis stream committed to this archive,
written in the same transaction as the entries' articles, so a restarted
ingester skips exactly what is already archived; ``items`` and ``counts`` (JSON:
per portal, the store's figures) add up what the job archived; ``job_created_at``
tells a job from a later one of the same name.
"""

import sqlite3

from civicnews.archive.migrations import run_script


def apply(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS ingest_progress (
            job TEXT PRIMARY KEY,
            job_created_at TEXT,
            last_id TEXT NOT NULL,
            items INTEGER NOT NULL DEFAULT 0,
            counts TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL
        );
        """,
    )
