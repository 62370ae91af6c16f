"""What a replica article is made of, whatever the family: its metadata and its body blocks.

:class:`civicnews.replica.content.Corpus` makes them; each family's renderer decides their
markup. Nothing here knows about HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph; the renderer joins `sentences` with a space (or a no-break space)."""

    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    """A photo with its caption paragraph underneath (the caption is body text)."""

    name: str
    uuid: str
    file_time_ms: int
    caption: str


@dataclass(frozen=True)
class Table:
    """A Word-pasted results table: a header row, then data rows (all cells are text)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class AuthorLine:
    """The last right-aligned bold line; `source` ("Báo Hà Nội mới") is printed as (Nguồn: …)."""

    author: str
    source: str | None


Block = Paragraph | Figure | Table | AuthorLine


@dataclass(frozen=True)
class ArticleMeta:
    """What listings, related blocks and the ground truth need; cheap to compute."""

    key: int
    title: str
    published: datetime
    #: False for the ~1 in 9 listed articles whose page prints no date (listing shows the day).
    date_on_page: bool
    #: The date line is pasted as the first body paragraph instead of the metadata area.
    date_in_body: bool
    author: str | None
    source: str | None
    lead: str
    snippets: tuple[str, ...]
    related: tuple[int, ...]
    listed: bool
    views: int
    #: Indexes into the sentence pool already used by the snippets (the body avoids repeating them).
    sentence_ids: tuple[int, ...]
    #: A numeric CMS id (journal article id, item id), unique and descending with the key.
    article_id: int


@dataclass(frozen=True)
class Article:
    meta: ArticleMeta
    blocks: tuple[Block, ...] = field(default=())
