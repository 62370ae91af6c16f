"""The TrueType font that civicnews' generated PDFs embed for their Vietnamese text layers.

Two makers of PDFs need it: the replica's attachments (``replica/attachment_files.py``) and
the sample documents of tests and benches (``documents/samples.py``).  fpdf2's core fonts
have no Vietnamese glyphs, so a real font is found on the machine: Debian's
``fonts-dejavu-core``, which ``.ci/run`` installs.
"""

from __future__ import annotations

from pathlib import Path

#: Where distributions install DejaVu Sans: Debian/Ubuntu, Arch, Fedora.
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)


class FontMissing(FileNotFoundError):
    """No TrueType font with Vietnamese glyphs to make PDF text layers with."""


def vietnamese_font() -> str:
    """The path of DejaVu Sans, or :class:`FontMissing` saying what to install."""
    for path in FONT_PATHS:
        if Path(path).is_file():
            return path
    raise FontMissing(
        "no DejaVuSans.ttf for Vietnamese PDF text layers: install Debian's fonts-dejavu-core"
    )
