"""Document number, type, issuing body and date from realistic Vietnamese strings."""

from __future__ import annotations

from datetime import date

import pytest

from civicnews.documents.metadata import (
    DocumentMeta,
    document_number,
    document_type,
    issue_date,
    issuing_body,
    number_from_file_name,
    read_metadata,
)


@pytest.mark.parametrize(
    "text, number",
    [
        ("Số: 123/QĐ-UBND", "123/QĐ-UBND"),
        ("Số: 45/2022/NĐ-CP", "45/2022/NĐ-CP"),
        ("Thông tư số 12/2023/TT-BYT của Bộ Y tế", "12/2023/TT-BYT"),
        ("Số:   1234 / UBND - VX", "1234/UBND-VX"),
        ("Chỉ thị 09/CT-TTg về tăng cường", "09/CT-TTg"),
        ("Tờ trình số 56/TTr-TCKH", "56/TTr-TCKH"),
        ("Số: 03/2019/TTLT-BTC-BNV", "03/2019/TTLT-BTC-BNV"),
        ("Số: 123/QÐ-UBND", "123/QĐ-UBND"),  # U+00D0 from a TCVN3 conversion
        ("Số 15a/KH-UBND ngày 5/1", "15a/KH-UBND"),
        ("ngày 12/3/2024", None),
        ("COVID-19: 163/181 ca", None),
        ("phường 5/Quận 3", None),  # one capital after the slash, no code: not a number
        ("", None),
    ],
)
def test_document_number(text, number):
    assert document_number(text) == number


def test_a_first_page_number_is_the_one_after_so_not_a_cited_one():
    page = "PHỤ LỤC\nCăn cứ Nghị định số 42/2022/NĐ-CP ngày 24 tháng 6 năm 2022"
    assert document_number(page, stated=True) is None
    assert document_number("UBND\nSố: 7/QĐ-UBND\n" + page, stated=True) == "7/QĐ-UBND"


@pytest.mark.parametrize(
    "name, number",
    [
        ("123-QD-UBND.pdf", "123/QĐ-UBND"),
        ("45_2022_ND-CP.pdf", "45/2022/NĐ-CP"),
        ("QD_123_UBND.pdf", "123/QĐ-UBND"),
        ("/uploads/2024/Ke-hoach-56-KH-UBND.docx", "56/KH-UBND"),
        ("12.2023.TT-BYT.signed.pdf", "12/2023/TT-BYT"),
        ("09-ct-ttg.pdf", "09/CT-TTg"),
        ("bao cao 15 BC UBND.pdf", "15/BC-UBND"),
        ("anh-hoi-nghi-1.jpg", None),
        ("2024-03-12.pdf", None),
        ("tailieu_2024.pdf", None),
    ],
)
def test_number_from_file_name(name, number):
    assert number_from_file_name(name) == number


@pytest.mark.parametrize(
    "text, number, kind",
    [
        ("", "123/QĐ-UBND", "Quyết định"),
        ("", "45/2022/NĐ-CP", "Nghị định"),
        ("", "56/TTr-UBND", "Tờ trình"),
        ("", "1234/UBND-VX", "Công văn"),  # an issuer's code first: an official letter
        ("", "09/CT-TTg", "Chỉ thị"),
        ("ỦY BAN NHÂN DÂN\nQUYẾT ĐỊNH\nVề việc...", None, "Quyết định"),
        ("Kế hoạch triển khai tiêm chủng năm 2024", None, "Kế hoạch"),
        ("THÔNG BÁO\nLịch tiếp công dân", None, "Thông báo"),
        ("Báo cáo kết quả thực hiện", None, "Báo cáo"),
        ("THÔNG TƯ LIÊN TỊCH\nHướng dẫn", None, "Thông tư liên tịch"),
        ("Thong bao lich tiep dan", None, "Thông báo"),  # a file name without diacritics
        ("Lịch tiếp công dân tháng 3", None, None),
        ("Kết quả kế hoạch", None, None),  # a type word must begin the line
    ],
)
def test_document_type(text, number, kind):
    assert document_type(text, number) == kind


