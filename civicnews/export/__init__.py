"""Snapshots for archivists: export the archive as JSONL, CSV, SQLite, WARC or WACZ, and verify.

Library first: ``export(fmt, db, out, make_filters(...))`` and ``verify(path)`` are what the
``civicnews export`` and ``civicnews verify`` commands call.  One module per format; ``select``
decides what is exported, ``manifest`` describes it, ``output`` writes files atomically.
"""

from civicnews.export.errors import EmptySelection, ExportError, UsageError
from civicnews.export.filters import Filters, make_filters
from civicnews.export.run import FORMATS, export, output_paths
from civicnews.export.verify import verify

__all__ = [
    "FORMATS",
    "EmptySelection",
    "ExportError",
    "Filters",
    "UsageError",
    "export",
    "make_filters",
    "output_paths",
    "verify",
]
