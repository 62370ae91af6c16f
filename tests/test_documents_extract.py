"""Text extraction from real PDF, DOCX, XLSX and ODT files made by real libraries.

Expected texts are the strings the samples were written with
(civicnews/documents/samples.py), not the extractor's output.
"""

from __future__ import annotations

import pytest

from civicnews.documents import samples
from civicnews.documents.extract import extract
from civicnews.documents.result import Limits
from civicnews.text import fold

HEADER = samples.Header()


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def decision() -> bytes:
    return samples.decision_pdf(articles=12)


def test_pdf_text_layer_in_vietnamese(decision):
    result = extract(decision)
    assert (result.status, result.format, result.error) == ("ok", "pdf", None)
    assert result.pages >= 2
    text = words(result.text)
    assert "Số: 123/QĐ-UBND" in text
    assert "Bắc Từ Liêm, ngày 12 tháng 3 năm 2024" in text
    assert HEADER.subject in text
    # The last article, on the last page, is read whole (lines re-joined as spaces).
    assert words(samples.ARTICLE.format(n=12)) in text


def test_docx_paragraphs_and_table_cells_in_document_order():
    result = extract(samples.plan_docx())
    assert (result.status, result.format) == ("ok", "docx")
    lines = result.text.splitlines()
    # The header table comes first, cell by cell, then the title, then the task table.
    assert lines[:6] == [
        "ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "QUẬN BẮC TỪ LIÊM",
        "Độc lập - Tự do - Hạnh phúc", "Số: 56/KH-UBND", "Bắc Từ Liêm, ngày 12 tháng 3 năm 2024",
    ]  # fmt: skip
    assert lines[6:8] == ["KẾ HOẠCH", "Triển khai công tác chuyển đổi số năm 2024"]
    assert "Số hóa hồ sơ thủ tục hành chính đợt 10" in lines
    assert lines[-1] == "Văn phòng HĐND và UBND quận"


def test_xlsx_rows_as_lines():
    result = extract(samples.budget_xlsx(rows=30))
    assert (result.status, result.format) == ("ok", "xlsx")
    lines = result.text.splitlines()
    assert lines[0] == "Phụ lục"  # the sheet's name
    assert "Kèm theo Quyết định số 123/QĐ-UBND" in lines[1]
    assert lines[2] == "STT Nội dung Đơn vị Dự toán (triệu đồng)"
    assert lines[-1] == f"30 Chỉnh trang hè phố tuyến 30 UBND phường Cổ Nhuế 1 {1000 + 30 * 7}"


def test_odt_paragraphs():
    result = extract(samples.notice_odt())
    assert (result.status, result.format) == ("ok", "odt")
    assert result.text.splitlines()[:4] == [
        "ỦY BAN NHÂN DÂN HUYỆN PHÚ XUYÊN", "Số: 78/TB-UBND",
        "Phú Xuyên, ngày 5 tháng 1 năm 2024", "THÔNG BÁO",
    ]  # fmt: skip


def test_text_is_nfc_and_folds_for_search(decision):
    text = extract(decision).text
    import unicodedata

    assert unicodedata.is_normalized("NFC", text)
    assert "so: 123/qd-ubnd" in fold(text)


def test_scanned_pdf_is_marked_no_text():
    result = extract(samples.scanned_pdf(pages=2))
    assert (result.status, result.format, result.pages) == ("no-text", "pdf", 2)
    assert not result.text


def test_encrypted_pdf_needs_password():
    result = extract(samples.decision_pdf(articles=1, password="mat-khau"))
    assert (result.status, result.format) == ("encrypted", "pdf")
    assert "password" in result.error


@pytest.mark.parametrize(
    "make", [lambda: samples.decision_pdf(articles=20), samples.plan_docx,
             samples.budget_xlsx, samples.notice_odt],
    ids=["pdf", "docx", "xlsx", "odt"],
)  # fmt: skip
def test_truncated_files_are_broken_not_errors(make):
    result = extract(samples.truncated(make()))
    assert result.status == "broken"
    assert result.error


def test_zip_bomb_refused_from_its_declared_sizes():
    result = extract(samples.zip_bomb_docx(inflated_mb=300))
    assert result.status == "too-large"
    assert "inflates to 315 MB" in result.error


def test_page_and_character_limits_make_partial_text():
    class Small(Limits):
        max_pages = 5

    result = extract(samples.many_pages_pdf(8), Small)
    assert (result.status, result.pages) == ("partial", 8)
    assert result.text.splitlines()[-1].startswith("Trang 5:")

    class Short(Limits):
        max_chars = 100

    result = extract(samples.plan_docx(), Short)
    assert result.status == "partial"
    assert len(result.text) <= 100 + 10  # normalised: 100 characters and their newlines


@pytest.mark.parametrize(
    "data, kind",
    [(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "ole"), (b"Rar!\x1a\x07\x00", None),
     (b"\x89PNG\r\n\x1a\n", None), (b"", None)],
    ids=["doc-xls", "rar", "png", "empty"],
)  # fmt: skip
def test_other_formats_are_unsupported(data, kind):
    assert (extract(data).status, extract(data).format) == ("unsupported", kind)


def test_a_zip_that_is_no_office_file_is_unsupported():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("scan-01.jpg", b"\xff\xd8")
    assert (extract(out.getvalue()).status, extract(out.getvalue()).format) == (
        "unsupported", "zip")  # fmt: skip
