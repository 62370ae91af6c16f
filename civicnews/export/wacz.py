"""WACZ 1.1.1: a ZIP holding the WARC, its CDXJ index, a page list and a datapackage.

Layout, entries in this order, each dated 1980-01-01 00:00:00 with mode 0644 so that the same
archive always gives the same bytes::

    archive/data.warc.gz           STORED (already gzipped per record, ranges stay readable)
    indexes/index.cdx              DEFLATED: CDXJ lines (see below for the name)
    pages/pages.jsonl              DEFLATED: a header line, then one page per article
    files/<sha256><ext>            STORED, with --with-files: each archived file
    manifest.json                  DEFLATED: the civicnews manifest (see ``manifest``)
    datapackage.json               DEFLATED: profile, wacz_version, resources (sha256, bytes)
    datapackage-digest.json        DEFLATED: sha256 of datapackage.json

The index holds CDXJ lines but is named ``index.cdx``, as the reference implementation (py-wacz)
names it: pywb's ``wb-manager add --unpack-wacz`` only picks up ``*.cdx``/``*.cdx.gz`` indexes
(and skips the whole WACZ without one), while ReplayWeb.page reads either name.

``datapackage.json`` has no ``created``/``modified`` times (both optional in the spec): they
would make two exports of the same archive differ.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from civicnews import __version__
from civicnews.export import attachments, cdxj
from civicnews.export.errors import UsageError
from civicnews.export.manifest import dumps, file_entry
from civicnews.export.output import staged
from civicnews.export.records import Progress
from civicnews.export.select import ArchiveReader
from civicnews.export.tally import Tally
from civicnews.export.warc import Page, write_records

WARC_NAME = "data.warc.gz"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _add(zf: zipfile.ZipFile, arcname: str, source: Path, stored: bool) -> None:
    info = zipfile.ZipInfo(arcname, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever the platform: part of the bytes
    info.external_attr = 0o100644 << 16
    info.file_size = source.stat().st_size  # lets zipfile choose ZIP64 up front when needed
    with open(source, "rb") as src, zf.open(info, "w") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def write(
    reader: ArchiveReader,
    out: Path,
    tally: Tally,
    progress: Progress = None,
    describe: Callable[[list[dict[str, Any]]], dict[str, Any]] | None = None,
    with_files: bool = False,
) -> list[Path]:
    """Write the WACZ at ``out``; ``describe(files)`` builds the inner manifest.

    ``with_files``: the archived files too, as ``files/<sha256><ext>`` entries (see
    :mod:`civicnews.export.attachments`); they are in the WARC already, this makes them
    files an archivist can open.
    """
    if out.suffix != ".wacz":
        raise UsageError(f"--out {out}: a WACZ file must be named *.wacz")
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".wacz-") as tmp:
        work = Path(tmp)
        sorter = cdxj.Sorter(work)
        main_page: list[Page] = []
        try:
            with open(work / "pages.jsonl", "wb") as pages, open(work / WARC_NAME, "wb") as w:
                pages.write(_json(PAGES_HEADER))

                def on_page(page: Page) -> None:
                    if not main_page:
                        main_page.append(page)
                    pages.write(
                        _json({"id": page.id, "url": page.url, "ts": page.ts, "title": page.title})
                    )

                write_records(reader, w, WARC_NAME, sorter, tally, progress, on_page)
            with open(work / "index.cdx", "wb") as f:
                for text in sorter.sorted_lines():
                    f.write(text)
        finally:
            sorter.close()
        entries = [
            (f"archive/{WARC_NAME}", work / WARC_NAME, True),
            ("indexes/index.cdx", work / "index.cdx", False),
            ("pages/pages.jsonl", work / "pages.jsonl", False),
        ]
        if with_files:
            for digest, name in attachments.entry_names(reader, tally.file_digests):
                source = work / name.replace("/", "-")
                source.write_bytes(reader.file_body(digest))
                entries.append((name, source, True))
        files = [file_entry(path, name) for name, path, _ in entries]
        if describe is not None:
            (work / "manifest.json").write_bytes(dumps(describe(files)))
            entries.append(("manifest.json", work / "manifest.json", False))
        package = datapackage(entries, main_page[0] if main_page else None)
        (work / "datapackage.json").write_bytes(package)
        digest = {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(package).hexdigest(),
        }
        (work / "datapackage-digest.json").write_bytes(_json(digest))
        entries.append(("datapackage.json", work / "datapackage.json", False))
        entries.append(("datapackage-digest.json", work / "datapackage-digest.json", False))
        with staged(out) as tmp_zip, zipfile.ZipFile(tmp_zip, "w") as zf:
            for name, path, stored in entries:
                _add(zf, name, path, stored)
    return [out]


def datapackage(entries: list[tuple[str, Path, bool]], main: Page | None) -> bytes:
    resources = []
    for name, path, _ in entries:
        entry = file_entry(path, name)
        resources.append(
            {
                "name": Path(name).name,
                "path": name,
                "hash": "sha256:" + entry["sha256"],
                "bytes": entry["bytes"],
            }
        )
    package: dict[str, Any] = {
        "profile": "data-package",
        "wacz_version": "1.1.1",
        "title": "civicnews snapshot",
        "description": "Articles of Vietnamese local-government news portals, as archived by "
        "civicnews: the responses the portals sent, byte for byte.",
        "software": f"civicnews {__version__}",
        "resources": resources,
    }
    if main is not None:
        package["mainPageUrl"] = main.url
        package["mainPageDate"] = main.ts
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
