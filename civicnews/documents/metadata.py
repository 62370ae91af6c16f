"""What an administrative document says about itself: number, type, issuing body, date.

Vietnamese administrative documents follow one layout (Decree 30/2020/NĐ-CP,
before it Circular 01/2011/TT-BNV): top left the parent body and the issuing
body in capitals, then "Số: 123/QĐ-UBND"; top right the national motto and
"<place>, ngày 12 tháng 3 năm 2024"; then the type in capitals ("QUYẾT ĐỊNH")
and the subject.  A text layer gives that header either cell by cell or row by
row (left and right cells on one line), so the parsers here read both orders.
The same facts often stand in the link text ("Quyết định số 123/QĐ-UBND ngày
12/3/2024") and the file name ("123-QD-UBND.pdf").

Pure functions of strings; :func:`read_metadata` takes the first page, the link
text and the file name and fills each field from the first that states it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date

from civicnews.dates import parse_date
from civicnews.text import fold

#: Type codes of document numbers (Decree 30/2020/NĐ-CP, appendix III) -> type name.
TYPE_CODES = {
    "QĐ": "Quyết định",
    "NĐ": "Nghị định",
    "NQ": "Nghị quyết",
    "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch",
    "CT": "Chỉ thị",
    "KH": "Kế hoạch",
    "TB": "Thông báo",
    "BC": "Báo cáo",
    "TTr": "Tờ trình",
    "HD": "Hướng dẫn",
    "GM": "Giấy mời",
    "CTr": "Chương trình",
    "QC": "Quy chế",
    "QyĐ": "Quy định",
    "ĐA": "Đề án",
    "PA": "Phương án",
    "BB": "Biên bản",
    "CĐ": "Công điện",
    "L": "Luật",
    "PL": "Pháp lệnh",
}
#: A number whose first code is an issuer ("1234/UBND-VX"), not a type, is a Công văn.
OFFICIAL_LETTER = "Công văn"
#: Type names as they begin a title line or a link text, longest first.
TYPE_NAMES = sorted({*TYPE_CODES.values(), OFFICIAL_LETTER}, key=len, reverse=True)
#: Issuers a number's last code names unambiguously.
NATIONAL_ISSUERS = {"CP": "Chính phủ", "TTg": "Thủ tướng Chính phủ", "QH": "Quốc hội"}

_LETTERS = "A-Za-zĐđÐ"
_NUMBER = re.compile(
    rf"(?<![\w/])(\d{{1,5}}[a-z]?)\s*/\s*(?:((?:19|20)\d\d)\s*/\s*)?"
    rf"([A-ZĐÐ][{_LETTERS}]*(?:\s*-\s*[A-ZĐÐ][{_LETTERS}\d]*)*)(?![\w-])"
)
# File names write "123-QD-UBND.pdf", "45_2022_ND-CP.pdf", "QD 123 UBND": only a known
# type code (ASCII spelling accepted) makes one a document number.
_ASCII_CODES = {fold(code).upper(): code for code in TYPE_CODES} | {"TTR": "TTr", "CTR": "CTr"}
_FILE_NUMBER = re.compile(
    r"(?<![\dA-Za-z])(\d{1,5})[-_. ]+(?:((?:19|20)\d\d)[-_. ]+)?"
    r"(" + "|".join(sorted(_ASCII_CODES, key=len, reverse=True)) + r")[-_. ]+"
    r"([A-Za-z]{2,8}(?:[-_][A-Za-z]{2,8})?)(?![A-Za-z])",
    re.IGNORECASE,
)
_FILE_NUMBER_CODE_FIRST = re.compile(
    r"(?<![\dA-Za-z])(" + "|".join(sorted(_ASCII_CODES, key=len, reverse=True)) + r")[-_. ]+"
    r"(\d{1,5})[-_. ]+(?:((?:19|20)\d\d)[-_. ]+)?"
    r"([A-Za-z]{2,8}(?:[-_][A-Za-z]{2,8})?)(?![A-Za-z])",
    re.IGNORECASE,
)
_DATE_LONG = re.compile(
    r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})", re.IGNORECASE
)
_DATE_NUMERIC = re.compile(r"(?<![\d/])(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?!\d)")
_MOTTO = (
    re.compile(r"c[oộ]ng\s+h[oòóà]a?\s+x[aã]\s+h[oộ]i\s+ch[uủ]\s+ngh[iĩ]a\s+vi[eệ]t\s+nam",
               re.IGNORECASE),  # fmt: skip
    re.compile(r"đ[oộ]c\s+l[aậ]p\s*[-–—]\s*t[uự]\s+do\s*[-–—]\s*h[aạ]nh\s+ph[uú]c", re.IGNORECASE),
)
_STATED = re.compile(r"(?:^|\n)[ \t]*so\s*(?:hieu)?\s*[:.]?\s*$")
_RULE = re.compile(r"^[\s\-–—_.*=]+$")
#: Words an issuing body's line starts with (folded, spaced).
_BODY_HEADS = tuple(
    fold(head) + " "
    for head in (
        "ủy ban", "uỷ ban", "ubnd", "hội đồng", "hđnd", "sở", "bộ", "chính phủ", "thủ tướng",
        "ban", "phòng", "trung tâm", "cục", "tổng cục", "văn phòng", "chi cục", "đảng ủy",
        "đảng uỷ", "huyện ủy", "quận ủy", "thành ủy", "tỉnh ủy", "thị ủy", "mặt trận",
        "công an", "bệnh viện", "trường", "quốc hội", "kho bạc", "chi nhánh", "viện",
        "thanh tra", "ủy ban mặt trận",
    )
)  # fmt: skip
HEADER_CHARS = 1500


@dataclass
class DocumentMeta:
    number: str | None = None
    type: str | None = None
    issuer: str | None = None
    date: str | None = None  # ISO 8601 day
    #: Where the number (else the first field found) was read: first-page, link-text, file-name.
    source: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


def _clean(text: str) -> str:
    # U+00D0 (Ð, Icelandic eth) stands for Đ in text converted from old TCVN3 fonts.
    return unicodedata.normalize("NFC", text).replace("Ð", "Đ").replace("ð", "đ")


def document_number(text: str | None, *, stated: bool = False) -> str | None:
    """The first document number in ``text``: "Số: 45 /2022/NĐ - CP" -> "45/2022/NĐ-CP".

    ``stated``: only a number after "Số" (a first page cites other documents'
    numbers in its basis: "Căn cứ Nghị định số 42/2022/NĐ-CP...").
    """
    if not text:
        return None
    text = _clean(text[: HEADER_CHARS * 4])
    for match in _NUMBER.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        if stated and not _STATED.search(fold(text[line_start : match.start()])):
            continue
        number, year, code = match.groups()
        code = re.sub(r"\s+", "", code)
        if code.isdigit() or len(code) < 2 and code not in TYPE_CODES:
            continue
        return "/".join(part for part in (number, year, code) if part)
    return None


def number_from_file_name(name: str | None) -> str | None:
    """A number spelled in a file name: "123-QD-UBND.pdf", "QD_123_UBND.pdf" -> "123/QĐ-UBND"."""
    if not name:
        return None
    name = fold(_clean(name.rsplit("/", 1)[-1])).upper()
    match = _FILE_NUMBER.search(name)
    if match:
        number, year, code, issuer = match.groups()
    else:
        match = _FILE_NUMBER_CODE_FIRST.search(name)
        if not match:
            return None
        code, number, year, issuer = match.groups()
    code = _ASCII_CODES[code.upper()]
    issuer = issuer.upper().replace("_", "-")
    issuer = "TTg" if issuer == "TTG" else issuer
    return "/".join(part for part in (number, year, f"{code}-{issuer}") if part)


def type_from_number(number: str | None) -> str | None:
    """"123/QĐ-UBND" -> Quyết định; "1234/UBND-VX" (an issuer first) -> Công văn."""
    if not number:
        return None
    codes = number.rsplit("/", 1)[-1].split("-")
    if codes[0] in TYPE_CODES:
        return TYPE_CODES[codes[0]]
    return OFFICIAL_LETTER if len(codes) >= 2 else None


def type_from_text(text: str | None) -> str | None:
    """The type a title line or a link text starts with: "QUYẾT ĐỊNH", "Kế hoạch số ..."."""
    if not text:
        return None
    for line in _clean(text[:HEADER_CHARS]).splitlines():
        key = " ".join(re.sub(r"[^\w\s]", " ", fold(line)).split())
        for name in TYPE_NAMES:
            folded_name = fold(name)
            if key == folded_name or key.startswith(folded_name + " "):
                return name
    return None


def document_type(text: str | None, number: str | None = None) -> str | None:
    return type_from_number(number) or type_from_text(text)


def issue_date(text: str | None, *, placed: bool = False) -> date | None:
    """The issue date: "<place>, ngày 12 tháng 3 năm 2024" first, else the first date stated.

    ``placed``: only a date after a place name, in the header (a first page's basis
    cites other dates: "Căn cứ Luật ... ngày 19 tháng 6 năm 2015").  A template whose
    day was left blank for a pen ("ngày   tháng 3 năm 2024") has none.
    """
    if not text:
        return None
    text = _clean(text[: HEADER_CHARS if placed else HEADER_CHARS * 2])
    folded = fold(text)
    if len(folded) != len(text):  # casefold expanded a character (ß): offsets would drift
        folded = text.lower()
    at_place = None
    found = []
    for match in _DATE_LONG.finditer(folded):
        found.append(match)
        before = folded[max(0, match.start() - 3) : match.start()]
        if at_place is None and "," in before:
            at_place = match
    for match in _DATE_NUMERIC.finditer(folded):
        found.append(match)
    if placed:
        found = [at_place] if at_place else []
    if not found:
        return None
    for match in [at_place] if at_place else sorted(found, key=lambda m: m.start()):
        value = parse_date(text[match.start() : match.end()])
        if value is not None:
            return value if type(value) is date else value.date()
    return None


def _is_type_line(line: str) -> bool:
    """"QUYẾT ĐỊNH", "THÔNG BÁO": a document's type standing alone, its title."""
    key = " ".join(re.sub(r"[^\w\s]", " ", fold(line)).split())
    return any(key == fold(name) for name in TYPE_NAMES)


