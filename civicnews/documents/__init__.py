"""What attached documents say: their text and their metadata.

- :mod:`~civicnews.documents.extract`: bytes -> :class:`Extraction` (text and a
  status from :data:`~civicnews.documents.result.STATUSES`), for PDF text layers
  (pypdf), DOCX and ODT (their XML streamed with lxml) and XLSX (openpyxl,
  read-only).  The format is read from the bytes, never from the name.
- :mod:`~civicnews.documents.sandbox`: :class:`Extractor` runs extraction in a
  child process under a memory limit (RLIMIT_AS) and a time limit, so a hostile
  file costs bounded memory and time and never raises into the caller.
- :mod:`~civicnews.documents.metadata`: document number, type, issuing body
  and issue date from a first page, a link text or a file name (pure functions).
- :mod:`~civicnews.documents.samples`: realistic documents made with real
  libraries, for tests and ``bench/documents.py``.
"""

from civicnews.documents.metadata import DocumentMeta, read_metadata
from civicnews.documents.result import STATUSES, Extraction
from civicnews.documents.sandbox import Extractor

__all__ = ["STATUSES", "DocumentMeta", "Extraction", "Extractor", "read_metadata"]
