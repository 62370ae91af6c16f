"""PDF text layers with pypdf.

pypdf, not pdfminer.six: on the same 52-page decision pypdf took 0.7-1.0 s and
pdfminer.six 1.7-3.0 s at about the same memory (bench/documents.py --compare),
and pypdf bounds what a compressed stream may inflate to.  pdfminer's layout
analysis orders the two-column header better, but the header parser
(:mod:`civicnews.documents.metadata`) reads either order.
"""

from __future__ import annotations

import io
import logging

from civicnews.documents.result import Limits
from civicnews.documents.sink import Full, TextSink

# pypdf logs a warning for every repaired object of a broken file; the status says enough.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class Encrypted(Exception):
    """The PDF needs a user password."""


def read(data: bytes, sink: TextSink, limits: type[Limits] = Limits) -> tuple[int, bool]:
    """Append each page's text to ``sink``: (pages in the file, whether all were read)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        # An owner password alone (printing or copying forbidden) opens with "".
        raise Encrypted("the PDF needs a password to open")
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages):
        if number >= limits.max_pages:
            return pages, False
        try:
            sink.add(page.extract_text() or "")
        except Full:
            return pages, False
    return pages, True
