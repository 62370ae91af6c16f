"""``--with-files``: the archived files themselves in a snapshot, each named by its sha256.

Entries are ``files/<sha256 hex><extension>`` (the extension from the media type served, so
the file opens with a double click), in digest order, dated 1980-01-01 like every entry of a
WACZ, so the same archive gives the same bytes.  A WACZ holds them as entries of its own (listed
in ``datapackage.json``); the other formats get ``<output>.files.zip`` beside the output, listed
in the manifest.  ``verify`` checks every entry's sha256 against its name.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

from civicnews.export.select import ArchiveReader

SUFFIX = ".files.zip"
PREFIX = "files/"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/zip": ".zip",
    "application/x-rar-compressed": ".rar",
    "application/vnd.rar": ".rar",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
}
_NAME = re.compile(r"files/([0-9a-f]{64})(\.[a-z0-9]+)?")


def zip_path(out: Path) -> Path:
    return out.with_name(out.name + SUFFIX)


def entry_names(reader: ArchiveReader, digests: set[str]) -> list[tuple[str, str]]:
    """(digest, entry name) in digest order; the type is the first one the content was served as."""
    names = []
    for digest in sorted(digests):
        row = reader.conn.execute(
            "SELECT type FROM file_versions WHERE digest = ? AND type IS NOT NULL "
            "ORDER BY id LIMIT 1",
            (digest,),
        ).fetchone()
        extension = EXTENSIONS.get(row[0], "") if row else ""
        names.append((digest, f"{PREFIX}{digest.removeprefix('sha256:')}{extension}"))
    return names


def info(name: str, size: int, stored: bool = True) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    # Office files and PDFs are compressed already; deflating them again gains ~1%.
    entry.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    entry.create_system = 3
    entry.external_attr = 0o100644 << 16
    entry.file_size = size
    return entry


def write_zip(reader: ArchiveReader, digests: set[str], path: Path) -> None:
    """Every file of ``digests`` into the ZIP at ``path`` (the caller stages the name)."""
    with zipfile.ZipFile(path, "w") as zf:
        for digest, name in entry_names(reader, digests):
            body = reader.file_body(digest)
            with zf.open(info(name, len(body)), "w") as dst:
                dst.write(body)


def check_entries(zf: zipfile.ZipFile, where: str) -> list[str]:
    """Problems of ``files/`` entries: a name that is no digest, content that is not its digest."""
    problems = []
    for name in zf.namelist():
        if not name.startswith(PREFIX):
            continue
        match = _NAME.fullmatch(name)
        if not match:
            problems.append(f"{where}: {name} is not named by its sha256")
            continue
        digest = hashlib.sha256()
        with zf.open(name) as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != match[1]:
            problems.append(f"{where}: {name} does not have the sha256 its name says")
    return problems


def check_zip(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad is not None:
                return [f"{path.name}: entry {bad} fails its CRC check"]
            return check_entries(zf, path.name)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return [f"{path.name}: not a readable ZIP ({exc})"]
