"""A real HTTP server on 127.0.0.1 that imitates a Vietnamese local-government news portal.

The server is family-agnostic: it owns the request log, the test hooks and ground truth, and hands
every request to the renderer of one CMS family (``FAMILIES``; renderers live beside this module);
the socket, threads and HTTP/1.1 details are ``httpd.py``'s.
Content comes from :class:`civicnews.replica.content.Corpus`, derived per article from the seed,
so the same seed always serves byte-identical pages (all links are root-relative, so the port does
not leak into page bytes).

Map of the fake site (family "liferay", see ``liferay.py`` for the markup):

=========================================================  =======================================
URL                                                        Returns
=========================================================  =======================================
``/robots.txt``                                            200 text/plain, allows everything
``/`` (also ``/trang-chu``)                                200 home page: the 5 newest articles
``/tin-tuc-su-kien`` (``start_url``)                       200 listing page 1 (10 per page)
``/tin-tuc-su-kien?p_p_id=101_INSTANCE_aB3xK9LmQw2Z``      200 listing page N; beyond the last page
``&p_p_lifecycle=0&_101_INSTANCE_aB3xK9LmQw2Z_cur=N``      an empty listing ("Không có kết quả")
``&_101_INSTANCE_aB3xK9LmQw2Z_delta=10``
``/tin-tuc-su-kien/-/asset_publisher/aB3xK9LmQw2Z/``       200 the article, for any query string
``content/<urlTitle>[?redirect=…|?inheritRedirect=…]``
``/documents/<groupId>/<folderId>/<name>/<uuid>?t=…``      200 a 1x1 GIF (photos in bodies)
``/gioi-thieu``, ``/van-ban``, ``/thu-tuc-hanh-chinh``,    200 menu stub pages, no article links
``/hoi-dap``, ``/lien-he``
anything else (or an unknown urlTitle)                     404 HTML page
=========================================================  =======================================

GET and HEAD are answered alike (HEAD without a body); POST is routed to the renderer too.
Every response has a correct Content-Length, so HTTP/1.1 keep-alive works.
Test hooks for unattended crawls, described on :class:`ReplicaServer`: ``conditional`` (every
200 answer carries ``ETag`` and ``Last-Modified`` and a matching conditional request gets 304),
``robots_txt`` (e.g. a ``Crawl-delay``) and ``broken_markup`` (a redesign).
With ``faults=SPEC`` the site misbehaves on request as ``faults/spec.py`` describes.
"""

from __future__ import annotations

import errno
import importlib
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import Message
from types import TracebackType
from typing import Any

from civicnews.families import REPLICAS
from civicnews.replica.content import Corpus
from civicnews.replica.httpd import ReplicaHTTPServer, conditional, origin_form
from civicnews.replica.renderer import Renderer, ReplicaError, Response, html_response

log = logging.getLogger(__name__)

#: family -> "module:RendererClass" (civicnews.families); a family's module is imported when
#: a replica of it is made.
FAMILIES: dict[str, str] = REPLICAS

#: Request headers kept in the request log (lower-case names).
LOGGED_HEADERS = (
    "host", "user-agent", "accept", "accept-language", "accept-encoding", "referer", "cookie",
    "if-modified-since", "if-none-match", "connection", "content-type",
)  # fmt: skip

