"""What a replica family is made of, below the server: its HTTP answers and its base class.

Every family module (``liferay.py``, ``sharepoint.py``...), the faults and the server import
this module; it imports nothing of the replica but the corpus and the article model, so no two
rooms import each other.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from civicnews.replica.article import ArticleMeta
from civicnews.replica.content import Corpus

HTML = "text/html; charset=utf-8"


class ReplicaError(Exception):
    """The replica cannot do what was asked (bad family, not started, cannot listen)."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


def html_response(markup: str, status: int = 200) -> Response:
    return Response(status, {"Content-Type": HTML}, markup.encode("utf-8"))


#: The 1x1 GIF every family serves for its images: crawls never fetch them, but links resolve.
_PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def pixel_response() -> Response:
    return Response(200, {"Content-Type": "image/gif"}, _PIXEL)


def robots_allow_all(content_type: str = "text/plain; charset=utf-8") -> Response:
    """The robots.txt every family serves unless ``ReplicaServer(robots_txt=...)`` replaces it."""
    return Response(200, {"Content-Type": content_type}, b"User-agent: *\nDisallow:\n")


class Renderer:
    """Base class of a CMS family: URL scheme, markup, and how dates are printed.

    Subclasses set `family` and `start_path` and implement `article_path`, `printed_date` and
    `handle`. Renderers must be thread-safe: the server calls `handle` from many threads.
    """

    family: ClassVar[str] = ""
    start_path: ClassVar[str] = "/"

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    def article_path(self, key: int) -> str:
        """The canonical path of article `key`: no query string, unless the family's canonical
        article URL keeps an id (SharePoint's ``?ItemID=n``)."""
        raise NotImplementedError

    def printed_date(self, meta: ArticleMeta) -> str:
        """The date text exactly as the article page prints it."""
        raise NotImplementedError

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        """Answer one request; HEAD is answered like GET (the server drops the body)."""
        raise NotImplementedError

    def truth(self, key: int, base_url: str) -> dict[str, Any]:
        """Ground truth for article `key`, as a crawler of this family must extract it."""
        row = self.corpus.truth(key)
        meta = self.corpus.meta(key)
        return {
            "key": key,
            "url": base_url + self.article_path(key),
            "title": row["title"],
            "published_at": row["published_at"],
            "published_raw": self.printed_date(meta) if meta.date_on_page else None,
            "date_source": row["date_source"],
            "author": row["author"],
            "source": row["source"],
            "body_snippets": row["body_snippets"],
            "listed": row["listed"],
            "related": row["related"],
        }
