"""JSON Lines: one article per line, UTF-8, keys in a stable order (see ``records``)."""

from __future__ import annotations

import json
from pathlib import Path

from civicnews.export.errors import EmptySelection
from civicnews.export.output import atomic_open
from civicnews.export.records import Progress, article_records
from civicnews.export.select import ArchiveReader
from civicnews.export.tally import Tally


def write(reader: ArchiveReader, out: Path, tally: Tally, progress: Progress = None) -> list[Path]:
    with atomic_open(out, "w", encoding="utf-8", newline="\n") as f:
        for record in article_records(reader, tally, progress):
            f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")
        if not tally.articles:
            raise EmptySelection("no article matches the filters: nothing exported")
    return [out]
