"""Faults for the replica portal: a wrapper that makes any family's renderer misbehave.

``ReplicaServer(..., faults="503*2:0.3@article,cp1258:0.2,trap")`` or
``civicnews replica serve --faults SPEC`` wraps the family renderer in :class:`FaultyRenderer`.

SPEC grammar (no spaces)::

    SPEC     := FAULT ("," FAULT)*
    FAULT    := NAME ["=" ARG] ["*" TIMES] [":" RATE] ["@" SELECTOR]
    ARG      := a number; bytes may end in k or M (x1024, x1024²)
    TIMES    := N | "all"      transient faults only: attempts 1..N of a page fail (default 1)
    RATE     := 0 < RATE <= 1  the fraction of the selected pages hit (default 1)
    SELECTOR := "article" | "article/K" | "listing" | "/path-prefix"
                (default: every page but /robots.txt; K is a ground-truth key)

Which pages a fault hits is a pure function of (seed, fault name, page): a seeded hash, so the
same seed always hits the same pages.  A *page* is an article (whatever query string it is asked
with) or a path with its query string, minus the parameters the faults themselves add.
Attempts are counted per page, so a transient fault with ``*N`` fails the first N requests of a
page and a crawler that retries gets the page afterwards.  When several faults hit one request,
the first in SPEC order wins among the failures; content faults all apply.

Transient (``*N`` applies; fail attempts 1..N, then the page is served normally):

==============  =========================================================================  =====
``500``         HTTP 500 Internal Server Error                                              -
``503``         HTTP 503 Service Unavailable with ``Retry-After: ARG`` (seconds)            1
``429``         HTTP 429 Too Many Requests with ``Retry-After: ARG`` (seconds)              1
``timeout``     reads the request, sends nothing for ARG seconds (or until the client       60
                hangs up), then closes the connection
``drop``        reads the request and closes the connection without a byte of answer        -
``truncate``    announces the full Content-Length, sends ARG of the body, closes            0.5
==============  =========================================================================  =====

Permanent (every request of a hit page):

=================  ======================================================================  =====
``slow``           answers after ARG seconds (not a failure unless ARG exceeds the          0.5
                   client's timeout)
``cp1258``         body in windows-1258 (tone marks decomposed, as legacy editors wrote),    -
                   header and ``<meta>`` say so
``mislabel``       body in UTF-8, header says ``charset=windows-1258``                      -
``mislabel-1258``  body in windows-1258, header and ``<meta>`` say UTF-8                    -
``bom``            UTF-8 body with a byte-order mark, header says ``charset=windows-1258``  -
``bad-bytes``      UTF-8 body, header and ``<meta>`` say so, with ARG stray bytes (0xFF)     3
                   in the article text, as a careless copy-paste leaves them
``nfd``            all text decomposed (NFD), as Word/macOS pastes it                       -
``broken-html``    no ``</p>``, ``</li>``, ``</td>``, ``</tr>``; a stray ``</body></html>``  -
                   right after ``<body>`` (lxml stops parsing there), unclosed tags and
                   stray end tags at the end
``huge``           the page padded with a comment to ARG bytes (default 9M, above the       9M
                   crawler's 8 MiB DOWNLOAD_MAXSIZE)
``redirect-loop``  302 to the same page with ``_loop=1`` added, which 302s back: A→B→A      -
``redirect-chain`` 302 to ``_hop=N+1``: an endless chain of new URLs                        -
``trap``           listing pages get a calendar whose "Sau" (next) link leads to the        -
                   listing for the next day, ``<start>?ngay=YYYY-MM-DD`` (``&ngay=`` after
                   a start page's own query), forever
``tracking``       every site link gets ``;jsessionid=<new id per response>`` and           -
                   ``utm_source``/``utm_medium``/``utm_campaign``/``fbclid`` parameters
``offsite``        pages get a "Tin liên quan" block linking off-site: the same server as   -
                   ``localhost`` (a request there shows in the log) and a ``.invalid`` host;
                   listings also get an off-site "Trang sau" link
``redirect-off``   (``redirect-offsite``) 302 to the same page on another host               -
``deep-nesting``   the body inside ARG unclosed ``<font>`` tags                             1200
``gzip-bomb``      ``Content-Encoding: gzip`` body inflating to ARG bytes of spaces          1024M
=================  ======================================================================  =====

The wrapper always accepts what it adds: ``;jsessionid=`` path parameters and the tracking,
``_loop``, ``_hop`` and (with ``trap``) ``ngay`` parameters are removed before the family
renderer sees a request, as a real server would ignore them.  Ground truth is the family's
own: faults change bytes, never the article text a correct crawler extracts.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import select
import socket
import threading
import time
import unicodedata
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from civicnews.replica.renderer import HTML, ReplicaError, Response, html_response

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

    from civicnews.replica.renderer import Renderer


class FaultSpecError(ReplicaError, ValueError):
    """A --faults SPEC that cannot be understood; the message is one line."""


@dataclass(frozen=True)
class FaultInfo:
    transient: bool
    default_arg: float | None  # None: the fault takes no argument
    summary: str


CATALOGUE: dict[str, FaultInfo] = {
    "500": FaultInfo(True, None, "HTTP 500"),
    "503": FaultInfo(True, 1, "HTTP 503 with Retry-After: ARG seconds"),
    "429": FaultInfo(True, 1, "HTTP 429 with Retry-After: ARG seconds"),
    "timeout": FaultInfo(True, 60, "no answer for ARG seconds, then close"),
    "drop": FaultInfo(True, None, "close the connection without answering"),
    "truncate": FaultInfo(True, 0.5, "send ARG of the announced body, then close"),
    "slow": FaultInfo(False, 0.5, "answer after ARG seconds"),
    "cp1258": FaultInfo(False, None, "windows-1258 body, correct header"),
    "mislabel": FaultInfo(False, None, "UTF-8 body, header says windows-1258"),
    "mislabel-1258": FaultInfo(False, None, "windows-1258 body, header says UTF-8"),
    "bom": FaultInfo(False, None, "UTF-8 body with BOM, header says windows-1258"),
    "bad-bytes": FaultInfo(False, 3, "UTF-8 body with ARG invalid bytes, declared UTF-8"),
    "nfd": FaultInfo(False, None, "text in NFD"),
    "broken-html": FaultInfo(False, None, "unclosed tags, stray </body></html>"),
    "huge": FaultInfo(False, 9 * 1024 * 1024, "page padded to ARG bytes"),
    "redirect-loop": FaultInfo(False, None, "302 A -> B -> A"),
    "redirect-chain": FaultInfo(False, None, "302 to ever new URLs"),
    "trap": FaultInfo(False, None, "endless calendar of listing pages"),
    "tracking": FaultInfo(False, None, "session ids and tracking parameters on links"),
    "offsite": FaultInfo(False, None, "links to other hosts"),
    "redirect-offsite": FaultInfo(False, None, "302 to the same page on another host"),
    "deep-nesting": FaultInfo(False, 1200, "the body inside ARG unclosed <font> tags"),
    "gzip-bomb": FaultInfo(False, 1024**3, "gzip body that inflates to ARG bytes"),
}

#: Faults that replace the answer (first in SPEC order wins), and those that transform it.
_FAILURES = (
    "500", "503", "429", "timeout", "drop", "redirect-loop", "redirect-chain", "redirect-offsite",
    "gzip-bomb",
)  # fmt: skip
_ENCODINGS = ("cp1258", "mislabel", "mislabel-1258", "bom", "bad-bytes")

_FAULT_RE = re.compile(
    r"^(?P<name>[a-z0-9][a-z0-9-]*)(?:=(?P<arg>[0-9]*\.?[0-9]+[kM]?))?"
    r"(?:\*(?P<times>[0-9]+|all))?(?::(?P<rate>[0-9]*\.?[0-9]+))?(?:@(?P<sel>\S+))?$"
)
_SELECTOR_RE = re.compile(r"^(article|listing|article/[0-9]+|/\S*)$")
# Parameters the faults add to links; the wrapper drops them from requests.
_TRACKING_PARAMS = ("utm_source", "utm_medium", "utm_campaign", "fbclid")
_SESSION_PATH = re.compile(r";jsessionid=[^/?#]*", re.I)
_TRAP_PARAM = "ngay"
_TRAP_START = date(2018, 12, 1)  # the seed article's day


@dataclass(frozen=True)
class Fault:
    name: str
    arg: float | None = None
    times: int | None = 1  # transient faults: attempts 1..times fail; None: every attempt
    rate: float = 1.0
    selector: str | None = None  # None: every page but /robots.txt

    def fails(self, attempt: int) -> bool:
        return self.times is None or attempt <= self.times

    def __str__(self) -> str:
        info = CATALOGUE[self.name]
        out = self.name
        if self.arg is not None and self.arg != info.default_arg:
            out += f"={int(self.arg)}" if self.arg == int(self.arg) else f"={self.arg:g}"
        if info.transient and self.times != 1:
            out += f"*{'all' if self.times is None else self.times}"
        if self.rate != 1.0:
            out += f":{self.rate:g}"
        if self.selector:
            out += f"@{self.selector}"
        return out


def parse_spec(spec: str) -> list[Fault]:
    """Parse a SPEC (see the module docstring); raises FaultSpecError with one line."""
    faults = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            raise FaultSpecError(f"empty fault in {spec!r}: separate faults with single commas")
        faults.append(_parse_fault(part))
    return faults


def _parse_fault(text: str) -> Fault:
    m = _FAULT_RE.match(text)
    if m is None:
        raise FaultSpecError(
            f"cannot read fault {text!r}: expected NAME[=ARG][*TIMES][:RATE][@SELECTOR]"
        )
    name = m["name"]
    if name not in CATALOGUE:
        raise FaultSpecError(f"unknown fault {name!r}: choose from {', '.join(CATALOGUE)}")
    info = CATALOGUE[name]
    arg = info.default_arg
    if m["arg"] is not None:
        if info.default_arg is None:
            raise FaultSpecError(f"fault {name!r} takes no =ARG (in {text!r})")
        arg = _number(m["arg"])
        if name == "truncate" and not 0 < arg < 1:
            raise FaultSpecError(f"truncate=ARG is the fraction sent, 0 < ARG < 1 (in {text!r})")
        if name in ("503", "429") and arg != int(arg):
            raise FaultSpecError(f"Retry-After is whole seconds (in {text!r})")
    times: int | None = 1 if info.transient else None
    if m["times"] is not None:
        if not info.transient:
            raise FaultSpecError(f"fault {name!r} is permanent: no *TIMES (in {text!r})")
        times = None if m["times"] == "all" else int(m["times"])
        if times == 0:
            raise FaultSpecError(f"*TIMES must be 1 or more, or 'all' (in {text!r})")
    rate = 1.0
    if m["rate"] is not None:
        rate = float(m["rate"])
        if not 0 < rate <= 1:
            raise FaultSpecError(f"RATE must be in (0, 1] (in {text!r})")
    selector = m["sel"]
    if selector is not None and not _SELECTOR_RE.match(selector):
        raise FaultSpecError(
            f"unknown selector {selector!r}: use article, article/K, listing or /path-prefix"
        )
    return Fault(name, arg, times, rate, selector)


def _number(text: str) -> float:
    scale = {"k": 1024, "M": 1024 * 1024}.get(text[-1], 1)
    return float(text.rstrip("kM")) * scale


# -- misbehaving answers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Misbehaviour(Response):
    """An answer the server must send (or withhold) itself: see ``perform``.

    ``action``: "send" (after ``delay`` seconds), "truncate" (send ``fraction`` of the body
    under the full Content-Length, then close), "drop" (close at once), "hang" (send nothing
    for ``delay`` seconds or until the client hangs up, then close).
    """

    action: str = "send"
    delay: float = 0.0
    fraction: float = 1.0

    def perform(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        if self.action == "drop":
            handler.close_connection = True
            return
        if self.action == "hang":
            _hang(handler.connection, self.delay)
            handler.close_connection = True
            return
        if self.delay:
            time.sleep(self.delay)
        handler.send_response(self.status)
        headers = {"Content-Type": HTML, **self.headers}
        for name, value in headers.items():
            if name.lower() != "content-length":
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(self.body)))
        if self.action == "truncate":
            handler.send_header("Connection", "close")
        handler.end_headers()
        if method == "HEAD":
            return
        body = self.body
        if self.action == "truncate":
            body = body[: int(len(body) * self.fraction)]
            handler.close_connection = True
        handler.wfile.write(body)
        handler.wfile.flush()


def _hang(sock: socket.socket, seconds: float) -> None:
    """Hold the connection silently until `seconds` pass or the client hangs up."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            readable, _, _ = select.select([sock], [], [], min(left, 0.5))
            if readable and not sock.recv(1, socket.MSG_PEEK):
                return  # the client gave up (its timeout) or the server is stopping
        except (OSError, ValueError):
            return
        if readable:
            time.sleep(min(left, 0.1))  # pipelined bytes, not a hang-up: keep holding


