"""Version 7: a page that keeps failing is retried less and less often, then given up.

Columns added to ``failed_pages`` (written by ``civicnews.extensions.failures``):

- ``failures``: runs in a row that failed on this page, this one included
  (1 for a first failure; NULL on rows written before version 7, read as 1);
- ``retry_at``: the earliest time a later run fetches the page again
  (``failed_at`` + 1, 2, 4... days as ``failures`` grows); NULL once given up;
- ``given_up``: 1 on the row of the run that gave the page up (after
  ``CIVICNEWS_FAILED_GIVE_UP_AFTER`` failures in a row): later runs skip it.

A page fetched with success since its last failure starts again from 1.
"""

import sqlite3


def apply(conn: sqlite3.Connection) -> None:
    present = {row[1] for row in conn.execute("PRAGMA table_info(failed_pages)")}
    for name, declaration in (
        ("failures", "INTEGER"),
        ("retry_at", "TEXT"),
        ("given_up", "INTEGER NOT NULL DEFAULT 0"),
    ):
        if name not in present:
            conn.execute(f"ALTER TABLE failed_pages ADD COLUMN {name} {declaration}")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS failed_pages_portal_url ON failed_pages (portal, url)"
    )
