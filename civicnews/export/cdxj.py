"""CDXJ index lines (Webrecorder CDXJ 0.1.0, as read by pywb and ReplayWeb.page).

Each line is ``<searchable URL> <timestamp> <JSON>``, sorted bytewise.  The searchable URL
follows the SURT rules of the ``surt`` package that pywb uses (and wabac.js mirrors): scheme
dropped, lower case, ``www``/``www2`` prefix dropped, host reversed and comma-joined, default
port dropped, fragment dropped, percent-escapes normalised, a trailing slash dropped and query
arguments sorted.  Session-id stripping is not done (portal URLs carry none).

Lines are sorted through a temporary SQLite table, whose sorter spills to disk: memory stays
flat however many records the WARC holds.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

_WWW = re.compile(r"^www\d*\.")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters kept unescaped by SURT's canonicaliser after full unescaping.
_SAFE = "!\"$&'()*+,-./:;<=>?@[\\]^_`{|}~"


def _normalise(part: str) -> str:
    """Unescape until stable, then escape only what cannot stand in a URL (like surt)."""
    previous = None
    while previous != part:
        previous, part = part, unquote(part, errors="surrogateescape")
    try:
        return quote(part, safe=_SAFE, errors="surrogateescape")
    except UnicodeEncodeError:  # pragma: no cover - surrogates from undecodable bytes
        return quote(part.encode("utf-8", "surrogateescape"), safe=_SAFE)


def surt(url: str) -> str:
    """The searchable (SURT) form of ``url`` used as the CDXJ sort key."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    host = _WWW.sub("", host.lower())
    key = ",".join(reversed(host.split(".")))
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        key += f":{port}"
    path = _normalise(parts.path or "/").lower()
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    key += ")" + path
    if parts.query:
        query = _normalise(parts.query).lower()
        key += "?" + "&".join(sorted(query.split("&")))
    return key


def timestamp14(warc_date: str) -> str:
    """``2024-05-01T10:00:00Z`` -> ``20240501100000``."""
    return re.sub(r"\D", "", warc_date)[:14]


def line(
    url: str,
    warc_date: str,
    *,
    mime: str,
    status: int | None,
    digest: str,
    length: int,
    offset: int,
    filename: str,
) -> tuple[str, str]:
    """(sort key, full line) for one response or revisit record."""
    key = f"{surt(url)} {timestamp14(warc_date)}"
    block = {"url": url, "mime": mime}
    if status is not None:
        block["status"] = str(status)
    block.update({"digest": digest, "length": str(length), "offset": str(offset)})
    block["filename"] = filename
    return key, f"{key} {json.dumps(block, separators=(',', ':'))}\n"


class Sorter:
    """Collects CDXJ lines and returns them sorted bytewise (LC_ALL=C order), disk-backed."""

    def __init__(self, directory: Path | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(dir=directory, prefix=".cdxj-")
        self.conn = sqlite3.connect(Path(self._dir.name) / "sort.db")
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        # BLOB comparison is memcmp: the byte order the CDXJ spec asks for.
        self.conn.execute("CREATE TABLE lines (key BLOB, seq INTEGER, line BLOB)")
        self.count = 0

    def add(self, key: str, text: str) -> None:
        self.conn.execute(
            "INSERT INTO lines VALUES (?, ?, ?)",
            (key.encode("utf-8"), self.count, text.encode("utf-8")),
        )
        self.count += 1

    def sorted_lines(self) -> Iterator[bytes]:
        for (text,) in self.conn.execute("SELECT line FROM lines ORDER BY key, seq"):
            yield text

    def close(self) -> None:
        self.conn.close()
        self._dir.cleanup()
