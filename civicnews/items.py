"""The article item that spiders yield and pipelines complete.

Pipelines read it through ``itemadapter.ItemAdapter``, so a dict with the same
keys works too.  Raw values travel beside normalised ones (``published_raw``
beside ``published_at``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The answer to a conditional refetch (IncrementalMiddleware) when the page did not change.
NOT_MODIFIED = 304
#: An archived article that answers these is gone.
GONE_STATUSES = (404, 410)
#: The spider yields these answers to article requests as small "status-only" items: no page
#: to validate, date or count, only a status the store records (a capture, ``gone_at``).
STATUS_ONLY = (NOT_MODIFIED, *GONE_STATUSES)


def is_status_only(item: Any) -> bool:
    """Whether ``item`` (an ``ItemAdapter`` or a mapping) records a status, not a page."""
    return item.get("status") in STATUS_ONLY


@dataclass
class ArticleItem:
    portal: str
    url: str  # canonical URL, the archive key
    fetched_url: str  # the URL actually fetched
    fetched_at: str  # ISO 8601 UTC; the "now" for relative dates
    title: str | None = None
    published_raw: str | None = None
    published_at: str | None = None
    date_source: str | None = None  # "page" | "listing" | None
    listing_date_raw: str | None = None
    date_order: str = "DMY"
    author: str | None = None
    body_text: str = ""
    sapo: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    images: list[dict[str, str]] = field(default_factory=list)
    attachments: list[dict[str, str]] = field(default_factory=list)
    source: str | None = None
    related: list[dict[str, Any]] = field(default_factory=list)
    extractor: str = ""
    posted_by: str | None = None  # the CMS account line, never the author
    rules: dict[str, str] = field(default_factory=dict)  # field -> rule that read it
    status: int = 200
    # What the server sent, kept byte for byte for revisions and WARC export.
    response_headers: dict[str, list[str]] = field(default_factory=dict, repr=False)
    response_body: bytes = field(default=b"", repr=False)
    request_headers: dict[str, list[str]] = field(default_factory=dict, repr=False)
    # Attachments and images linked from the article, with what fetching them gave
    # (civicnews.pipelines.files; the entries are described in civicnews.archive.files).
    files: list[dict[str, Any]] = field(default_factory=list, repr=False)
