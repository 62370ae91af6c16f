"""The archive schema version, from the migrations in ``civicnews.archive.migrations``."""

from __future__ import annotations

from civicnews.archive.migrations import discover

MIGRATIONS = discover()
SCHEMA_VERSION = MIGRATIONS[-1][0] if MIGRATIONS else 0
