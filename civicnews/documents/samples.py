"""Realistic Vietnamese government documents, made with real libraries, for tests and benches.

Each function returns the bytes of a file the way a district office publishes it: a
decision (Quyết định) as a PDF with a text layer (fpdf2, an embedded DejaVu subset, as
Word's "Save as PDF" embeds its fonts), a plan as DOCX (python-docx), a budget table as
XLSX (openpyxl), a notice as ODT (LibreOffice's package layout), a scanned page (an image
and no text layer) and the hostile files extraction must survive: truncated, encrypted, a
zip bomb, a PDF of thousands of pages.

fpdf2, python-docx and openpyxl are test dependencies; the PDF needs a TrueType font with
Vietnamese glyphs (Debian's ``fonts-dejavu-core``, which ``.ci/run`` installs).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from civicnews.fonts import vietnamese_font


@dataclass(frozen=True)
class Header:
    """The header block every administrative document carries (Decree 30/2020/NĐ-CP)."""

    parent: str = "ỦY BAN NHÂN DÂN"
    issuer: str = "QUẬN BẮC TỪ LIÊM"
    number: str = "123/QĐ-UBND"
    place_date: str = "Bắc Từ Liêm, ngày 12 tháng 3 năm 2024"
    kind: str = "QUYẾT ĐỊNH"
    subject: str = "Về việc phê duyệt Kế hoạch phòng cháy, chữa cháy năm 2024"


ARTICLE = (
    "Điều {n}. Giao Phòng Tài chính - Kế hoạch chủ trì, phối hợp với Ủy ban nhân dân các "
    "phường tổ chức triển khai thực hiện các nội dung tại Kế hoạch số {n}/KH-UBND; bảo đảm "
    "kinh phí thực hiện từ nguồn ngân sách quận năm 2024 theo đúng quy định của Luật Ngân "
    "sách nhà nước. Các phường Cổ Nhuế 1, Cổ Nhuế 2, Đông Ngạc, Đức Thắng, Liên Mạc, Minh "
    "Khai, Phú Diễn, Phúc Diễn, Tây Tựu, Thượng Cát, Thụy Phương, Xuân Đỉnh và Xuân Tảo "
    "báo cáo kết quả thực hiện về Ủy ban nhân dân quận trước ngày 15 hằng tháng."
)
BASIS = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Căn cứ Nghị định số 42/2022/NĐ-CP ngày 24 tháng 6 năm 2022 của Chính phủ quy định về việc "
    "cung cấp thông tin và dịch vụ công trực tuyến của cơ quan nhà nước trên môi trường mạng;",
    "Xét đề nghị của Trưởng phòng Tài chính - Kế hoạch quận tại Tờ trình số 56/TTr-TCKH.",
)


def body_paragraphs(articles: int) -> list[str]:
    return [ARTICLE.format(n=n) for n in range(1, articles + 1)]


def decision_pdf(header: Header = Header(), articles: int = 12, *, password: str = "") -> bytes:
    """A decision with a text layer: the two-column header, its basis and ``articles`` articles.

    About two articles fill a quarter page, so 12 make ~3 pages (~40 kB); ``password``
    encrypts it (AES-128) with that user password.
    """
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_compression(True)
    pdf.add_font("DejaVu", "", vietnamese_font())
    if password:
        from fpdf.enums import EncryptionMethod

        pdf.set_encryption(owner_password="owner-" + password, user_password=password,
                           encryption_method=EncryptionMethod.AES_128)  # fmt: skip
    pdf.add_page()
    pdf.set_font("DejaVu", size=12)
    rows = (
        (header.parent, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (header.issuer, "Độc lập - Tự do - Hạnh phúc"),
        (f"Số: {header.number}", header.place_date),
    )
    for left, right in rows:  # a table in the Word original: left cell, then right cell
        pdf.cell(80, 7, left, align="C")
        pdf.cell(0, 7, right, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    for line in (header.kind, header.subject):
        pdf.cell(0, 7, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for paragraph in (*BASIS, *body_paragraphs(articles)):
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())


def scanned_pdf(pages: int = 2) -> bytes:
    """Pages that are only an image, as a scanner makes them: no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    pdf = FPDF(format="A4")
    for page in range(pages):
        image = Image.new("L", (620, 877), 255)
        draw = ImageDraw.Draw(image)
        for y in range(60, 820, 18):  # lines of "ink" where text was
            draw.rectangle((50, y, 570 - (y * 7 + page) % 90, y + 8), fill=40)
        pdf.add_page()
        pdf.image(image, x=0, y=0, w=210)
    return bytes(pdf.output())


