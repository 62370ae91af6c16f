"""CSV (RFC 4180: comma, CRLF, double quotes only where needed), UTF-8, one row per article.

Multi-valued fields:

- ``tags`` and ``urls`` (lists of strings) are joined with `` | `` (space, bar, space);
- ``images``, ``attachments``, ``related`` and ``files`` (lists of objects) are compact JSON
  arrays;
- an empty list is an empty cell, and so is NULL.

With ``with_revisions`` there is one row per revision: ``revision`` (1 = oldest),
``revision_fetched_at``, and the revision's own title, dates, author, sapo, body and hash in the
article columns.  ``excel`` writes a UTF-8 byte order mark so Excel shows Vietnamese correctly.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from civicnews.archive.schema import REVISION_COLUMNS
from civicnews.export.errors import EmptySelection
from civicnews.export.output import atomic_open
from civicnews.export.records import Progress, article_records
from civicnews.export.select import ArchiveReader
from civicnews.export.tally import Tally

JOIN = " | "
JOINED = ("tags", "urls")
AS_JSON = ("images", "attachments", "related", "files")


def cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in JOINED and isinstance(value, list):
        return JOIN.join(str(v) for v in value)
    if name in AS_JSON and isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else ""
    return str(value)


def write(
    reader: ArchiveReader,
    out: Path,
    tally: Tally,
    progress: Progress = None,
    excel: bool = False,
) -> list[Path]:
    revised = reader.filters.with_revisions
    header = [*reader.columns, "urls", "related", "files"]
    if revised:
        header += ["revision", "revision_fetched_at"]
    encoding = "utf-8-sig" if excel else "utf-8"
    with atomic_open(out, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        for record in article_records(reader, tally, progress):
            if not revised:
                writer.writerow([cell(k, record.get(k)) for k in header])
                continue
            for rev in record.pop("revisions"):
                row = {**record, **{c: rev[c] for c in REVISION_COLUMNS}}
                row["content_hash"] = rev["content_hash"]
                row["revision"] = rev["revision"]
                row["revision_fetched_at"] = rev["fetched_at"]
                writer.writerow([cell(k, row.get(k)) for k in header])
        if not tally.articles:
            raise EmptySelection("no article matches the filters: nothing exported")
    return [out]