# -- the wrapper --------------------------------------------------------------------------------


class FaultyRenderer:
    """Wraps a family renderer; everything but `handle` is delegated to it.

    ``hits`` counts, per (fault name, page), the requests a fault changed: tests use it to check
    that a crawl met every fault.  Thread-safe, like the renderers.
    """

    def __init__(self, inner: Renderer, faults: str | list[Fault], seed: int = 1) -> None:
        self.inner = inner
        self.faults = parse_spec(faults) if isinstance(faults, str) else list(faults)
        self.seed = seed
        for fault in self.faults:
            if fault.selector and fault.selector.startswith("article/"):
                key = int(fault.selector.split("/", 1)[1])
                if not 0 <= key < inner.corpus.count:
                    raise FaultSpecError(
                        f"{fault}: no article {key} (keys are 0..{inner.corpus.count - 1})"
                    )
        self.trap = any(f.name == "trap" for f in self.faults)
        # Listing pages share the path of the start page; its query (SharePoint's
        # "?CateID=14") and the page parameters vary.
        self.listing_path = urlsplit(inner.start_path).path
        self.hits: Counter[tuple[str, str]] = Counter()
        self._attempts: Counter[str] = Counter()
        self._responses = itertools.count()
        self._lock = threading.Lock()
        self._articles: dict[str, list[tuple[int, dict[str, str]]]] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @property
    def spec(self) -> str:
        return ",".join(str(f) for f in self.faults)

    # -- pages ----------------------------------------------------------------------------------

    def _article_index(self) -> dict[str, list[tuple[int, dict[str, str]]]]:
        # Built on first use: path -> [(key, query parameters the article URL needs)].
        if self._articles is None:
            index: dict[str, list[tuple[int, dict[str, str]]]] = {}
            for key in range(self.inner.corpus.count):
                parts = urlsplit(self.inner.article_path(key))
                index.setdefault(parts.path, []).append((key, dict(parse_qsl(parts.query))))
            self._articles = index
        return self._articles

    def article_key(self, path: str, params: Mapping[str, str]) -> int | None:
        """The ground-truth key of the article at `path` with `params`, or None."""
        for key, needed in self._article_index().get(path, ()):
            if all(params.get(k) == v for k, v in needed.items()):
                return key
        return None

    def _is_listing(self, path: str, key: int | None) -> bool:
        return path == self.listing_path and key is None

    def _selects(self, fault: Fault, path: str, key: int | None, page: str) -> bool:
        sel = fault.selector
        if sel is None:
            chosen = path != "/robots.txt"
        elif sel == "article":
            chosen = key is not None
        elif sel.startswith("article/"):
            chosen = key == int(sel.split("/", 1)[1])
        elif sel == "listing":
            chosen = self._is_listing(path, key)
        else:
            chosen = path.startswith(sel)
        if not chosen or fault.rate >= 1:
            return chosen
        digest = hashlib.sha256(f"{self.seed}|{fault.name}|{page}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < fault.rate

    def faults_for(self, url_path: str) -> list[str]:
        """Names of the faults that hit the page at `url_path` (path and query), in SPEC order."""
        path, _, query = url_path.partition("?")
        return [f.name for f in self._active(*self._page(path, query)[:4])]

    def _page(self, path: str, query: str) -> tuple[str, dict[str, str], int | None, str, str]:
        """(path, params, article key, page id, query for the family renderer)."""
        path = _SESSION_PATH.sub("", path)  # as Tomcat does with URL-rewritten sessions
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k not in _TRACKING_PARAMS + ("_loop", "_hop")]
        params = dict(pairs)
        inner_query = query if len(kept) == len(pairs) else urlencode(kept)
        key = self.article_key(path, dict(kept))
        if key is not None:
            page = self.inner.article_path(key)
        else:
            page = path + (f"?{urlencode(kept)}" if kept else "")
        return path, params, key, page, inner_query

    def _active(self, path: str, params: dict[str, str], key: int | None, page: str) -> list[Fault]:
        return [f for f in self.faults if self._selects(f, path, key, page)]

    # -- requests -------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        path, params, key, page, inner_query = self._page(path, query)
        with self._lock:
            if method != "HEAD":
                self._attempts[page] += 1
            attempt = max(self._attempts[page], 1)
        active = self._active(path, params, key, page)
        for fault in active:
            transient = CATALOGUE[fault.name].transient
            if fault.name in _FAILURES and (not transient or fault.fails(attempt)):
                self._hit(fault, page)
                return self._failure(fault, path, params, inner_query, headers.get("Host") or "")
        listing = self._is_listing(path, key)
        is_trap_page = self.trap and listing and _TRAP_PARAM in params
        if is_trap_page:
            # A calendar day of the trap: the family's first listing page, under a new URL.
            inner_query = urlencode([(k, v) for k, v in parse_qsl(inner_query) if k != _TRAP_PARAM])
        response = self.inner.handle(method, path, inner_query, headers, body)
        content_type = response.headers.get("Content-Type", HTML)
        if active and content_type.startswith("text/html"):
            response = self._transform(response, active, listing, params, headers, page)
        delay, truncate = 0.0, None
        for fault in active:
            if fault.name == "slow":
                delay = max(delay, fault.arg or 0)
                self._hit(fault, page)
            elif fault.name == "truncate" and fault.fails(attempt) and truncate is None:
                truncate = fault
                self._hit(fault, page)
        if truncate is not None:
            return Misbehaviour(
                response.status, response.headers, response.body, "truncate", delay,
                float(truncate.arg or 0.5),
            )  # fmt: skip
        if delay:
            return Misbehaviour(response.status, response.headers, response.body, "send", delay)
        return response

    def _hit(self, fault: Fault, page: str) -> None:
        with self._lock:
            self.hits[(fault.name, page)] += 1

    def _failure(
        self, fault: Fault, path: str, params: dict[str, str], query: str, host_header: str = ""
    ) -> Response:
        name = fault.name
        if name == "500":
            return html_response("<h1>500 Internal Server Error</h1>", 500)
        if name in ("503", "429"):
            status, title = (503, "Service Unavailable") if name == "503" else (429, "Too Many")
            return Response(
                status,
                {"Content-Type": HTML, "Retry-After": str(int(fault.arg or 0))},
                f"<h1>{status} {title}</h1>".encode(),
            )
        if name == "drop":
            return Misbehaviour(0, action="drop")
        if name == "timeout":
            return Misbehaviour(0, action="hang", delay=float(fault.arg or 60))
        base = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)]
        if name == "gzip-bomb":
            return Response(
                200,
                {"Content-Type": HTML, "Content-Encoding": "gzip"},
                _gzip_bomb(int(fault.arg or 0)),
            )
        if name == "redirect-offsite":
            # The same server under another name: a crawler that follows it shows in the log.
            host, _, port = host_header.partition(":")
            other = "127.0.0.1" if host == "localhost" else "localhost"
            location = f"http://{other}{':' + port if port else ''}{path}"
            location += f"?{query}" if query else ""
            return Response(302, {"Location": location}, b"<h1>302 Found</h1>")
        if name == "redirect-loop":
            extra = [] if "_loop" in params else [("_loop", "1")]
        else:  # redirect-chain
            hop = int(params.get("_hop", "0")) if params.get("_hop", "0").isdigit() else 0
            extra = [("_hop", str(hop + 1))]
        target = path + (f"?{urlencode(base + extra)}" if base + extra else "")
        return Response(302, {"Location": target}, b"<h1>302 Found</h1>")

    # -- content faults -------------------------------------------------------------------------

    def _transform(
        self,
        response: Response,
        active: list[Fault],
        listing: bool,
        params: dict[str, str],
        headers: Mapping[str, str],
        page: str,
    ) -> Response:
        names = [f.name for f in active]
        text = response.body.decode(_charset(response.headers.get("Content-Type", HTML)))
        for fault in active:
            name = fault.name
            if name == "tracking":
                text = self._tracking(text)
            elif name == "offsite":
                text = _inject(text, self._offsite(headers.get("Host") or "", listing))
            elif name == "trap" and listing:
                text = _inject(text, self._calendar(params.get(_TRAP_PARAM)))
            elif name == "broken-html":
                text = _break(text)
            elif name == "nfd":
                text = unicodedata.normalize("NFD", text)
            elif name == "deep-nesting":
                text = _nest(text, int(fault.arg or 0))
            else:
                continue
            self._hit(fault, page)
        content_type = "text/html; charset=utf-8"
        body = text.encode("utf-8")
        encoding = next((f for f in active if f.name in _ENCODINGS), None)
        if encoding is not None:
            self._hit(encoding, page)
            if encoding.name == "cp1258":
                body = encode_cp1258(_set_meta_charset(text, "windows-1258"))
                content_type = "text/html; charset=windows-1258"
            elif encoding.name == "mislabel":
                content_type = "text/html; charset=windows-1258"
            elif encoding.name == "mislabel-1258":
                body = encode_cp1258(text)
            elif encoding.name == "bad-bytes":
                body = _stray_bytes(body, int(encoding.arg or 0))
            else:  # bom
                body = b"\xef\xbb\xbf" + body
                content_type = "text/html; charset=windows-1258"
        if "huge" in names:
            fault = next(f for f in active if f.name == "huge")
            self._hit(fault, page)
            body = _pad(body, int(fault.arg or 0))
        return Response(response.status, {**response.headers, "Content-Type": content_type}, body)

    def _tracking(self, text: str) -> str:
        # A cookie-less Tomcat gives every response a new session: every link changes each time.
        n = next(self._responses)
        token = hashlib.sha1(f"{self.seed}:{n}".encode()).hexdigest().upper()
        sid, click = token[:32], token[8:30]
        extra = (
            f"utm_source=zalo&amp;utm_medium=social&amp;utm_campaign=tin-tuc&amp;fbclid=IwAR{click}"
        )

        def rewrite(m: re.Match[str]) -> str:
            value = m.group(2)
            if not value.startswith("/") or value.startswith("//"):
                return m.group(0)
            value, _, _ = value.partition("#")
            link_path, sep, link_query = value.partition("?")
            query = f"{link_query}&amp;{extra}" if sep and link_query else extra
            return f'{m.group(1)}"{link_path};jsessionid={sid}?{query}"'

        return re.sub(r'(\bhref=)"([^"]*)"', rewrite, text)

    def _offsite(self, host_header: str, listing: bool) -> str:
        # The same server under another host name: a crawler that follows it shows in the log.
        host, _, port = host_header.rpartition(":") if ":" in host_header else (host_header, "", "")
        other = "127.0.0.1" if host == "localhost" else "localhost"
        base = f"http://{other}:{port}" if port else f"http://{other}"
        items = []
        for key in range(min(2, self.inner.corpus.count)):
            title = escape(self.inner.corpus.title(key), quote=False)
            items.append(f'<li><a href="{base}{self.inner.article_path(key)}">{title}</a></li>')
        items.append(
            '<li><a href="http://congthongtin.invalid/tin-tuc/bai-viet-1.html">'
            "Bài viết trên cổng thông tin khác</a></li>"
        )
        pager = (
            f'<div class="pager-other"><a href="{base}{escape(self._start_with("trang", "2"))}">'
            "Trang sau</a></div>"
            if listing
            else ""
        )
        return (
            '<div class="lien-ket-ngoai"><div class="title">Tin liên quan</div>'
            f"<ul>{''.join(items)}</ul>{pager}</div>"
        )

    def _calendar(self, day_text: str | None) -> str:
        try:
            day = date.fromisoformat(day_text) if day_text else _TRAP_START
        except ValueError:
            day = _TRAP_START
        after = day + timedelta(days=1) if day < date.max else day
        before = day - timedelta(days=1) if day > date.min else day
        prev = escape(self._start_with(_TRAP_PARAM, before.isoformat()))
        after_link = escape(self._start_with(_TRAP_PARAM, after.isoformat()))
        return (
            '<div class="calendar-news"><span class="calendar-title">Xem tin theo ngày '
            f"{day:%d/%m/%Y}</span> "
            f'<a class="prev" href="{prev}">Ngày trước</a> '
            f'<a class="next" rel="next" href="{after_link}">Sau</a>'
            "</div>"
        )

    def _start_with(self, name: str, value: str) -> str:
        """The start page's URL path with one more query parameter."""
        start = self.inner.start_path
        return f"{start}{'&' if '?' in start else '?'}{urlencode([(name, value)])}"