class PortInUseError(ReplicaError, OSError):
    """The requested port is taken by another process."""


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it; `time` is time.monotonic() when it arrived."""

    time: float
    method: str
    path: str  # path with query string, as sent
    headers: dict[str, str]  # LOGGED_HEADERS present in the request, lower-case names
    status: int
    body: bytes = b""  # the request body: tells POSTs to one path apart (paging APIs)


def renderer_class(family: str) -> type[Renderer]:
    if family not in FAMILIES:
        known = ", ".join(sorted(FAMILIES))
        raise ReplicaError(f"unknown portal family {family!r}: choose one of {known}")
    module_name, _, class_name = FAMILIES[family].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


class ReplicaServer:
    """A replica portal on a real socket, serving in a daemon thread.

    >>> with ReplicaServer("liferay", articles=50, seed=1) as server:
    ...     truth = server.ground_truth()   # one dict per article
    ...     start = server.start_url        # give this to the crawler
    """

    def __init__(
        self,
        family: str = "liferay",
        articles: int = 50,
        seed: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        log_requests: bool = True,
        faults: str | None = None,
        attachments: bool = False,
    ) -> None:
        self.family = family
        # A long-running CLI replica has no reader for the log: let it skip the growing list.
        self.log_requests = log_requests
        self.host = host
        self.requested_port = port
        self.corpus = Corpus(articles, seed)
        self.renderer = renderer_class(family)(self.corpus)
        if faults:
            # Misbehaviour on request (faults/spec.py: the SPEC); wraps any family's renderer.
            from civicnews.replica.faults.wrapper import FaultyRenderer

            self.renderer = FaultyRenderer(self.renderer, faults, seed)
        self._httpd: ReplicaHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._log: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        #: Test hook: article key -> change to its page, e.g. ``{"status": 404}`` (the page is
        #: gone) or ``{"replace": [("old text", "new text")]}`` (an editor changed it). Mutate it
        #: between two crawls; ground truth does not follow it.
        self.overrides: dict[int, dict[str, Any]] = {}
        #: ``attachments=True``: articles link real documents (see attachments.py); set
        #: ``attachments.epoch = 2`` between two crawls to make files change and disappear.
        self.attachments = None
        self._article_keys: dict[str, int] | None = None
        if attachments:
            from civicnews.replica.attachments import Attachments

            self.attachments = Attachments(family, self.corpus.count, seed)

    #: Test hooks for unattended crawls, set after construction (class defaults: off).
    #: ``robots_txt``: served at /robots.txt instead of "allow all" (e.g. a Crawl-delay).
    robots_txt: str | None = None
    #: ``broken_markup``: a regex; pages whose path matches it come with every class and id
    #: renamed ("v2-..."), as after a redesign that no parser knows yet.
    broken_markup: str | None = None
    #: ``conditional``: every 200 answer to GET/HEAD gets an ``ETag`` (a digest of its body)
    #: and ``Last-Modified`` (``last_modified``), and a conditional request that matches gets
    #: 304 (If-None-Match wins over If-Modified-Since, as RFC 9110 says).  Off by default:
    #: most portal pages are dynamic and carry no validators.
    conditional: bool = False
    last_modified: str = "Sat, 01 Dec 2018 02:07:00 GMT"

    # -- answers --------------------------------------------------------------------------------

    def _respond(
        self, method: str, target: str, headers: Message, body: bytes, arrived: float
    ) -> Response:
        """The answer to one request, logged; httpd.py sends it (a fault's, it performs)."""
        path, _, query = origin_form(target).partition("?")
        try:
            response = self.renderer.handle(method, path, query, headers, body)
            if self.attachments is not None:  # attachments.py: linked files, served here
                response = self.attach(path, headers, response)
        except Exception:  # a renderer bug must not kill the connection silently
            log.exception("replica renderer failed on %s %s", method, target)
            response = html_response("<h1>500 Internal Server Error</h1>", 500)
        if self.overrides:
            response = self._override(path, response)
        if getattr(response, "perform", None) is None:  # not a fault: a plain answer
            response = self._unattended_hooks(method, path, headers, response)
        self._record(
            RequestRecord(
                time=arrived,
                method=method,
                path=target,
                headers={
                    name: value
                    for name in LOGGED_HEADERS
                    if (value := headers.get(name)) is not None
                },
                status=response.status,
                body=body,
            )
        )
        return response

    def _unattended_hooks(
        self, method: str, path: str, headers: Mapping[str, str], response: Response
    ) -> Response:
        if self.robots_txt is not None and path == "/robots.txt":
            body = self.robots_txt.encode("utf-8")
            response = Response(200, {"Content-Type": "text/plain; charset=utf-8"}, body)
        if self.broken_markup and response.status == 200 and re.search(self.broken_markup, path):
            body = re.sub(rb'\b(class|id)="', rb'\1="v2-', response.body)
            response = Response(response.status, response.headers, body)
        if not self.conditional:
            return response
        return conditional(method, headers, response, self.last_modified)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> ReplicaServer:
        if self._httpd is not None:
            return self
        try:
            httpd = ReplicaHTTPServer((self.host, self.requested_port), self._respond)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"port {self.requested_port} on {self.host} is already in use"
                ) from None
            raise ReplicaError(
                f"cannot listen on {self.host}:{self.requested_port}: {exc.strerror or exc}"
            ) from None
        self._httpd = httpd
        if self.attachments is not None:
            self.attachments.listening(self.url)  # redirects to file hosts name the port
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # keeps stop() fast
            name=f"replica-{self.family}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise ReplicaError("the replica is not started: call start() first")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. http://127.0.0.1:41234."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    @property
    def start_url(self) -> str:
        """The listing URL to give a crawler."""
        return self.url + self.renderer.start_path

    @property
    def articles(self) -> int:
        return self.corpus.count

    def attach(self, path: str, headers: Mapping[str, str], response: Response) -> Response:
        """A file's answer, or an article page with its attachment block."""
        answer = self.attachments.handle(path, headers.get("Host") or "", headers)
        if answer is not None:
            return answer
        if self._article_keys is None:
            paths = {self.renderer.article_path(k): k for k in range(self.corpus.count)}
            self._article_keys = paths
        key = self._article_keys.get(path)
        if key is None or response.status != 200:
            return response
        return Response(
            response.status, response.headers, self.attachments.decorate(key, response.body)
        )

    def _override(self, path: str, response: Response) -> Response:
        """Apply `overrides` to the response for `path`, if it is an overridden article."""
        for key, change in list(self.overrides.items()):
            if path != self.renderer.article_path(key):
                continue
            if "status" in change:
                return html_response("<h1>Không tìm thấy trang</h1>", change["status"])
            page = response.body
            for old, new in change.get("replace", ()):
                page = page.replace(old.encode("utf-8"), new.encode("utf-8"))
            return Response(response.status, response.headers, page)
        return response

    # -- request log ----------------------------------------------------------------------------

    def _record(self, record: RequestRecord) -> None:
        if not self.log_requests:
            return
        with self._log_lock:
            self._log.append(record)

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, in arrival order."""
        with self._log_lock:
            return sorted(self._log, key=lambda record: record.time)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    # -- ground truth ---------------------------------------------------------------------------

    def truth(self, key: int) -> dict[str, Any]:
        """Ground truth of one article (see `ground_truth`)."""
        return self.renderer.truth(key, self.url)

    def ground_truth(self, keys: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """One dict per article (all of them, or `keys`), newest first.

        Keys: key, url (canonical, absolute; no query but an id the family keeps, such as
        SharePoint's ?ItemID=n), title, published_at (ISO 8601 +07:00, or
        YYYY-MM-DD when only the listing gives the day), published_raw (date text as printed on
        the page, or None), date_source ("page" or "listing"), author (or None), source (the
        "(Nguồn: …)" name or None), body_snippets (exact body sentences), listed, related (keys).
        A family's renderer may add keys its pages print (sharepoint, aspnet-table: sapo, category).
        """
        base = self.url
        selected = range(self.corpus.count) if keys is None else keys
        return [self.renderer.truth(key, base) for key in selected]
