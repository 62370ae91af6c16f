"""Article records shared by the JSONL and CSV formats."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from civicnews.archive.schema import JSON_COLUMNS
from civicnews.export.select import ArchiveReader
from civicnews.export.tally import Tally

Progress = Callable[[int], None] | None


def decode(value: Any) -> Any:
    """A JSON-list column as a list (a value that is not valid JSON is kept as it is)."""
    if value is None or value == "":
        return []
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def article_records(
    reader: ArchiveReader, tally: Tally, progress: Progress = None
) -> Iterator[dict[str, Any]]:
    """Each selected article with its URLs, related links and (optionally) revisions.

    Keys: the article columns in table order (JSON-list columns decoded), then ``urls``,
    ``related``, ``files`` (:meth:`ArchiveReader.files`) and, with ``with_revisions``,
    ``revisions``.
    """
    for article in reader.articles():
        tally.add(article)
        record = dict(article)
        for column in JSON_COLUMNS:
            if column in record:
                record[column] = decode(record[column])
        record["urls"] = reader.urls(article["url"])
        record["related"] = reader.related(article["url"])
        record["files"] = reader.files(article["url"])
        tally.file_digests.update(f["digest"] for f in record["files"] if f["digest"])
        if reader.filters.with_revisions:
            record["revisions"] = reader.revisions(article["url"])
            tally.revisions += len(record["revisions"])
        else:
            tally.revisions += 1
        if progress:
            progress(tally.articles)
        yield record
