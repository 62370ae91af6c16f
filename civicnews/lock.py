"""One run at a time per archive: an exclusive ``flock`` on ``<archive>.lock``.

``flock`` locks belong to an open file and the kernel drops them when the
process dies, however it dies (SIGKILL included), so a lock left by a killed
run never blocks the next one and no pid-file guessing is needed.  The file's
content (pid, start time, command line) only names the holder in the message
a refused run prints; it is rewritten by each run that takes the lock.

The file is opened with ``O_NOFOLLOW`` and must be a regular file with one
link: a root cron job in a shared directory must never write through a planted
``archive.db.lock -> /etc/something``.  It is not truncated on open: the
details are written over blanks, and JSON readers skip the trailing spaces.
While a run holds it, the file also keeps :data:`RESERVE_BYTES` of disk space
for the run's last record (:meth:`ArchiveLock.free_reserve`): a run that
filled the disk can still record its end instead of showing as "killed".

>>> with ArchiveLock("archive.db", argv=["civicnews", "crawl"]):
...     ...  # crawl; a second ArchiveLock(...).acquire() raises LockHeld
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shlex
import stat
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

#: Disk space the lock file keeps for the run's last ``crawl_runs`` update (a few
#: SQLite WAL frames of 4 kB; freed only when the disk is full).
RESERVE_BYTES = 64 * 1024


class LockError(OSError):
    """The lock file cannot be created, opened or written (missing directory,
    permissions, a symlink, a full disk)."""


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
        fd = os.open(lock_path(archive), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as file:
            text = file.read(RESERVE_BYTES).decode("utf-8")
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
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise LockError(
                    exc.errno,
                    f"lock file {self.path} is a symbolic link: remove it (civicnews never "
                    "follows one)",
                ) from None
            raise LockError(
                exc.errno, f"cannot create lock file {self.path}: {exc.strerror}"
            ) from None
        try:
            _check_own_file(fd, self.path)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(self.archive, self._holder_when_written()) from None
        except BaseException:
            os.close(fd)
            raise
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        info = {
            "pid": os.getpid(),
            "started_at": self.started_at,
            "command": shlex.join(self.argv),
            "host": os.uname().nodename,
        }
        data = json.dumps(info, ensure_ascii=False).encode("utf-8")
        try:
            _overwrite(fd, data)
        except OSError as exc:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            hint = ": the disk is full, free some space" if exc.errno == errno.ENOSPC else ""
            raise LockError(
                exc.errno, f"cannot write lock file {self.path}: {exc.strerror}{hint}"
            ) from None
        self._fd = fd
        return self

    def free_reserve(self) -> bool:
        """Give the disk the space kept in the lock file; False if there was none."""
        if self._fd is None:
            return False
        size = os.fstat(self._fd).st_size
        data = _content(self._fd)
        if size <= len(data):
            return False
        # Only the blanks after the details go; the details stay readable.
        os.ftruncate(self._fd, len(data))
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            # Blank the details: whoever reads the file later must not name a finished run.
            _overwrite(fd, b"")
        except OSError:
            pass  # a full disk: the next holder rewrites the details anyway
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


def _check_own_file(fd: int, path: Path) -> None:
    """Refuse a lock file that is not a plain file of its own (a FIFO, a hard link)."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        what = "not a regular file" if not stat.S_ISREG(info.st_mode) else "a hard link"
        raise LockError(errno.EPERM, f"lock file {path} is {what}: remove it")


def _content(fd: int) -> bytes:
    """The details in the file, without the blanks after them."""
    return os.pread(fd, RESERVE_BYTES, 0).rstrip(b" \n\0")


def _overwrite(fd: int, data: bytes) -> None:
    """Write ``data`` at the start, blanks after it up to the reserve; never truncate."""
    size = max(RESERVE_BYTES, os.fstat(fd).st_size)
    os.pwrite(fd, data + b" " * (size - len(data)), 0)
