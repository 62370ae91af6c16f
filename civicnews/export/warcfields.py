"""Field values of WARC records: dates, digests, record ids, and HTTP headers as stored.

Determinism: ``WARC-Date`` is a capture time in UTC, ``WARC-Record-ID`` is a UUID5 of what
the caller names (record type, URL, date, payload digest, position), and digests are
``sha256:`` + base32.

Headers that no longer describe the stored body are kept under an ``X-Archive-Orig-`` prefix (the
convention pywb uses): ``Transfer-Encoding`` (bodies are stored de-chunked), a
``Content-Encoding`` the body is not in (stored decoded), and a wrong ``Content-Length`` (which
is replaced by the right one).  Otherwise replay tools would try to decode the body again.
"""

from __future__ import annotations

import base64
import hashlib
import http
import uuid
import zlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders

from civicnews.export.select import header

#: The UUID5 namespace of record ids: the same export gives the same ids.
NAMESPACE = uuid.UUID("6f1b0c1e-6a43-5c8e-9a55-0c1f2e6a7d10")
ORIG = "X-Archive-Orig-"


def warc_date(iso: str) -> str:
    """A stored ISO 8601 time as a WARC-Date in UTC (microseconds only when present)."""
    moment = datetime.fromisoformat(iso.replace("z", "Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if moment.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return moment.strftime(fmt)


def payload_digest(body: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(body).digest()).decode("ascii")


def record_id(*parts: Any) -> str:
    return f"<urn:uuid:{uuid.uuid5(NAMESPACE, chr(31).join(str(p) for p in parts))}>"


def _encoded(coding: str, body: bytes) -> bool:
    """Is ``body`` still in the transfer coding its Content-Encoding header names?"""
    coding = coding.split(",")[-1].strip().lower()
    if coding in ("", "identity") or not body:
        return True
    if coding in ("gzip", "x-gzip"):
        return body[:2] == b"\x1f\x8b"
    if coding == "deflate":
        for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
            try:
                zlib.decompressobj(wbits).decompress(body[:512])
                return True
            except zlib.error:
                continue
        return False
    if coding == "br":
        try:
            import brotli

            brotli.decompress(body)
            return True
        except Exception:
            return False
    return False


def response_headers(
    pairs: list[tuple[str, str]], body: bytes | None, length: int | None
) -> list[tuple[str, str]]:
    """Stored response headers, with those that misdescribe the stored body renamed.

    ``body`` None skips the Content-Encoding check, ``length`` None the Content-Length one
    (a revisit record carries no body; a 304 has none to describe).
    """
    out, fixed_length = [], False
    for name, value in pairs:
        low = name.lower()
        stale = (
            low == "transfer-encoding"
            or (low == "content-encoding" and body is not None and not _encoded(value, body))
            or (low == "content-length" and length is not None and value.strip() != str(length))
        )
        out.append((ORIG + name if stale else name, value))
        fixed_length |= stale and low == "content-length"
    if fixed_length:
        out.append(("Content-Length", str(length)))
    return out


def request_headers(url: str, pairs: list[tuple[str, str]]) -> StatusAndHeaders:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    pairs = list(pairs)
    if header(pairs, "Host") is None:
        pairs.insert(0, ("Host", parts.netloc))
    return StatusAndHeaders(f"{target} HTTP/1.1", pairs, protocol="GET")


def status_line(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"