def _charset(content_type: str) -> str:
    m = re.search(r"charset=([\w-]+)", content_type, re.I)
    return m.group(1) if m else "utf-8"


def _inject(text: str, markup: str) -> str:
    """Insert `markup` before the last </body>, or at the end of a page without one."""
    at = text.lower().rfind("</body>")
    return text + markup if at < 0 else text[:at] + markup + text[at:]


def _stray_bytes(body: bytes, count: int) -> bytes:
    """0xFF (never valid in UTF-8) after the first `count` commas of the article's paragraphs."""
    start = body.find(b"<p")
    head, text = (body, b"") if start < 0 else (body[:start], body[start:])
    return head + text.replace(b", ", b",\xff ", count)


def _set_meta_charset(text: str, charset: str) -> str:
    pattern = r"(<meta[^>]*charset=)[\"']?[\w-]+"
    return re.sub(pattern, rf"\g<1>{charset}", text, count=1, flags=re.I)


def _break(text: str) -> str:
    # Paragraphs, items and cells left open: browsers and lxml close them implicitly.
    text = re.sub(r"</(p|li|td|tr)\s*>", "", text, flags=re.I)
    # A stray end of document right after <body>: browsers ignore it, lxml stops parsing there.
    text = re.sub(r"(<body[^>]*>)", r"\1</body></html>", text, count=1, flags=re.I)
    text = _inject(text, '<div class="clear"><span>\n')
    return text + "</div></span></html>\n"


