"""Run extractions in a child process with a memory limit and a time limit.

A hostile file (a zip bomb that lies about its sizes, a PDF whose objects
recurse, 500 MB of pages) can make any parsing library use unbounded memory or
time; no check inside the library holds against it.  So the parsing happens in
a child (:mod:`civicnews.documents.worker`) whose address space is capped with
RLIMIT_AS (``memory_mb``), and the parent kills it when one file takes longer
than ``timeout`` seconds.  The child is kept for the next file (starting
Python and importing pypdf costs ~0.2 s) and replaced after a kill or a crash.
Nothing the child does can raise into the caller: every outcome is an
:class:`Extraction` with a status.
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import time

from civicnews.documents.result import Extraction
from civicnews.documents.worker import HEADER

#: Defaults of ``civicnews extract --timeout/--memory``.
TIMEOUT = 60.0
MEMORY_MB = 1024


def _limit_child(memory_mb: int) -> None:
    # Runs in the child between fork and exec.
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file


class Extractor:
    """``with Extractor() as ex: ex.extract(data)``; ``peak_rss_kb`` is the children's peak."""

    def __init__(self, *, timeout: float = TIMEOUT, memory_mb: int = MEMORY_MB) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.peak_rss_kb = 0
        self._child: subprocess.Popen | None = None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _start(self) -> subprocess.Popen:
        if self._child is None:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "civicnews.documents.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # The libraries' warnings about damaged files go nowhere: the status says it.
                stderr=subprocess.DEVNULL,
                preexec_fn=lambda: _limit_child(self.memory_mb),  # noqa: PLW1509
                close_fds=True,
            )
        return self._child

    def _peak_of_live_child(self) -> None:
        if self._child is None:
            return
        try:
            with open(f"/proc/{self._child.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        self.peak_rss_kb = max(self.peak_rss_kb, int(line.split()[1]))
        except OSError:
            pass  # not Linux, or the child is gone (it stayed under its RLIMIT_AS)

    def _exited(self, block: bool) -> int | None:
        """The child's exit code once it has ended (reaped here, with its peak RSS), or None.

        Popen.poll/wait are not used: they reap the child without its rusage.
        """
        child = self._child
        pid, status, _usage = os.wait4(child.pid, 0 if block else os.WNOHANG)
        if pid == 0:
            return None
        # Not ``_usage.ru_maxrss``: Linux carries the parent's high-water mark across fork and
        # exec into the child's, so a child of a large process (a pytest worker late in a run)
        # would report the parent's size. VmHWM, read while the child lives, is its own.
        child.returncode = os.waitstatus_to_exitcode(status)
        for stream in (child.stdin, child.stdout):
            try:
                stream.close()
            except OSError:
                pass  # a broken pipe to a dead child: nothing left to flush
        self._child = None
        return child.returncode

    def _end(self, kill: bool) -> int | None:
        """End the child (killing it first when ``kill``); its exit code."""
        if self._child is None:
            return None
        if kill:
            self._child.kill()
        return self._exited(block=True)

    def close(self) -> None:
        if self._child is None:
            return
        self._peak_of_live_child()
        try:
            self._child.stdin.close()  # EOF: the child ends its loop
        except OSError:
            pass  # it died already
        deadline = time.monotonic() + 5
        while self._exited(block=False) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        self._end(kill=True)

    def extract(self, data: bytes) -> Extraction:
        started = time.monotonic()
        child = self._start()
        try:
            child.stdin.write(len(data).to_bytes(HEADER, "big"))
            child.stdin.write(data)
            child.stdin.flush()
        except BrokenPipeError:
            pass  # the child died (before or while reading); reported below
        line = self._answer(child, started + self.timeout)
        if not line:
            timed_out = line is None
            code = self._end(kill=timed_out)
            seconds = round(time.monotonic() - started, 4)
            if timed_out:
                return Extraction("timeout", error=f"over {self.timeout:g} s", seconds=seconds)
            if code == -signal.SIGKILL or code == -signal.SIGSEGV:
                # Allocations that fail inside C code (lxml, zlib) end this way.
                return Extraction("too-large", error=f"extraction process ended ({code})",
                                  seconds=seconds)  # fmt: skip
            return Extraction("failed", error=f"extraction process ended ({code})",
                              seconds=seconds)  # fmt: skip
        self._peak_of_live_child()
        result = Extraction(**json.loads(line))
        if result.error == "out of memory":
            self._end(kill=False)  # the child exits after answering
        return result

    def _answer(self, child: subprocess.Popen, deadline: float) -> bytes | None:
        """The child's JSON line, b"" when it died, None when the deadline passed."""
        with selectors.DefaultSelector() as selector:
            selector.register(child.stdout, selectors.EVENT_READ)
            left = deadline - time.monotonic()
            while left > 0:
                if selector.select(left):
                    return child.stdout.readline()
                left = deadline - time.monotonic()
        return None