@pytest.mark.parametrize(
    "text, day",
    [
        ("Hà Nội, ngày 12 tháng 3 năm 2024", date(2024, 3, 12)),
        ("Bắc Từ Liêm, ngày 05 tháng 01 năm 2024", date(2024, 1, 5)),
        ("Quyết định số 45/2022/NĐ-CP ngày 24/6/2022 của Chính phủ", date(2022, 6, 24)),
        ("Ha Noi, ngay 1 thang 12 nam 2023", date(2023, 12, 1)),
        ("Hà Nội, ngày    tháng 3 năm 2024", None),  # the day left blank for a pen
        ("Hà Nội, ngày 31 tháng 2 năm 2024", None),
        ("năm 2024", None),
    ],
)
def test_issue_date(text, day):
    assert issue_date(text) == day


def test_a_first_page_date_is_the_placed_one_not_a_cited_one():
    page = (
        "Hà Nội, ngày    tháng 3 năm 2024\nTHÔNG TƯ\n"
        "Căn cứ Luật Khám bệnh, chữa bệnh ngày 09 tháng 01 năm 2023;"
    )
    assert issue_date(page, placed=True) is None
    assert issue_date(page) == date(2023, 1, 9)


HEADER_ROWS = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
QUẬN BẮC TỪ LIÊM Độc lập - Tự do - Hạnh phúc
Số: 123/QĐ-UBND Bắc Từ Liêm, ngày 12 tháng 3 năm 2024
QUYẾT ĐỊNH
Về việc phê duyệt Kế hoạch phòng cháy, chữa cháy năm 2024
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"""

HEADER_CELLS = """UBND THÀNH PHỐ HÀ NỘI
SỞ Y TẾ
-------
Số: 15/KH-SYT

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Hà Nội, ngày 05 tháng 01 năm 2024

KẾ HOẠCH
Tiêm chủng mở rộng năm 2024"""


@pytest.mark.parametrize(
    "page, body",
    [
        (HEADER_ROWS, "ỦY BAN NHÂN DÂN QUẬN BẮC TỪ LIÊM"),
        (HEADER_CELLS, "SỞ Y TẾ"),  # a parent body, then the issuer
        ("CHÍNH PHỦ\n-------\nSố: 45/2022/NĐ-CP", "CHÍNH PHỦ"),
        ("BỘ Y TẾ\nSố: 12/2023/TT-BYT CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BỘ Y TẾ"),
        ("HỘI ĐỒNG NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI\nSố: 5/NQ-HĐND",
         "HỘI ĐỒNG NHÂN DÂN THÀNH PHỐ HÀ NỘI"),  # fmt: skip
        ("PHỤ LỤC\nDanh sách các hộ", None),  # capitals, but no body
        # The type above the number (a notice): the title, not part of the body's name.
        ("ỦY BAN NHÂN DÂN PHƯỜNG ĐÔNG NGẠC\nTHÔNG BÁO\nSố: 12/TB-UBND",
         "ỦY BAN NHÂN DÂN PHƯỜNG ĐÔNG NGẠC"),  # fmt: skip
        ("Lịch tiếp công dân tháng 3", None),
    ],
)
def test_issuing_body(page, body):
    assert issuing_body(page) == body


def test_read_metadata_takes_each_field_from_the_first_source_stating_it():
    assert read_metadata(HEADER_CELLS, "Tải về", "15-KH-SYT.pdf") == DocumentMeta(
        "15/KH-SYT", "Kế hoạch", "SỞ Y TẾ", "2024-01-05", "first-page"
    )
    # No first page (a scan): the link text, then the file name, and the national issuer.
    assert read_metadata(
        None, "Nghị định số 45/2022/NĐ-CP ngày 24/6/2022 của Chính phủ", "nd45.pdf"
    ) == DocumentMeta("45/2022/NĐ-CP", "Nghị định", "Chính phủ", "2022-06-24", "link-text")
    assert read_metadata(None, "Tải về", "Ke-hoach-56-KH-UBND.docx") == DocumentMeta(
        "56/KH-UBND", "Kế hoạch", None, None, "file-name"
    )
    assert read_metadata(None, "Xem chi tiết", "anh1.jpg") == DocumentMeta()
