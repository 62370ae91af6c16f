"""An item as the archive writer stores it: the article row, its hashes, the raw capture.

:func:`item_record` turns an ``ArticleItem`` (through ``ItemAdapter``, so any mapping with
its keys) into plain values once, before the batch's transaction: the ``articles`` columns
(JSON lists encoded), the content and text hashes that decide "changed" and "duplicate",
the raw body and its digest, the response's validators, the related links and the files.
The writer (:mod:`civicnews.archive.writer`) and the distributed ingester both store such
records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter

from civicnews.archive.hashes import body_digest, content_hash, text_hash
from civicnews.archive.schema import JSON_COLUMNS
from civicnews.items import STATUS_ONLY
from civicnews.urls import article_identity

#: The ``articles`` columns an item fills.
COLUMNS = (
    "portal", "title", "published_at", "published_raw", "date_source", "author",
    "body_text", "sapo", "category", "tags", "images", "attachments", "source", "extractor",
    "fetched_url", "posted_by", "rules",
)  # fmt: skip


def item_record(adapter: ItemAdapter) -> dict[str, Any]:
    """The item as plain values: the article row, hashes, raw capture fields."""
    row = {k: adapter.get(k) for k in COLUMNS}
    for key in JSON_COLUMNS:
        row[key] = json.dumps(row[key], ensure_ascii=False) if row[key] else "[]"
    row["rules"] = json.dumps(row["rules"], ensure_ascii=False) if row["rules"] else None
    row["body_text"] = row["body_text"] or ""
    fetched_at = adapter.get("fetched_at") or datetime.now(UTC).isoformat(timespec="seconds")
    url = adapter.get("url")
    body = adapter.get("response_body") or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = adapter.get("response_headers") or {}
    status = int(adapter.get("status") or 200)
    related = []
    for link in adapter.get("related") or ():
        if link.get("url"):
            related.append(
                {
                    "to_url": link["url"],
                    "linked_url": link.get("linked_url"),
                    "title": link.get("title"),
                    "date_raw": link.get("date_raw"),
                }
            )
    return {
        "url": url,
        "fetched_url": adapter.get("fetched_url") or url,
        "fetched_at": fetched_at,
        "status": status,
        "identity": article_identity(url) if url else None,
        "row": row,
        "content_hash": content_hash(row),
        "text_hash": text_hash(row["body_text"]) if status not in STATUS_ONLY else None,
        "body": body,
        "digest": body_digest(body) if body else None,
        "response_headers": json.dumps(headers, ensure_ascii=False),
        "request_headers": json.dumps(adapter.get("request_headers") or {}, ensure_ascii=False),
        "etag": _header(headers, "etag"),
        "last_modified": _header(headers, "last-modified"),
        "related": related,
        # Attachments and images fetched for this article (civicnews.archive.files).
        "files": adapter.get("files") or [],
    }


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, values in headers.items():
        if key.lower() == name:
            if isinstance(values, (list, tuple)):
                return values[0] if values else None
            return values
    return None
