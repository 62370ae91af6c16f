"""The faults a replica can be asked for: the SPEC grammar, the catalogue, and its parser.

``ReplicaServer(..., faults="503*2:0.3@article,cp1258:0.2,trap")`` or
``civicnews replica serve --faults SPEC`` wraps the family renderer in
:class:`civicnews.replica.faults.wrapper.FaultyRenderer`, which hits pages as described here.

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

import re
from dataclasses import dataclass

from civicnews.replica.renderer import ReplicaError


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

_FAULT_RE = re.compile(
    r"^(?P<name>[a-z0-9][a-z0-9-]*)(?:=(?P<arg>[0-9]*\.?[0-9]+[kM]?))?"
    r"(?:\*(?P<times>[0-9]+|all))?(?::(?P<rate>[0-9]*\.?[0-9]+))?(?:@(?P<sel>\S+))?$"
)
_SELECTOR_RE = re.compile(r"^(article|listing|article/[0-9]+|/\S*)$")


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
