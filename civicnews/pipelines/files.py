"""Fetch the documents (and, when asked, the images) an article links, for the archive.

For each stored article (status 200) the pipeline takes the attachments its parser
found (body links to documents), keeps those whose file name has an allowed extension,
and fetches each through Scrapy's engine (``engine.download_async``, as Scrapy's own
media pipelines do): the downloader's per-host slot (the portal's delay and
concurrency, AutoThrottle, robots.txt ``Crawl-delay``), ``RobotsTxtMiddleware``, the
retry middleware and the user agent all apply.  Redirects are followed here, one hop
at a time through the engine, and only to the portal's ``allowed_domains`` or its
registry ``file_hosts``.  What each fetch gave goes into the item's ``files`` list and
is written by the archive writer in the article's transaction
(:mod:`civicnews.archive.files`).  A file linked by several articles of a run is
fetched once; a file already archived is asked for conditionally (``If-None-Match``,
``If-Modified-Since``).  Nothing here raises: a failed file is recorded and counted,
and the crawl goes on.  Text extraction is not done here (civicnews.documents).

Settings: ``CIVICNEWS_FILES_ENABLED`` (default True; False raises NotConfigured),
``CIVICNEWS_FILES_MAXSIZE`` (bytes, 50 MiB: a larger file is recorded with its size,
not stored), ``CIVICNEWS_FILES_EXTENSIONS`` (the allow-list of linked file names),
``CIVICNEWS_FILES_IMAGES`` (fetch body images of every portal, ``--images``; a portal's
``images = true`` does it for that portal), ``CIVICNEWS_FILES_IMAGES_MAXSIZE``
(10 MiB), ``CIVICNEWS_FILES_MAX_REDIRECTS`` (5), ``CIVICNEWS_DB`` (read-only look-ups
of files already archived).
Meta keys set on file requests: ``civicnews_file`` (the link), ``download_maxsize``,
``dont_redirect``, ``handle_httpstatus_all``, ``allow_offsite``.
Stats: ``civicnews/files/linked``, ``…/requested`` (requests, redirects included),
``…/new``, ``…/changed``, ``…/unchanged``, ``…/not_modified``, ``…/gone``,
``…/bytes`` (stored bytes fetched), ``…/redirects``, ``…/shared`` (links to a file
fetched earlier in the run), ``…/skipped_extension``, and ``…/failed/<kind>`` for each
failure: ``too-large``, ``type`` (an HTML page where a document was linked),
``http``, ``offsite`` (link to a host the portal does not use), ``offsite-redirect``,
``too-many-redirects``, ``robots``, ``timeout``, ``connection``, ``dns``, ``truncated``,
``error``.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import scrapy
from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred, DeferredList

from civicnews.archive.db import open_readonly
from civicnews.archive.hashes import body_digest
from civicnews.extensions.failurekinds import classify
from civicnews.urls import same_site

logger = logging.getLogger(__name__)

DEFAULT_MAXSIZE = 50 * 1024 * 1024
DEFAULT_IMAGES_MAXSIZE = 10 * 1024 * 1024
DEFAULT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "zip", "rar")
REDIRECTS = (301, 302, 303, 307, 308)
GONE = (404, 410)
# The announced size in Scrapy's over-DOWNLOAD_MAXSIZE message (2.14+, then 2.13's wording);
# a body cut off while streaming has no known size.
_SIZE = re.compile(r"Expected to receive (\d+) bytes|expected response size \((\d+)\)")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _header(headers: Any, name: str) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None


def _headers(headers: Any) -> dict[str, list[str]]:
    return {k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in headers.items()}


def file_extension(url: str) -> str:
    """The extension of a linked file's name: the last path segment's, or Liferay's
    ``/documents/<group>/<folder>/<name.pdf>/<uuid>`` name segment's."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    named = segments[-1:] + (segments[-2:-1] if "documents" in segments else [])
    for segment in named:
        if "." in segment:
            return segment.rsplit(".", 1)[1].lower()
    return ""


