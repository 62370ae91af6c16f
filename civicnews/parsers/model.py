"""What a page parser returns: plain dataclasses, no Scrapy types.

Parsers decide what a page *means*; spiders decide what to crawl next from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Link:
    url: str
    text: str = ""
    # A date printed beside the link, e.g. "(01/12/2018)" in a related list or
    # the time of a listing entry; carried to the article as a fallback date.
    date_raw: str | None = None


@dataclass
class Article:
    title: str | None
    published_raw: str | None
    author: str | None
    body_text: str
    sapo: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    images: list[dict[str, str]] = field(default_factory=list)
    attachments: list[dict[str, str]] = field(default_factory=list)
    source: str | None = None
    canonical_url: str | None = None
    related: list[Link] = field(default_factory=list)
    extractor: str = ""
    # The CMS account that posted the page ("admin admin"), kept apart from the author.
    posted_by: str | None = None
    # Which rule produced each field: {"title": "liferay:.header-title", "published":
    # "common:date-line", ...}; "<family or common or meta>:<rule>". Stored as JSON in the
    # archive's ``rules`` column and printed by ``civicnews probe``.
    rules: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ApiPager:
    """Further listing pages served only by a form-posting API (the new Hanoi platform).

    The spider posts ``formdata`` plus ``page_field`` = ``first_page``, ``first_page + 1``...
    to ``url`` and stops on an answer without entries or whose entries were all seen already:
    such APIs print no page count.  ``formdata`` values are strings or lists of strings
    (a list is sent as a repeated field, e.g. ``DataIds[]``).
    """

    url: str
    formdata: dict[str, str | list[str]] = field(default_factory=dict)
    page_field: str = "PageIndex"
    first_page: int = 1
    method: str = "POST"


@dataclass
class Listing:
    entries: list[Link] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
    api_pagers: list[ApiPager] = field(default_factory=list)


@dataclass
class Page:
    """A parsed page: an article, a listing, both (rare) or neither."""

    url: str
    article: Article | None = None
    listing: Listing | None = None

    @property
    def kind(self) -> str:
        if self.article is not None:
            return "article"
        if self.listing is not None:
            return "listing"
        return "other"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "article": self.article.to_dict() if self.article else None,
            "listing": asdict(self.listing) if self.listing else None,
        }
