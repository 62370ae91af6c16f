"""The SQLite archive: opening, schema upgrades, and one-line errors."""

from civicnews.archive.db import ArchiveError, connect, schema_version

__all__ = ["ArchiveError", "connect", "schema_version"]
