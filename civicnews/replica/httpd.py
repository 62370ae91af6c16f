"""HTTP on the replica's socket: a threading HTTP/1.1 server with keep-alive whose handler
reads a request, asks its ``respond`` callable for the answer and sends it; and the
conditional-request rules (validators, 304) the server applies when asked to.

It knows nothing of families, faults or the request log: ``server.py`` (``ReplicaServer``)
gives it ``respond``.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Mapping
from email.message import Message
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from civicnews.replica.renderer import HTML, Response

#: (method, request target as sent, headers, body, time.monotonic() at arrival) -> the answer.
Respond = Callable[[str, str, Message, bytes, float], Response]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real portals behind Apache/Tomcat do
    server_version = "Apache-Coyote/1.1"
    sys_version = ""
    timeout = 60  # drop idle keep-alive connections eventually
    server: ReplicaHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log replaces per-request stderr noise

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        arrived = time.monotonic()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Bad Content-Length")
            return
        body = self.rfile.read(length) if length > 0 else b""
        response = self.server.respond(method, self.path, self.headers, body, arrived)
        perform = getattr(response, "perform", None)
        if perform is not None:  # a fault (faults/failures.py) answers late, partly or not at all
            perform(self, method)
            return
        self.send_response(response.status)
        headers = {"Content-Type": HTML, **response.headers}
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)


class ReplicaHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections under a concurrent crawl (~21 pages/s cap).
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], respond: Respond) -> None:
        self.respond = respond
        self._connections: set[Any] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut open keep-alive connections, so a stopped replica really stops answering."""
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            try:
                sock.shutdown(2)  # SHUT_RDWR
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-response is normal during crawls and tests


def origin_form(target: str) -> str:
    """``/path?query`` of a request target, also when sent to the replica as to a proxy
    (``GET http://host/path?query``): ``civicnews demo`` crawls it under a fixed host name."""
    match = re.match(r"https?://[^/?#]*", target)
    if match is None:
        return target
    return target[match.end() :] or "/"


def conditional(
    method: str, headers: Mapping[str, str], response: Response, last_modified: str
) -> Response:
    """Validators on every 200 answer to GET/HEAD, and 304 to a matching conditional request."""
    if response.status != 200 or method not in ("GET", "HEAD"):
        return response
    etag = '"' + hashlib.sha256(response.body).hexdigest()[:24] + '"'
    validators = {"ETag": etag, "Last-Modified": last_modified}
    if_none_match = headers.get("If-None-Match")
    if_modified_since = headers.get("If-Modified-Since")
    unchanged = False
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        unchanged = "*" in tags or etag in tags
    elif if_modified_since is not None:
        try:
            unchanged = parsedate_to_datetime(if_modified_since) >= parsedate_to_datetime(
                last_modified
            )
        except (TypeError, ValueError):
            unchanged = False
    if unchanged:
        return Response(304, validators, b"")
    return Response(200, {**response.headers, **validators}, response.body)
