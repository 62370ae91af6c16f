"""The day grammar: numeric days (``d/m/y``, year first, 2-digit years, in a portal's date
order), Vietnamese long forms (``ngày 29 tháng 11 năm 2018``, month words) and English month
names, found by one left-to-right scan.
"""

from __future__ import annotations

import re
from datetime import date

from civicnews.dates.bounds import INVALID, Invalid, valid_day

#: Orders of day, month and year in numeric dates a portal may print.
DATE_ORDERS = ("DMY", "MDY", "YMD")

_VI_MONTHS = {
    "giêng": 1, "một": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6,
    "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9, "mười": 10, "mười một": 11,
    "mười hai": 12, "chạp": 12,
}  # fmt: skip
_VI_MONTH_ALT = "|".join(sorted(_VI_MONTHS, key=len, reverse=True))  # longest first
_EN_MONTH_ALT = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
_EN_MONTHS = {m[:3]: i for i, m in enumerate(_EN_MONTH_ALT.split("|")[:12], start=1)}

# One alternation for every day family, so a single left-to-right scan finds the
# earliest day whatever its form (one scan is what keeps the fast path fast).
_DAY_RE = re.compile(
    r"(?<![0-9])(?:"
    # numeric, the same separator twice; part lengths are checked in code so that
    # "2018/12/1" (year first) and "1/12/18" (2-digit year) both fit
    r"(?P<a>[0-9]{4}|[0-9]{1,2}) ?(?P<sep>[/.-]) ?(?P<b>[0-9]{1,2}) ?(?P=sep) ?"
    r"(?P<c>[0-9]{1,4})(?![0-9])"
    # Vietnamese long form: 29 tháng 11 năm 2018, 01 tháng 12, 2018, 1 thg 12, 2018
    r"|(?P<vd>[0-9]{1,2}) ?(?:tháng|thg|th)\.? ?"
    rf"(?P<vm>[0-9]{{1,2}}(?![0-9])|(?:{_VI_MONTH_ALT})(?!\w))"
    r" ?(?:năm|[,/.-])? ?(?P<vy>[0-9]{4}|[0-9]{2})(?![0-9])"
    # English day first: 1 December 2018, 19 Oct 2025, 01-Dec-18
    r"|(?P<ed>[0-9]{1,2})(?:st|nd|rd|th)?(?: of)?[ /.-]?"
    rf"(?P<em>{_EN_MONTH_ALT})(?!\w)\.?[ ,/.-]{{0,2}}(?P<ey>[0-9]{{4}}|[0-9]{{2}})(?![0-9])"
    r")"
    # English month first: Dec 1, 2018
    rf"|(?<!\w)(?P<fm>{_EN_MONTH_ALT})(?!\w)\.? ?(?P<fd>[0-9]{{1,2}})(?:st|nd|rd|th)?(?![0-9])"
    r",? ?(?P<fy>[0-9]{4})(?![0-9])"
)
# "2 - 03-12-2018" (weekday number, then the date): a 2-digit "year" that is followed
# by more of the chain is not a year.
_CHAIN_GOES_ON_RE = re.compile(r" ?[/.-] ?(?:[0-9]{4}(?![0-9])|[0-9]{1,2} ?[/.-])")


def _year(digits: str) -> int:
    year = int(digits)
    if len(digits) == 2:  # pivot: 00-68 -> 2000s, 69-99 -> 1900s
        year += 2000 if year <= 68 else 1900
    return year


def _numeric_day(m: re.Match[str], s: str, order: str) -> date | Invalid | None:
    a, b, c = m.group("a", "b", "c")
    if len(a) == 4 and len(c) <= 2:
        y, mo, d = a, b, c  # year first is unambiguous whatever the portal's order
    elif len(c) in (2, 4):
        if len(c) == 2 and _CHAIN_GOES_ON_RE.match(s, m.end()):
            return None
        if order == "MDY":
            mo, d, y = a, b, c
        elif order == "YMD" and len(c) == 2:
            y, mo, d = a, b, c
        else:
            d, mo, y = a, b, c
    else:
        return None  # "1.2.3", 3-digit parts: not a date shape at all
    return valid_day(_year(y), int(mo), int(d)) or INVALID


def find_day(s: str, order: str) -> tuple[int, int, date] | Invalid | None:
    """The earliest valid day; INVALID if there are only impossible ones."""
    invalid = False
    pos = 0
    while (m := _DAY_RE.search(s, pos)) is not None:
        pos = m.start() + 1  # overlapping rescans: "2 - 03-12-2018" must reach "03-12-2018"
        numeric, vi_long, en_day_first = m.group("a", "vd", "ed")
        if numeric is not None:
            day = _numeric_day(m, s, order)
        elif vi_long is not None:
            d, mo, y = m.group("vd", "vm", "vy")
            month = int(mo) if mo.isdigit() else _VI_MONTHS[mo]
            day = valid_day(_year(y), month, int(d)) or INVALID
        elif en_day_first is not None:
            d, mo, y = m.group("ed", "em", "ey")
            day = valid_day(_year(y), _EN_MONTHS[mo[:3]], int(d)) or INVALID
        else:
            mo, d, y = m.group("fm", "fd", "fy")
            day = valid_day(_year(y), _EN_MONTHS[mo[:3]], int(d)) or INVALID
        if isinstance(day, date):
            return m.start(), m.end(), day
        invalid = invalid or day is INVALID
    return INVALID if invalid else None
