"""The SQLite archive: opening, schema upgrades, writing, search and one-line errors."""

from civicnews.archive.api import Archive
from civicnews.archive.db import ArchiveError, connect, schema_version
from civicnews.archive.query import SearchError
from civicnews.archive.search import SearchHit

__all__ = ["Archive", "ArchiveError", "SearchError", "SearchHit", "connect", "schema_version"]
