"""Datasette metadata shipped with civicnews: named queries over an archive.

``datasette archive.db --metadata "$(python -m civicnews.datasette)"`` serves
an archive with the queries of ``metadata.json`` (database name ``archive``,
from the file name ``archive.db``).  Full-text search on the articles table
needs no metadata: Datasette detects ``articles_fts`` by itself.
"""

from __future__ import annotations

from pathlib import Path

METADATA = Path(__file__).with_name("metadata.json")
