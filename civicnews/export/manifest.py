"""The manifest that makes a snapshot self-describing, and file fixity.

``<output>.manifest.json`` is written beside every export (and ``manifest.json`` inside a WACZ).
It holds no wall-clock time, so it is byte-identical when the export is; its keys:

- ``civicnews_version``, ``schema_version`` (of the archive read), ``format``;
- ``filters``: portals, since, until, as_of, with_revisions (and ``excel`` for CSV);
- ``counts``: articles, revisions, captures (WARC records written from a capture), per_portal;
- ``date_range``: first and last ``published_at`` exported;
- ``crawl_runs``: rows of the archive's ``crawl_runs`` table covering the selection, or null
  when the archive has no such table;
- ``files``: path (relative to the manifest), ``sha256`` (hex) and ``bytes`` of each data file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from civicnews import __version__
from civicnews.archive.api import decoded_run
from civicnews.export.filters import Filters
from civicnews.export.tally import Tally

MANIFEST_SUFFIX = ".manifest.json"
CHUNK = 1 << 20


def manifest_path(output: Path) -> Path:
    return output.with_name(output.name + MANIFEST_SUFFIX)


def sha256_file(path: Path) -> tuple[str, int]:
    """Hex sha256 and size of a file, read in 1 MiB chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def file_entry(path: Path, name: str) -> dict[str, Any]:
    sha, size = sha256_file(path)
    return {"path": name, "sha256": sha, "bytes": size}


def build(
    fmt: str,
    schema_version: int,
    filters: Filters,
    tally: Tally,
    crawl_runs: list[dict[str, Any]] | None,
    files: list[dict[str, Any]],
    extra_filters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "civicnews_manifest": 1,
        "civicnews_version": __version__,
        "schema_version": schema_version,
        "format": fmt,
        "filters": {**filters.to_dict(), **(extra_filters or {})},
        "counts": tally.to_dict(),
        "date_range": {
            "first_published": tally.first_published,
            "last_published": tally.last_published,
        },
        "crawl_runs": None if crawl_runs is None else [decoded_run(run) for run in crawl_runs],
        "files": files,
    }


def dumps(manifest: dict[str, Any]) -> bytes:
    """Canonical bytes: fixed key order as built, UTF-8, two-space indent, final newline."""
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
