"""The archive schema version, from the migrations in ``civicnews.archive.migrations``, and the
groups of ``articles`` columns that the writer and the readers (API, export) treat alike."""

from __future__ import annotations

from civicnews.archive.migrations import discover

MIGRATIONS = discover()
SCHEMA_VERSION = MIGRATIONS[-1][0] if MIGRATIONS else 0

#: ``articles`` columns holding JSON lists.
JSON_COLUMNS = ("tags", "images", "attachments")
#: ``articles`` columns each revision keeps too (``revisions`` has them, in this order).
REVISION_COLUMNS = ("title", "published_at", "published_raw", "author", "sapo", "body_text")