class FilesPipeline:
    """Fetches each article's linked documents (and images) once per run (module docstring)."""

    def __init__(
        self,
        crawler: Any = None,
        db_path: str | None = None,
        maxsize: int = DEFAULT_MAXSIZE,
        extensions: tuple[str, ...] = DEFAULT_EXTENSIONS,
        images: bool = False,
        images_maxsize: int = DEFAULT_IMAGES_MAXSIZE,
        max_redirects: int = 5,
    ):
        self.crawler = crawler
        self.stats = crawler.stats if crawler else None
        self.db_path = db_path
        self.maxsize = maxsize
        self.extensions = frozenset(e.strip().lower().lstrip(".") for e in extensions if e.strip())
        self.images = images
        self.images_maxsize = images_maxsize
        self.max_redirects = max_redirects
        self._done: set[str] = set()  # file URLs fetched in this run
        self._waiting: dict[str, list[Deferred]] = {}  # in flight -> articles waiting
        self._db: sqlite3.Connection | None = None
        self._db_tried = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> FilesPipeline:
        s = crawler.settings
        if not s.getbool("CIVICNEWS_FILES_ENABLED", True):
            raise NotConfigured("CIVICNEWS_FILES_ENABLED is off")
        if s.get("CIVICNEWS_REDIS_JOB"):
            # A worker's items travel as JSON through Redis: no place for file bytes yet.
            raise NotConfigured("files are not fetched by distributed workers")
        return cls(
            crawler,
            s.get("CIVICNEWS_DB") or None,
            s.getint("CIVICNEWS_FILES_MAXSIZE", DEFAULT_MAXSIZE),
            tuple(s.getlist("CIVICNEWS_FILES_EXTENSIONS", list(DEFAULT_EXTENSIONS))),
            s.getbool("CIVICNEWS_FILES_IMAGES", False),
            s.getint("CIVICNEWS_FILES_IMAGES_MAXSIZE", DEFAULT_IMAGES_MAXSIZE),
            s.getint("CIVICNEWS_FILES_MAX_REDIRECTS", 5),
        )

    def close_spider(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- items ----------------------------------------------------------------------------------

    async def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if int(adapter.get("status") or 200) != 200:
            return item  # 304 and gone answers carry no links
        spider = self.crawler.spider if self.crawler else None
        portal = getattr(spider, "portal", None)
        links = self.links(adapter, portal)
        if not links:
            return item
        self._inc("civicnews/files/linked", len(links))
        tasks = [deferred_from_coro(self._entry(link, portal)) for link in links]
        results = await maybe_deferred_to_future(DeferredList(tasks, consumeErrors=True))
        entries = []
        for ok, value in results:
            if ok:
                entries.append(value)
            else:  # a bug in this module: the article is still stored, without its files
                logger.error("fetching a file failed", exc_info=value.getTracebackObject())
                self._inc("civicnews/files/failed/error")
        adapter["files"] = entries
        return item

    def links(self, adapter: ItemAdapter, portal: Any) -> list[dict[str, Any]]:
        """The files to fetch for an article: documents, then images when asked."""
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        referer = adapter.get("fetched_url")
        for att in adapter.get("attachments") or ():
            url = urldefrag(att.get("url") or "")[0]
            if not url or url in seen:
                continue
            if file_extension(url) not in self.extensions:
                self._inc("civicnews/files/skipped_extension")
                continue
            seen.add(url)
            out.append({"url": url, "linked_url": att.get("url"), "name": att.get("name"),
                        "source": "attachment", "kind": "document",
                        "referer": referer})  # fmt: skip
        if self.images or getattr(portal, "images", False):
            for img in adapter.get("images") or ():
                url = urldefrag(img.get("url") or "")[0]
                if url and url not in seen and urlsplit(url).scheme in ("http", "https"):
                    seen.add(url)
                    out.append({"url": url, "linked_url": img.get("url"),
                                "name": img.get("caption") or None, "source": "image",
                                "kind": "image", "referer": referer})  # fmt: skip
        return out

    async def _entry(self, link: dict[str, Any], portal: Any) -> dict[str, Any]:
        url = link["url"]
        entry = dict(link, fetch=None)
        entry.pop("referer", None)
        if url in self._done:
            self._inc("civicnews/files/shared")
            return entry
        waiting = self._waiting.get(url)
        if waiting is not None:
            # Another article of this run is fetching it: wait, then link it only.
            self._inc("civicnews/files/shared")
            done: Deferred = Deferred()
            waiting.append(done)
            await maybe_deferred_to_future(done)
            return entry
        self._waiting[url] = []
        try:
            entry["fetch"] = await self.fetch(link, portal)
        finally:
            self._done.add(url)
            for done in self._waiting.pop(url, ()):
                done.callback(None)
        return entry

    # -- one file -------------------------------------------------------------------------------

    def _allowed(self, url: str, portal: Any) -> bool:
        if portal is None:
            return True
        hosts = tuple(portal.allowed_domains) + tuple(getattr(portal, "file_hosts", ()))
        return urlsplit(url).scheme in ("http", "https") and same_site(url, hosts)

    async def fetch(self, link: dict[str, Any], portal: Any) -> dict[str, Any]:
        """Fetch one file, following allowed redirects; the ``fetch`` part of its entry."""
        url = link["url"]
        image = link["kind"] == "image"
        maxsize = self.images_maxsize if image else self.maxsize
        result: dict[str, Any] = {
            "final_url": url, "status": None, "headers": {}, "body": None, "size": None,
            "type": None, "fetched_at": _now(), "problem": None, "etag": None,
            "last_modified": None,
        }  # fmt: skip
        if not self._allowed(url, portal):
            return self._failed(result, "offsite")
        known = self._known(url)
        # Some portals refuse downloads without the page that links them as Referer.
        headers = {"Referer": link["referer"]} if link.get("referer") else {}
        if known is not None and known[2]:  # bytes stored: ask whether they changed
            if known[0]:
                headers["If-None-Match"] = known[0]
            if known[1]:
                headers["If-Modified-Since"] = known[1]
        request = scrapy.Request(
            url,
            headers=headers,
            meta={
                "civicnews_file": link,
                "download_maxsize": maxsize,
                "dont_redirect": True,
                "handle_httpstatus_all": True,
                "allow_offsite": True,  # checked here, against the portal and its file hosts
            },
            callback=NO_CALLBACK,
        )
        for _hop in range(self.max_redirects + 1):
            self._inc("civicnews/files/requested")
            try:
                response = await self.crawler.engine.download_async(request)
            except Exception as exc:  # every download failure is an answer about this file
                kind, status, error = classify(exc)
                if kind == "too-large":
                    found = _SIZE.search(str(exc))
                    result["size"] = int(found.group(1) or found.group(2)) if found else None
                result["status"] = status
                logger.info("file %s not stored: %s", request.url, error)
                return self._failed(result, kind)
            result["final_url"] = response.url
            result["status"] = response.status
            result["headers"] = _headers(response.headers)
            if response.status not in REDIRECTS:
                break
            location = _header(response.headers, "Location")
            if not location:
                return self._failed(result, "http")
            target = urljoin(response.url, location)
            if not self._allowed(target, portal):
                result["final_url"] = target
                return self._failed(result, "offsite-redirect")
            self._inc("civicnews/files/redirects")
            request = request.replace(url=target)
        else:
            return self._failed(result, "too-many-redirects")
        status = response.status
        result["etag"] = _header(response.headers, "ETag")
        result["last_modified"] = _header(response.headers, "Last-Modified")
        content_type = (_header(response.headers, "Content-Type") or "").split(";")[0]
        result["type"] = content_type.strip().lower() or None
        if status == 304:
            self._inc("civicnews/files/not_modified")
            return result
        if status in GONE:
            self._inc("civicnews/files/gone")
            return result
        if status != 200:
            return self._failed(result, "http")
        body = response.body
        result["size"] = len(body)
        if not self._type_ok(result["type"], body, image):
            return self._failed(result, "type")
        result["body"] = body
        self._inc("civicnews/files/bytes", len(body))
        if known is None or known[2] is None:
            self._inc("civicnews/files/new")
        else:
            same = body_digest(body) == known[2]
            self._inc("civicnews/files/unchanged" if same else "civicnews/files/changed")
        return result

    def _type_ok(self, media_type: str | None, body: bytes, image: bool) -> bool:
        """Refuse what is not a file: an HTML page (a login or error page) answered for a
        document link; for images, anything but image/*."""
        head = body[:512].lstrip().lower()
        looks_html = head.startswith((b"<!doctype html", b"<html"))
        if image:
            return bool(media_type and media_type.startswith("image/")) and not looks_html
        return media_type not in ("text/html", "application/xhtml+xml") and not looks_html

    def _failed(self, result: dict[str, Any], kind: str) -> dict[str, Any]:
        result["problem"] = kind
        self._inc(f"civicnews/files/failed/{kind}")
        return result

    def _known(self, url: str) -> tuple[str | None, str | None, str | None] | None:
        """(etag, last_modified, digest) of an archived file, None if new (read-only look-up)."""
        if self._db is None and not self._db_tried:
            self._db_tried = True
            if self.db_path and Path(self.db_path).is_file():
                try:
                    self._db = open_readonly(Path(self.db_path))
                except Exception as exc:  # an archive the store will refuse with its own message
                    logger.warning("files: cannot read %s: %s", self.db_path, exc)
        if self._db is None:
            return None
        try:
            return self._db.execute(
                "SELECT etag, last_modified, digest FROM files WHERE url = ?", (url,)
            ).fetchone()
        except sqlite3.Error as exc:  # no files table yet: the store upgrades the archive
            logger.debug("files: no look-up in %s: %s", self.db_path, exc)
            return None

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)
