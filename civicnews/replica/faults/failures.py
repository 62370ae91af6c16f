"""Faults that replace the page's answer or change how it is sent.

Replaced (``FAILURES``; the first in SPEC order wins): ``500``, ``503``, ``429``, ``timeout``,
``drop``, the redirects and ``gzip-bomb``.  Sent differently (:class:`Misbehaviour`, which the
server hands its request handler): late (``slow``), cut short (``truncate``), never
(``timeout``, ``drop``).
"""

from __future__ import annotations

import select
import socket
import time
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from civicnews.replica.faults.spec import Fault
from civicnews.replica.renderer import HTML, Response, html_response

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

#: Faults that replace the answer (first in SPEC order wins); the others transform it.
FAILURES = (
    "500", "503", "429", "timeout", "drop", "redirect-loop", "redirect-chain", "redirect-offsite",
    "gzip-bomb",
)  # fmt: skip


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


def failure(
    fault: Fault, path: str, params: dict[str, str], query: str, host_header: str = ""
) -> Response:
    """The answer that replaces the page's for a fault of `FAILURES`; `query` is the page's
    own (without the parameters the faults add), `params` all of them."""
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
            gzip_bomb(int(fault.arg or 0)),
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


_BOMBS: dict[int, bytes] = {}


def gzip_bomb(size: int) -> bytes:
    """A gzip stream of ``size`` bytes of spaces (about a thousandth of that compressed)."""
    if size not in _BOMBS:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip header
        block = b" " * (1 << 20)
        parts = [packer.compress(block) for _ in range(size >> 20)]
        parts += [packer.compress(b" " * (size & ((1 << 20) - 1))), packer.flush()]
        _BOMBS[size] = b"".join(parts)
    return _BOMBS[size]