def _is_body_line(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def issuing_body(first_page: str | None) -> str | None:
    """The issuing body from a first page's header: "ỦY BAN NHÂN DÂN QUẬN BẮC TỪ LIÊM".

    The header is what comes before "Số:"; the motto is removed wherever it stands
    (a row-by-row text layer puts it on the issuer's lines).  Of two bodies (a
    parent, then the issuer: "UBND THÀNH PHỐ HÀ NỘI" / "SỞ Y TẾ") the last is the issuer.
    """
    if not first_page:
        return None
    lines: list[str] = []
    for line in _clean(first_page[:HEADER_CHARS]).splitlines():
        if re.match(r"\s*(s[oố]|s[oố] hi[eệ]u)\s*[:.]?\s*\d", line, re.IGNORECASE):
            break
        for motto in _MOTTO:
            line = motto.sub(" ", line)
        line = re.split(r"[^\W\d_][^,\n]*,\s*ng[aà]y\b", line)[0]  # "Hà Nội, ngày ..." on its row
        line = " ".join(line.split()).strip(" -–—_")
        if line and not _RULE.match(line):
            if not _is_body_line(line) or _is_type_line(line):
                break  # the title or the body began: no "Số:" line in this header
            lines.append(line)
    if not lines:
        return None
    heads = [i for i, line in enumerate(lines) if (fold(line) + " ").startswith(_BODY_HEADS)]
    if not heads:
        return None  # capitals, but no body: "PHỤ LỤC", a title
    start = heads[-1]
    # A body's name may run on over the next lines ("ỦY BAN NHÂN DÂN" / "QUẬN BẮC TỪ LIÊM").
    return " ".join(lines[start:]) or None


def issuer_from_number(number: str | None) -> str | None:
    if not number:
        return None
    return NATIONAL_ISSUERS.get(number.rsplit("-", 1)[-1]) if "-" in number else None


def read_metadata(
    first_page: str | None = None, link_text: str | None = None, file_name: str | None = None
) -> DocumentMeta:
    """Each field from the first source stating it: first page, link text, file name."""
    meta = DocumentMeta()
    sources = (("first-page", first_page), ("link-text", link_text), ("file-name", file_name))
    for source, text in sources:
        if not text:
            continue
        first_page_only = source == "first-page"
        if source == "file-name":
            number = number_from_file_name(text)
        else:
            number = document_number(text, stated=first_page_only)
        if number and not meta.number:
            meta.number, meta.source = number, source
        if not meta.type:
            meta.type = type_from_number(number) or (
                type_from_text(text.rsplit(".", 1)[0]) if source != "first-page"
                else type_from_text(text)
            )  # fmt: skip
        if not meta.issuer and source == "first-page":
            meta.issuer = issuing_body(text)
        if not meta.date:
            day = issue_date(text, placed=first_page_only)
            meta.date = day.isoformat() if day else None
        if meta.source is None and (meta.type or meta.date):
            meta.source = source
    meta.issuer = meta.issuer or issuer_from_number(meta.number)
    return meta
