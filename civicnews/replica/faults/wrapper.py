"""The faults wrapper: which pages a SPEC's faults hit, and how often, around any family.

:class:`FaultyRenderer` decides, per request, which faults of the SPEC (``spec.py``) hit the
page and how many attempts it has had; the faults themselves live by family: ``failures.py``
(the answer replaced or sent badly), ``encodings.py``, ``breakage.py`` (damaged markup) and
``links.py`` (links to follow with care).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import unicodedata
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from civicnews.replica.faults import links
from civicnews.replica.faults.breakage import break_html, inject, nest, pad
from civicnews.replica.faults.encodings import ENCODINGS, declared_charset, encode
from civicnews.replica.faults.failures import FAILURES, Misbehaviour, failure
from civicnews.replica.faults.spec import CATALOGUE, Fault, FaultSpecError, parse_spec
from civicnews.replica.renderer import HTML, Response

if TYPE_CHECKING:
    from civicnews.replica.renderer import Renderer


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
        path = links.SESSION_PATH.sub("", path)  # as Tomcat does with URL-rewritten sessions
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k not in links.TRACKING_PARAMS + ("_loop", "_hop")]
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
            if fault.name in FAILURES and (not transient or fault.fails(attempt)):
                self._hit(fault, page)
                return failure(fault, path, params, inner_query, headers.get("Host") or "")
        listing = self._is_listing(path, key)
        is_trap_page = self.trap and listing and links.TRAP_PARAM in params
        if is_trap_page:
            # A calendar day of the trap: the family's first listing page, under a new URL.
            kept = [(k, v) for k, v in parse_qsl(inner_query) if k != links.TRAP_PARAM]
            inner_query = urlencode(kept)
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
        text = response.body.decode(declared_charset(response.headers.get("Content-Type", HTML)))
        for fault in active:
            name = fault.name
            if name == "tracking":
                text = links.tracking(text, self.seed, next(self._responses))
            elif name == "offsite":
                text = inject(text, links.offsite(self.inner, headers.get("Host") or "", listing))
            elif name == "trap" and listing:
                day = params.get(links.TRAP_PARAM)
                text = inject(text, links.calendar(self.inner.start_path, day))
            elif name == "broken-html":
                text = break_html(text)
            elif name == "nfd":
                text = unicodedata.normalize("NFD", text)
            elif name == "deep-nesting":
                text = nest(text, int(fault.arg or 0))
            else:
                continue
            self._hit(fault, page)
        content_type = "text/html; charset=utf-8"
        body = text.encode("utf-8")
        encoding = next((f for f in active if f.name in ENCODINGS), None)
        if encoding is not None:
            self._hit(encoding, page)
            body, content_type = encode(encoding, text)
        if "huge" in names:
            fault = next(f for f in active if f.name == "huge")
            self._hit(fault, page)
            body = pad(body, int(fault.arg or 0))
        return Response(response.status, {**response.headers, "Content-Type": content_type}, body)
