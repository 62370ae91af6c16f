"""The archive writer in a child process, so that storing barely slows the crawl.

A crawl's throughput is its reactor thread's: parsing, scheduling and every
pipeline hold the GIL there.  Written on a worker thread, a batch still held
the GIL for its Python part (reading items, hashes, JSON, building rows:
~150 µs an article) and every SQLite call handed the GIL back and forth with
the reactor.  In a process of its own the writer runs on the second core with
its own GIL; the crawl only pickles each batch (~25 µs an item) and waits for
the answer on a worker thread.  The replica bench measured the difference:
see BENCHMARKS.md.

:class:`WriterProcess` has the interface of
:class:`~civicnews.archive.writer.ArchiveWriter` that the store pipeline uses
(``write(items) -> WriteResult``, ``close()``).  Archive errors come back as
:class:`ArchiveError` with the same one-line message; each batch is still one
transaction, so a writer killed with the crawl leaves every committed batch
and nothing half-written.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import traceback
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from civicnews.archive.db import ArchiveError, connect, explain
from civicnews.archive.writer import DEFAULT_COMPRESS_LEVEL, ArchiveWriter, WriteResult


class WriterUnavailable(ArchiveError):
    """The child could not be started (no interpreter to run, or it died before its
    first answer): not a problem of the archive, so the caller may write in-process."""


class WriterProcess:
    """An :class:`ArchiveWriter` running in a child process."""

    def __init__(self, path: str | Path, compress_level: int = DEFAULT_COMPRESS_LEVEL):
        self.path = str(path)
        # A plain `python -m` child talking over two pipes, not multiprocessing's
        # spawn: spawn re-imports the parent's __main__, and a Scrapy script
        # without an `if __name__ == "__main__"` guard would crawl again in it.
        # Not fork either: the crawl process has threads and an event loop.
        from_parent, to_child = os.pipe()  # (read end, write end)
        from_child, to_parent = os.pipe()
        # The child imports this civicnews, wherever the parent found it.
        root = str(Path(__file__).resolve().parents[2])
        paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        try:
            self._process = subprocess.Popen(
                [sys.executable or "python3", "-m", __name__, str(from_parent), str(to_parent),
                 self.path, str(compress_level)],
                pass_fds=(from_parent, to_parent), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
            )  # fmt: skip
        except OSError as exc:
            for fd in (from_parent, to_child, from_child, to_parent):
                os.close(fd)
            raise WriterUnavailable(f"cannot start the archive writer process: {exc}") from None
        os.close(from_parent)
        os.close(to_parent)
        self._out = Connection(to_child, readable=False)
        self._in = Connection(from_child, writable=False)
        self._closed = False
        try:
            kind, payload = self._receive()
        except ArchiveError as exc:
            self._close_pipes()
            raise WriterUnavailable(str(exc)) from None
        if kind != "ready":
            self._close_pipes()
            raise ArchiveError(payload)

    def write(self, items: list[Any]) -> WriteResult:
        """Store ``items`` in one transaction, in the child; raises ArchiveError on failure."""
        self._send(("write", list(items)))
        kind, payload = self._receive()
        if kind == "ok":
            return WriteResult(**payload)
        if kind == "error":
            raise ArchiveError(payload)
        raise RuntimeError(f"the archive writer process failed on a batch:\n{payload}")

    def close(self) -> None:
        """Let the child finish (its last checkpoint included) and wait for it."""
        if self._closed:
            return
        try:
            self._send(("close", None))
            self._receive()
        except ArchiveError:
            pass  # already gone: everything it committed is in the archive
        finally:
            self._close_pipes()

    def _close_pipes(self) -> None:
        self._closed = True
        self._out.close()
        self._in.close()
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _send(self, message: tuple[str, Any]) -> None:
        try:
            self._out.send(message)
        except OSError:  # BrokenPipeError and friends
            raise ArchiveError(self._died()) from None

    def _receive(self) -> tuple[str, Any]:
        try:
            return self._in.recv()
        except (EOFError, OSError):
            raise ArchiveError(self._died()) from None

    def _died(self) -> str:
        try:
            code = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        return (
            f"the archive writer process for {self.path} stopped (exit code {code}); "
            "every batch it committed is archived: rerun the crawl"
        )


def serve(inbox: Connection, outbox: Connection, path: str, compress_level: int) -> None:
    """The child's loop: open the archive, then write each batch it is sent, in order.

    Returns quietly when the crawl process is gone (end of file on the way in, a broken
    pipe on the way out, as after a SIGKILL of the crawl alone): the batch in hand is
    committed, and there is nobody left to tell.
    """
    try:
        db = connect(path)
    except ArchiveError as exc:
        _answer(outbox, ("error", str(exc)))
        return
    writer = ArchiveWriter(db, compress_level=compress_level)
    try:
        if not _answer(outbox, ("ready", None)):
            return
        while True:
            try:
                kind, payload = inbox.recv()
            except EOFError:
                return  # the crawl process is gone; committed batches stay
            if kind == "close":
                break
            if not _answer(outbox, _write(writer, payload, path)):
                return
    finally:
        writer.close()
        db.conn.close()
    _answer(outbox, ("closed", None))


def _answer(outbox: Connection, message: tuple[str, Any]) -> bool:
    """Send to the crawl process; False when it is gone (the pipe is broken)."""
    try:
        outbox.send(message)
    except BrokenPipeError:
        return False
    return True


def _write(writer: ArchiveWriter, items: list[Any], path: str) -> tuple[str, Any]:
    try:
        return ("ok", asdict(writer.write(items)))
    except sqlite3.Error as exc:
        return ("error", explain(exc, path))
    except ArchiveError as exc:
        return ("error", str(exc))
    except Exception:  # a bug: the parent re-raises it with this traceback
        return ("crash", traceback.format_exc())


def main(argv: list[str]) -> None:
    # A stop reaches every process of a systemd unit (SIGTERM) or of a terminal's
    # process group (Ctrl-C, SIGINT).  The crawl stops gracefully and still sends
    # its last batches; this process ends when the crawl closes it or goes away
    # (end of file on the pipe), never in the middle of a batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    inbox_fd, outbox_fd, path, level = argv
    serve(
        Connection(int(inbox_fd), writable=False),
        Connection(int(outbox_fd), readable=False),
        path,
        int(level),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
