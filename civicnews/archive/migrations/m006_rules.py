"""Version 6: ``articles.rules`` and ``articles.posted_by``.

- ``rules``: compact JSON object, field -> the parser rule that read it
  (``{"title": "liferay:.header-title", "published": "common:date-line"}``), so
  a wrong field can be traced to its rule; NULL for rows stored before.
- ``posted_by``: the CMS account a page names as its poster ("admin admin"),
  kept apart from the author (the byline).
"""

import sqlite3


def apply(conn: sqlite3.Connection) -> None:
    columns = {row[1] for row in conn.execute("PRAGMA table_info(articles)")}
    # Checked, not assumed: a later migration numbered before this one on another
    # branch may have added them already.
    if "rules" not in columns:
        conn.execute("ALTER TABLE articles ADD COLUMN rules TEXT")
    if "posted_by" not in columns:
        conn.execute("ALTER TABLE articles ADD COLUMN posted_by TEXT")
