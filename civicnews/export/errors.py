"""Errors an export or a verification can raise; the CLI maps each to one line and an exit code."""

from __future__ import annotations


class ExportError(RuntimeError):
    """The export cannot be made (archive unreadable, disk full...): exit code 1."""


class UsageError(ExportError):
    """A bad request: unknown format, bad date, existing output without --force: exit code 2."""


class EmptySelection(ExportError):
    """The filters select nothing to export: exit code 3, and no file is written."""
