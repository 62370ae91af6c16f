"""Extract the text of one file in this process: bytes in, :class:`Extraction` out.

Every library error becomes a status (``broken``, ``encrypted``...), never an
exception; limits on pages, characters and ZIP inflation bound the work.  The
crawl and ``civicnews extract`` never call this directly: they go through
:class:`civicnews.documents.sandbox.Extractor`, which runs it in a child
process with a memory and time limit, the only bound that holds against a
file built to defeat the library.
"""

from __future__ import annotations

import re
import time
import zipfile
import zlib

from civicnews.documents import formats, odf, ooxml, pdf, spreadsheet
from civicnews.documents.result import Extraction, Limits
from civicnews.documents.sink import Full, TextSink
from civicnews.text import normalize_block

_LETTER = re.compile(r"[^\W\d_]")


class TooLarge(Exception):
    """Over an inflation or entry-count limit."""


def _open_zip(data: bytes, limits: type[Limits]) -> zipfile.ZipFile:
    import io

    package = zipfile.ZipFile(io.BytesIO(data))
    entries = package.infolist()
    if len(entries) > limits.max_zip_entries:
        raise TooLarge(f"{len(entries):,} entries in the ZIP package")
    inflated = sum(entry.file_size for entry in entries)
    if inflated > limits.max_inflated:
        # zipfile stops reading an entry at its declared size, so a header that
        # lies about the size gives a CRC error, never more bytes than declared.
        raise TooLarge(f"the package inflates to {inflated / 1e6:,.0f} MB")
    return package


def extract(data: bytes, limits: type[Limits] = Limits) -> Extraction:
    started = time.perf_counter()
    result = _extract(data, limits)
    result.seconds = round(time.perf_counter() - started, 4)
    return result


def _extract(data: bytes, limits: type[Limits]) -> Extraction:
    package = None
    kind = formats.sniff(data)
    try:
        if kind is None and data.startswith(formats.ZIP_MAGIC):
            package = _open_zip(data, limits)
            kind = formats.sniff(data, package)
        if kind not in ("pdf", "docx", "xlsx", "odt"):
            return Extraction("unsupported", format=kind)
        sink = TextSink(limits.max_chars)
        pages = None
        complete = True
        try:
            if kind == "pdf":
                pages, complete = pdf.read(data, sink, limits)
            elif kind == "docx":
                ooxml.read(package, sink)
            elif kind == "odt":
                odf.read(package, sink)
            else:
                spreadsheet.read(data, sink)
        except Full:
            complete = False
        text = normalize_block(sink.text()) or ""
        if kind == "pdf" and pages and len(_LETTER.findall(text)) < (
            limits.min_letters_per_page * pages
        ):
            return Extraction("no-text", format=kind, text=text or None, pages=pages)
        status = "ok" if complete else "partial"
        return Extraction(status, format=kind, text=text, pages=pages)
    except pdf.Encrypted as exc:
        return Extraction("encrypted", format=kind, error=str(exc))
    except (TooLarge, MemoryError) as exc:
        return Extraction("too-large", format=kind, error=str(exc) or "out of memory")
    except RecursionError:
        return Extraction("broken", format=kind, error="nesting too deep")
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError) as exc:
        return Extraction("broken", format=kind, error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - each library has its own error types
        # pypdf, lxml and openpyxl raise dozens of exception types on a damaged file
        # (PdfReadError, XMLSyntaxError, ValueError, struct.error, AssertionError...):
        # whatever they raise, the file could not be read, and the type says why.
        return Extraction("broken", format=kind, error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        if package is not None:
            package.close()
