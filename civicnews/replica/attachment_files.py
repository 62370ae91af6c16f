"""The bytes of the replica's attachments: real PDF, DOCX and XLSX files made with real
libraries (fpdf2 with a Unicode TrueType font for PDF text layers, python-docx, openpyxl), the
same bytes for the same text (fixed dates, zip members dated 1980-01-01).

Nothing here knows which article links what: that is ``attachments.py``.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

from civicnews.fonts import vietnamese_font

FIXED_DATE = datetime(2024, 3, 15, 8, 30, tzinfo=UTC)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def make_pdf(lines: tuple[str, ...]) -> bytes:
    """A one-page PDF whose text layer holds ``lines`` (fpdf2, DejaVu Sans embedded)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_producer("civicnews replica")
    pdf.set_title(lines[0] if lines else "")
    pdf.add_font("DejaVu", fname=vietnamese_font())
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    for line in lines:
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_docx(lines: tuple[str, ...]) -> bytes:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.author = props.last_modified_by = "Văn phòng UBND phường"
    props.created = props.modified = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def make_xlsx(header: tuple[str, ...]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    sheet.append(list(header))
    names = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung")
    for i, name in enumerate(names, 1):
        sheet.append([i, name, f"Tổ dân phố số {i + 2}", 1_500_000 * i])
    book.properties.creator = "Văn phòng UBND phường"
    book.properties.created = FIXED_DATE.replace(tzinfo=None)
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip(buffer.getvalue())


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every member dated 1980-01-01 and a fixed modification date in
    docProps/core.xml: python-docx and openpyxl write the time of saving."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(
                    rb"<dcterms:modified\1>2024-03-15T08:30:00Z</dcterms:modified>", content
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, content)
    return out.getvalue()
