"""Write output files atomically: a temp name in the same directory, fsync, ``os.replace``.

An export interrupted at any point (Ctrl-C, full disk, power loss) leaves either the old file or
nothing under the final name, never a half-written one; the temp file is removed on error.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from civicnews.export.errors import ExportError, UsageError


def check_outputs(paths: Iterable[Path], force: bool) -> None:
    """Before reading the archive: refuse to overwrite an existing output unless ``force``
    (a usage error), and an output that cannot be written (:class:`ExportError`, exit 1,
    like any path the export cannot write): a missing or read-only directory."""
    for path in paths:
        if not path.parent.is_dir():
            raise ExportError(f"cannot write {path}: directory {path.parent} does not exist")
        if not os.access(path.parent, os.W_OK | os.X_OK):
            # access() also answers EROFS for a read-only file system.
            raise ExportError(
                f"cannot write {path}: directory {path.parent} is read-only; "
                "pass an --out in a writable directory"
            )
        if path.is_dir():
            raise UsageError(f"cannot write {path}: it is a directory")
        if path.exists() and not force:
            raise UsageError(f"{path} already exists: pass --force to overwrite it")


def temp_path(final: Path) -> Path:
    """A fresh temp file name beside ``final`` (same file system, so os.replace is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
    os.close(fd)
    return Path(name)


def commit(tmp: Path, final: Path) -> None:
    """fsync ``tmp``, move it over ``final`` and fsync the directory entry."""
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    # mkstemp creates files 0600; a snapshot gets the permissions any new file would.
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, final)
    with contextlib.suppress(OSError):  # some file systems cannot fsync a directory
        dfd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def staged(final: Path) -> Iterator[Path]:
    """Yield a temp path; on success it becomes ``final``, on any error it is deleted.

    Writing the output can fail however well it was checked (disk full, the file system
    remounted read-only): an :class:`OSError` becomes an :class:`ExportError` naming ``final``.
    """
    try:
        tmp = temp_path(final)
    except OSError as exc:
        raise ExportError(f"cannot write {final}: {exc.strerror or exc}") from None
    try:
        yield tmp
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {final}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        commit(tmp, final)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {final}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def atomic_open(final: Path, mode: str = "wb", **kwargs) -> Iterator[IO]:
    """``open`` for writing whose result appears under ``final`` only when complete."""
    with staged(final) as tmp, open(tmp, mode, **kwargs) as f:
        yield f
