"""Archives of a known shape for tests and bench scripts, written by the real ArchiveWriter.

Each fetch is an item as the crawl would store it (``civicnews.items.ArticleItem``'s keys),
so the rows, hashes, captures and raw bodies are exactly a crawl's; nothing here writes SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from civicnews.archive import connect
from civicnews.archive.writer import ArchiveWriter

HTML = "text/html; charset=utf-8"
REQUEST_HEADERS = {"User-Agent": ["civicnews/0.1 (+archive)"], "Accept": ["text/html"]}


def fetch(
    portal: str,
    url: str,
    fetched_at: str,
    html: bytes,
    *,
    title: str | None,
    published_at: str | None,
    body_text: str = "",
    published_raw: str | None = None,
    related: Iterable[tuple[str | None, ...]] = (),
    response_headers: dict[str, list[str]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """One fetched Liferay article page as an item; ``related``: ``(to_url, title, date_raw[,
    linked_url])``, ``linked_url`` being the link as the page wrote it (an alias of ``to_url``)."""
    return {
        "portal": portal,
        "url": url,
        "fetched_url": url,
        "fetched_at": fetched_at,
        "title": title,
        "published_at": published_at,
        "published_raw": published_raw,
        "date_source": "page" if published_raw else None,
        "body_text": body_text,
        "extractor": "liferay",
        "related": [
            {"url": link[0], "title": link[1], "date_raw": link[2],
             "linked_url": link[3] if len(link) > 3 else None}
            for link in related
        ],  # fmt: skip
        "response_body": html,
        "response_headers": response_headers or {"Content-Type": [HTML]},
        "request_headers": REQUEST_HEADERS,
        **fields,
    }


def refetch(item: dict[str, Any], fetched_at: str, html: bytes, **changed: Any) -> dict[str, Any]:
    """A later fetch of ``item``'s page: the same fields but ``changed``, these bytes."""
    return {**item, "fetched_at": fetched_at, "response_body": html, **changed}


def write_archive(path: str | Path, items: list[dict[str, Any]], batch: int = 500) -> Path:
    """The archive at ``path`` holding ``items``, stored in order as a crawl stores them."""
    db = connect(path)
    try:
        with ArchiveWriter(db, background_checkpoint=False) as writer:
            for start in range(0, len(items), batch):
                writer.write(items[start : start + batch])
    finally:
        db.conn.close()
    return Path(path)


def replica_archive(
    path: str | Path,
    articles: int,
    *,
    seed: int = 1,
    base_url: str = "https://bactuliem.hanoi.gov.vn",
    portal: str = "bactuliem",
    fetched_at: str = "2024-05-01T10:00:00+00:00",
) -> Path:
    """An archive of ``articles`` replica articles, each with one capture of its real page."""
    from civicnews.replica.content import Corpus
    from civicnews.replica.liferay import LiferayRenderer

    renderer = LiferayRenderer(Corpus(articles=articles, seed=seed))
    items = []
    for key in range(articles):
        truth = renderer.truth(key, base_url)
        page = renderer.handle("GET", renderer.article_path(key), "", {}, b"")
        items.append(
            fetch(
                portal,
                truth["url"],
                fetched_at,
                page.body,
                title=truth["title"],
                published_at=truth["published_at"],
                published_raw=truth["published_raw"],
                author=truth["author"],
                body_text=" ".join(truth["body_snippets"]),
                related=[
                    (base_url + renderer.article_path(k), renderer.corpus.title(k), None)
                    for k in truth["related"]
                ],
                response_headers={k: [v] for k, v in page.headers.items()},
            )
        )
    return write_archive(path, items)