def many_pages_pdf(pages: int) -> bytes:
    """A PDF of ``pages`` short pages: page count is what makes it expensive."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", vietnamese_font())
    pdf.set_font("DejaVu", size=11)
    for page in range(pages):
        pdf.add_page()
        pdf.cell(0, 6, f"Trang {page + 1}: danh sách hộ gia đình được hỗ trợ")
    return bytes(pdf.output())


def plan_docx(header: Header | None = None, articles: int = 12) -> bytes:
    """A plan (Kế hoạch) as Word writes it: header table, paragraphs, a table of tasks."""
    from docx import Document

    header = header or Header(number="56/KH-UBND", kind="KẾ HOẠCH",
                              subject="Triển khai công tác chuyển đổi số năm 2024")  # fmt: skip
    document = Document()
    table = document.add_table(rows=3, cols=2)
    cells = (
        (header.parent, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (header.issuer, "Độc lập - Tự do - Hạnh phúc"),
        (f"Số: {header.number}", header.place_date),
    )
    for row, (left, right) in zip(table.rows, cells, strict=True):
        row.cells[0].text, row.cells[1].text = left, right
    document.add_paragraph(header.kind)
    document.add_paragraph(header.subject)
    for paragraph in body_paragraphs(articles):
        document.add_paragraph(paragraph)
    tasks = document.add_table(rows=1, cols=3)
    tasks.rows[0].cells[0].text, tasks.rows[0].cells[1].text = "STT", "Nhiệm vụ"
    tasks.rows[0].cells[2].text = "Đơn vị chủ trì"
    for n in range(1, 11):
        cells = tasks.add_row().cells
        cells[0].text, cells[1].text = str(n), f"Số hóa hồ sơ thủ tục hành chính đợt {n}"
        cells[2].text = "Văn phòng HĐND và UBND quận"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def budget_xlsx(rows: int = 200) -> bytes:
    """A budget annex (Phụ lục dự toán) as a spreadsheet: a title row and ``rows`` lines."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Phụ lục"
    sheet.append(["PHỤ LỤC DỰ TOÁN NGÂN SÁCH NĂM 2024 (Kèm theo Quyết định số 123/QĐ-UBND)"])
    sheet.append(["STT", "Nội dung", "Đơn vị", "Dự toán (triệu đồng)"])
    wards = ("Cổ Nhuế 1", "Đông Ngạc", "Đức Thắng", "Phú Diễn", "Thượng Cát", "Xuân Đỉnh")
    for n in range(1, rows + 1):
        sheet.append([n, f"Chỉnh trang hè phố tuyến {n}", f"UBND phường {wards[n % 6]}",
                      1000 + n * 7])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"


def notice_odt(paragraphs: list[str] | None = None) -> bytes:
    """A notice (Thông báo) in LibreOffice's package layout: mimetype first, stored."""
    from xml.sax.saxutils import escape

    paragraphs = paragraphs or [
        "ỦY BAN NHÂN DÂN HUYỆN PHÚ XUYÊN",
        "Số: 78/TB-UBND",
        "Phú Xuyên, ngày 5 tháng 1 năm 2024",
        "THÔNG BÁO",
        "Lịch tiếp công dân của Chủ tịch Ủy ban nhân dân huyện tháng 01/2024",
        *body_paragraphs(6),
    ]
    text = "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        f"<office:body><office:text>{text}</office:text></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODT_MIMETYPE}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), ODT_MIMETYPE)  # stored, first
        package.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        package.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_bomb_docx(inflated_mb: int = 1024) -> bytes:
    """A DOCX whose document.xml inflates to ``inflated_mb`` MB (from about 1/1000 of that)."""
    base = zipfile.ZipFile(io.BytesIO(plan_docx(articles=1)))
    out = io.BytesIO()
    chunk = b"<w:p><w:r><w:t>" + b"A" * (1 << 20) + b"</w:t></w:r></w:p>"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in base.infolist():
            if info.filename != "word/document.xml":
                package.writestr(info, base.read(info))
        with package.open("word/document.xml", "w", force_zip64=True) as entry:
            entry.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.'
                        b'openxmlformats.org/wordprocessingml/2006/main"><w:body>')  # fmt: skip
            for _ in range(inflated_mb):
                entry.write(chunk)
            entry.write(b"</w:body></w:document>")
    return out.getvalue()


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first ``keep`` of a file: a download cut off half-way."""
    return data[: int(len(data) * keep)]


def flate_bomb_pdf(inflated_mb: int = 2048) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated_mb`` MB of spaces.

    Made with pypdf's writer; the stream is compressed in 1 MB steps, so making it
    costs a few MB of memory whatever it inflates to.
    """
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import EncodedStreamObject, NameObject

    squeeze = zlib.compressobj(1)
    chunk = b" " * (1 << 20)
    compressed = b"".join(squeeze.compress(chunk) for _ in range(inflated_mb))
    compressed += squeeze.flush()
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    stream = EncodedStreamObject()
    stream._data = compressed
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def strings_bomb_xlsx(inflated_mb: int = 200) -> bytes:
    """An XLSX whose shared strings inflate to ``inflated_mb`` MB: one 1 MB string per cell.

    Under the ZIP inflation limit, yet every reader (openpyxl included) holds all
    shared strings in memory: only the child's memory limit stops it.
    """
    base = zipfile.ZipFile(io.BytesIO(budget_xlsx(rows=1)))
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in base.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                cells = b"".join(
                    b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (n + 1, n + 1, n)
                    for n in range(inflated_mb)
                )
                sheet = b'<worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>'
                package.writestr(info.filename, sheet % (main, cells))
            elif info.filename == "[Content_Types].xml":
                types = base.read(info).replace(b"</Types>", (
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>"))  # fmt: skip
                package.writestr(info, types)
            elif info.filename == "xl/_rels/workbook.xml.rels":
                rels = base.read(info).replace(b"</Relationships>", (
                    b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>'))  # fmt: skip
                package.writestr(info, rels)
            else:
                package.writestr(info, base.read(info))
        with package.open("xl/sharedStrings.xml", "w") as entry:
            entry.write(b'<sst xmlns="' + main + b'">')
            for n in range(inflated_mb):
                entry.write(b"<si><t>" + (b"%d" % n) * ((1 << 20) // len(b"%d" % n)) + b"</t></si>")
            entry.write(b"</sst>")
    return out.getvalue()
