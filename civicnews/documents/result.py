"""What extracting one file gave: :class:`Extraction` and its statuses."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: Every ``text_status`` a file can have, and what it means.
STATUSES = {
    "ok": "the whole text was read",
    "partial": "text read up to a limit (pages or characters); the rest is left out",
    "no-text": "a PDF without a text layer (a scan): no OCR is done",
    "encrypted": "a PDF that needs a password to open",
    "broken": "truncated or malformed: the library could not read it",
    "too-large": "over a memory or inflation limit (a zip bomb, a huge sheet)",
    "timeout": "extraction took longer than the time limit",
    "unsupported": "a format civicnews does not read (DOC, XLS, RAR, ZIP, images...)",
    "failed": "the extraction process died for another reason (see the error)",
}
#: Statuses whose ``text`` is worth indexing.
WITH_TEXT = ("ok", "partial", "no-text")


class Limits:
    """Bounds on the work one file may cost (the subprocess adds time and memory)."""

    max_pages = 2000
    max_chars = 2_000_000  # about 600 pages of dense Vietnamese text
    max_inflated = 256 * 1024 * 1024  # declared uncompressed size of a ZIP-based file
    max_zip_entries = 10_000
    #: Fewer letters than this per page: a PDF without a text layer.
    min_letters_per_page = 16


@dataclass
class Extraction:
    status: str
    format: str | None = None
    text: str | None = None
    pages: int | None = None
    error: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
