"""Which format a file is, from its bytes: names and Content-Type headers lie too often."""

from __future__ import annotations

import zipfile

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def sniff(data: bytes, package: zipfile.ZipFile | None = None) -> str | None:
    """``pdf``, ``docx``, ``xlsx``, ``odt``, ``zip``, ``ole`` or None (something else).

    A PDF may have junk before its header (PDF readers look in the first 1 kB);
    a ZIP-based office file is told by the entries it holds (``package``: the
    already opened ZIP, so a hostile central directory is read once).
    """
    if PDF_MAGIC in data[:1024]:
        return "pdf"
    if data.startswith(OLE_MAGIC):
        return "ole"
    if not data.startswith(ZIP_MAGIC) or package is None:
        return None
    names = set(package.namelist())
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "mimetype" in names and package.getinfo("mimetype").file_size < 200:
        if package.read("mimetype").strip() == ODT_MIMETYPE:
            return "odt"
    return "zip"
