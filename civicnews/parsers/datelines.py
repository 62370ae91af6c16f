"""Date lines: short lines whose whole point is a date, and dates printed beside titles."""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from civicnews.dates import parse_date
from civicnews.parsers import blocks
from civicnews.text import fold_key, normalize_inline

_DATE_SUFFIX = re.compile(
    r"\s*[\(\[]\s*((?:ng[àa]y|cập nhật)?[^()\[\]]{0,12}\d{1,4}\s*[/.\-]\s*\d{1,2}"
    r"[^()\[\]]{0,30})[\)\]]\s*$",
    re.I,
)


# A full date after a dash or bar ends a link text: "Tin A - 12/03/2021 09:07".
_DATE_TAIL = re.compile(
    r"\s+[-–|]\s+(\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}(?:\s+\d{1,2}[:h]\d{2})?)\s*$"
)


# Words a date line may hold besides its numbers (folded): labels, weekdays, month
# names, parts of the day, relative words.
_DATE_WORDS = frozenset(
    "ngay thang nam thu hai ba tu sau bay chu nhat cn mot muoi gio phut giay luc sa ch am pm "
    "sang chieu toi trua dem gmt utc ict dang cap xuat ban update updated posted published on "
    "date time hom qua nay kia truoc vua xong tuan luot xem theo".split()
)


#: Words a date line may hold that are none of those (a name, "Tác giả")...
_DATE_LINE_MAX_OTHER_WORDS = 4


# Labels of dates that are not the page's publication: when a document comes into force or
# expires, a deadline ("Ngày có hiệu lực: 01/01/2014", "Hiệu lực từ: 19/08/2020", "Hạn chót").
_NOT_PUBLISHED = re.compile(r"\b(?:hieu luc|het han|han chot|thoi han|han nop|ap dung tu)\b")


def looks_like_date_line(line: str) -> bool:
    """A short line whose whole point is a date (e.g. ``01/12/2018 - 09:07 AM``).

    Not a sentence that opens with one ("Ngày 15/3/2024, UBND phường tổ chức hội
    nghị..."): a lede like that is article text, so beside the date's numbers and
    words only a few other words may stand. Not a date labelled as another event than the
    publication (coming into force, a deadline).
    """
    if len(line) > 80 or not re.search(r"\d", line):
        return False
    key = fold_key(line)
    if _NOT_PUBLISHED.search(key):
        return False
    other = [w for w in key.split() if w not in _DATE_WORDS and not re.search(r"\d", w)]
    if len(other) > _DATE_LINE_MAX_OTHER_WORDS:
        return False
    return parse_date(line) is not None


def first_date_text(texts: Iterable[str]) -> str | None:
    """The first of ``texts`` that is a date line, cut to its date (see :func:`date_in_line`)."""
    for text in texts:
        line = normalize_inline(text)
        if line and (found := date_in_line(line)):
            return found
    return None


# A segment that is only a time of day: "5:05 PM", "15:28", "lúc 08h30".
_TIME_ONLY = re.compile(
    r"^(?:lúc\s*)?\d{1,2}\s*[:h]\s*\d{2}(?:\s*:\s*\d{2})?\s*(?:am|pm|sa|ch|giờ)?$", re.I
)


def timed(text: str) -> bool:
    """The date printed in ``text`` has a time of day (``parse_date`` gives a datetime)."""
    return hasattr(parse_date(text), "hour")


def day_of(text: str):
    """The day printed in ``text`` (a datetime's date), or None: two readings of one entry agree
    when their days do, whatever time either prints."""
    value = parse_date(text)
    return value.date() if hasattr(value, "hour") else value


# A view count printed after the date on the same line, with no "|" between:
# "Ngày đăng: 05/03/2019 08:30 Lượt xem: 1.204".
_VIEW_COUNT_TAIL = re.compile(
    r"\s*[-–|]?\s*(?:số\s+)?(?:lượt\s+(?:xem|đọc|truy\s+cập)|view\s+count|views?|đã\s+xem)"
    r"\s*[:：]?\s*[\d.,]+\s*$",
    re.I,
)


def date_in_line(line: str) -> str | None:
    """The date printed in ``line``, with its time of day, or None.

    A date line often shares its line with a view count or tools, cut by "|" ("Ngày đăng
    13/05/2016 | 5:05 PM | View count: 889", "1/12/2018 9:7 | Lượt xem: 396"): the segment
    holding the date is kept, joined to the segment beside it when that one is the time.
    """
    line = _VIEW_COUNT_TAIL.sub("", line)
    parts = [p.strip() for p in line.split("|")]
    if len(parts) == 1:
        return line.strip() if looks_like_date_line(line) else None
    for i, part in enumerate(parts):
        if not part or not looks_like_date_line(part):
            continue
        if not timed(part):
            for j in (i + 1, i - 1):
                if 0 <= j < len(parts) and _TIME_ONLY.match(parts[j]):
                    joined = f"{part} | {parts[j]}" if j > i else f"{parts[j]} | {part}"
                    if timed(joined):
                        return joined
        return part
    return None


_FULL_DATE = re.compile(r"\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}")


# A labelled date ending a link text: "Luật 15/2012/QH13 Ngày ban hành: 20/06/2012".
_LABELLED_DATE_TAIL = re.compile(
    r"\s+((?:ngày|cập nhật|đăng)[^\d:：]{0,25}[:：]\s*"
    r"\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}(?:\s+\d{1,2}[:h]\d{2})?)\s*$",
    re.I,
)


def split_date_suffix(text: str) -> tuple[str, str | None]:
    """``"Title (01/12/2018)"`` -> ``("Title", "01/12/2018")``; also ``"Title - 01/12/2018"``
    and ``"Title Ngày ban hành: 20/06/2012"``."""
    m = _DATE_SUFFIX.search(text) or _DATE_TAIL.search(text) or _LABELLED_DATE_TAIL.search(text)
    # Two full dates are a period the title speaks of ("(27/2/1955 – 27/2/2021)"), not the
    # date the entry was posted.
    if m and len(_FULL_DATE.findall(m.group(1))) < 2 and parse_date(m.group(1)) is not None:
        return text[: m.start()].rstrip(" -–|"), m.group(1).strip()
    return text, None


DATE_HINT = re.compile(r"date|time|ngay|thoigian|thoi-gian|published|capnhat", re.I)


def date_text(el: etree._Element) -> str | None:
    """The date as printed in a metadata element: its first date-like segment.

    A date area often shares its line with a view count or tools ("1/12/2018 9:7 | Lượt xem:
    396"), so lines are cut at "|" and only the segment holding the date is kept.
    """
    for line in blocks.block_text(el).split("\n"):
        if found := date_in_line(line):
            return found
    return None
