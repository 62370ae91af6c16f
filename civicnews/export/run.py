"""``export()``: check the request, stream the selection into the format, write the manifest."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from civicnews.archive.db import explain
from civicnews.export import attachments, csvfile, jsonl, sqlite, wacz, warc
from civicnews.export.errors import ExportError, UsageError
from civicnews.export.filters import Filters
from civicnews.export.manifest import build, dumps, file_entry, manifest_path
from civicnews.export.output import atomic_open, check_outputs, staged
from civicnews.export.records import Progress
from civicnews.export.select import ArchiveReader
from civicnews.export.tally import Tally

FORMATS = ("jsonl", "csv", "sqlite", "warc", "wacz")


def output_paths(fmt: str, out: Path, with_files: bool = False) -> list[Path]:
    """Every file an export to ``out`` writes (data files, then the manifest)."""
    files = [out, warc.cdxj_path(out)] if fmt == "warc" else [out]
    if with_files and fmt != "wacz":  # a WACZ holds the files inside
        files.append(attachments.zip_path(out))
    return [*files, manifest_path(out)]


def export(
    fmt: str,
    db: str | Path,
    out: str | Path,
    filters: Filters,
    *,
    force: bool = False,
    excel: bool = False,
    progress: Progress = None,
    with_files: bool = False,
) -> dict[str, Any]:
    """Export the archive ``db`` to ``out`` in format ``fmt``; returns the manifest written.

    Raises :class:`UsageError` (bad request), :class:`EmptySelection` (nothing selected: no file
    is written) or :class:`ExportError` (the archive or the output cannot be used).
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if excel and fmt != "csv":
        raise UsageError("--excel applies to the csv format only")
    out = Path(out)
    check_outputs(output_paths(fmt, out, with_files), force)
    extra = {"excel": excel} if fmt == "csv" else {}
    if with_files:
        extra["with_files"] = True
    try:
        manifest = _write(fmt, db, out, filters, extra, excel, progress, with_files)
    except sqlite3.Error as exc:  # reading the archive failed half-way (corrupt, I/O error)
        raise ExportError(explain(exc, db)) from None
    except OSError as exc:  # the work files beside the output (disk full, read-only remount)
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    with atomic_open(manifest_path(out)) as f:
        f.write(dumps(manifest))
    return manifest


def _write(fmt, db, out, filters, extra, excel, progress, with_files) -> dict[str, Any]:
    """Stream the selection into ``out``; returns the manifest to write beside it."""
    with ArchiveReader(db, filters) as reader:
        tally = Tally()

        def describe(files: list[dict[str, Any]]) -> dict[str, Any]:
            runs = reader.crawl_runs()
            return build(fmt, reader.schema_version, filters, tally, runs, files, extra)

        if fmt == "jsonl":
            paths = jsonl.write(reader, out, tally, progress)
        elif fmt == "csv":
            paths = csvfile.write(reader, out, tally, progress, excel=excel)
        elif fmt == "sqlite":
            paths = sqlite.write(reader, out, tally, progress)
        elif fmt == "warc":
            paths = warc.write(reader, out, tally, progress)
        else:
            paths = wacz.write(reader, out, tally, progress, describe=describe,
                               with_files=with_files)  # fmt: skip
        if with_files and fmt != "wacz":
            files = attachments.zip_path(out)
            with staged(files) as tmp:
                attachments.write_zip(reader, tally.file_digests, tmp)
            paths.append(files)
        return describe([_entry(p) for p in paths])


def _entry(path: Path) -> dict[str, Any]:
    return file_entry(path, path.name)  # files sit beside their manifest
