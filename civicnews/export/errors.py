"""Errors an export or a verification can raise; the CLI maps each to one line and an exit code."""

from __future__ import annotations

# A bad request (unknown format, bad date, existing output without --force) raises the
# project's one UsageError (exit code 2); it is not an ExportError.
from civicnews.errors import UsageError as UsageError


class ExportError(RuntimeError):
    """The export cannot be made (archive unreadable, disk full...): exit code 1."""


class EmptySelection(ExportError):
    """The filters select nothing to export: exit code 3, and no file is written."""
