"""One run at a time per archive: an exclusive ``flock`` on ``<archive>.lock``.

``flock`` locks belong to an open file and the kernel drops them when the
process dies, however it dies (SIGKILL included), so a lock left by a killed
run never blocks the next one and no pid-file guessing is needed.  The file's
content (pid, start time, command line) only names the holder in the message
a refused run prints; it is rewritten by each run that takes the lock.

>>> with ArchiveLock("archive.db", argv=["civicnews", "crawl"]):
...     ...  # crawl; a second ArchiveLock(...).acquire() raises LockHeld
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any


class LockError(OSError):
    """The lock file cannot be created or opened (missing directory, permissions)."""


class LockHeld(RuntimeError):
    """Another process holds the archive's lock; ``holder`` is what it wrote, if anything."""

    def __init__(self, archive: str, holder: dict[str, Any] | None):
        self.archive = archive
        self.holder = holder or {}
        super().__init__(self.describe())

    def describe(self) -> str:
        h = self.holder
        if not h.get("pid"):
            who = "a process that has not written its details yet"
        else:
            command = h.get("command") or "?"
            who = f"pid {h['pid']}, started {h.get('started_at', '?')}, command: {command}"
        return f"another civicnews run holds the lock on {self.archive}: {who}"


def lock_path(archive: str | Path) -> Path:
    return Path(f"{archive}.lock")


def read_holder(archive: str | Path) -> dict[str, Any] | None:
    """What the last run to take the lock wrote (it may have ended since)."""
    try:
        text = lock_path(archive).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class ArchiveLock:
    """Exclusive, non-blocking lock on ``<archive>.lock`` for the life of this object.

    :meth:`acquire` raises :class:`LockHeld` at once when another process holds
    it, and :class:`LockError` when the lock file cannot be opened.
    """

    def __init__(self, archive: str | Path, argv: list[str] | None = None):
        self.archive = str(archive)
        self.path = lock_path(archive)
        self.argv = list(sys.argv if argv is None else argv)
        self.started_at = ""
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> ArchiveLock:
        if self._fd is not None:
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise LockError(
                exc.errno, f"cannot create lock file {self.path}: {exc.strerror}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(self.archive, self._holder_when_written()) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        info = {
            "pid": os.getpid(),
            "started_at": self.started_at,
            "command": shlex.join(self.argv),
            "host": os.uname().nodename,
        }
        data = json.dumps(info, ensure_ascii=False).encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            # Empty the file first: whoever reads it later must not name a finished run.
            os.ftruncate(fd, 0)
        except OSError:
            pass
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _holder_when_written(self) -> dict[str, Any] | None:
        # The holder writes its details just after taking the lock: give it a moment.
        for _ in range(10):
            holder = read_holder(self.archive)
            if holder:
                return holder
            time.sleep(0.05)
        return None

    def __enter__(self) -> ArchiveLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
