"""The extraction child process: ``python -m civicnews.documents.worker``.

Reads requests from stdin, one after another: an 8-byte big-endian length, then
that many bytes of file.  Answers each with one JSON line on stdout (an
:class:`~civicnews.documents.result.Extraction`).  Runs under the memory limit
its parent set (RLIMIT_AS); after a ``MemoryError`` it answers and exits, since
an interpreter that ran out of memory may be left in any state.  Ends at EOF.
"""

from __future__ import annotations

import json
import os
import sys

from civicnews.documents.extract import extract

HEADER = 8


def _read_exactly(stream, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def main() -> int:
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = _read_exactly(source, HEADER)
        if header is None:
            return 0
        data = _read_exactly(source, int.from_bytes(header, "big"))
        if data is None:
            return 0
        result = extract(data)
        del data
        sink.write(json.dumps(result.to_dict(), ensure_ascii=False).encode() + b"\n")
        sink.flush()
        if result.status == "too-large" and result.error == "out of memory":
            return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