def _nest(text: str, depth: int) -> str:
    """Open ``depth`` <font> tags right after <body>, never closed (as old WYSIWYG editors
    left them): a parser that walks the tree recursively meets ``depth`` levels."""
    opening = '<font face="Times New Roman">' * depth
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + opening, text, count=1, flags=re.I)


_BOMBS: dict[int, bytes] = {}


def _gzip_bomb(size: int) -> bytes:
    """A gzip stream of ``size`` bytes of spaces (about a thousandth of that compressed)."""
    if size not in _BOMBS:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip header
        block = b" " * (1 << 20)
        parts = [packer.compress(block) for _ in range(size >> 20)]
        parts += [packer.compress(b" " * (size & ((1 << 20) - 1))), packer.flush()]
        _BOMBS[size] = b"".join(parts)
    return _BOMBS[size]


def _pad(body: bytes, size: int) -> bytes:
    missing = size - len(body) - 9
    if missing <= 0:
        return body
    filler = b"<!-- " + b"x" * missing + b" -->"
    at = body.lower().rfind(b"</body>")
    return body + filler if at < 0 else body[:at] + filler + body[at:]


# -- windows-1258 -------------------------------------------------------------------------------

# The five Vietnamese tone marks windows-1258 encodes as combining characters; the other
# diacritics (â ê ô ă ơ ư) exist only precomposed in it.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_CP1258_CACHE: dict[str, bytes] = {}


def _cp1258_char(ch: str) -> bytes:
    try:
        return ch.encode("cp1258")
    except UnicodeEncodeError:
        pass
    parts = unicodedata.normalize("NFD", ch)
    base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
    tones = "".join(c for c in parts if c in _TONES)
    try:
        return (base + tones).encode("cp1258")
    except UnicodeEncodeError:
        return ch.encode("ascii", "xmlcharrefreplace")  # what a legacy CMS writes for the rest


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese text as windows-1258 does: base letter + combining tone mark.

    Characters windows-1258 lacks become numeric character references.
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch < "\x80":
            out.append(ch.encode("ascii"))
            continue
        encoded = _CP1258_CACHE.get(ch)
        if encoded is None:
            encoded = _CP1258_CACHE[ch] = _cp1258_char(ch)
        out.append(encoded)
    return b"".join(out)
