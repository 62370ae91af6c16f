"""Relative expressions, resolved against the crawl time: ``2 giờ trước``, ``cách đây 3 ngày``,
``hôm qua 09:07``, ``tuần trước``, ``vừa xong``, ``5 minutes ago``, ``yesterday``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from civicnews.dates.bounds import MAX_YEAR, MIN_YEAR, VN_TZ, Invalid, Result, days_in
from civicnews.dates.times import with_time

_MAX_DAYS_BACK = 200 * 366  # bound relative arithmetic; results are range-checked anyway

_DIGIT_WORDS = {
    "một": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "sáu": 6, "bảy": 7,
    "bẩy": 7, "tám": 8, "chín": 9,
}  # fmt: skip
_NUMBER_WORDS = {
    **_DIGIT_WORDS,
    "mười": 10,
    **{f"mười {w}": 10 + n for w, n in (_DIGIT_WORDS | {"lăm": 5}).items() if w != "tư"},
    "a": 1, "an": 1, "one": 1,
}  # fmt: skip
# unit -> (kind, amount): "s" seconds, "d" days, "m" months
_UNITS = {
    "giây": ("s", 1), "phút": ("s", 60), "giờ": ("s", 3600), "tiếng": ("s", 3600),
    "ngày": ("d", 1), "tuần": ("d", 7), "tháng": ("m", 1), "năm": ("m", 12),
    "sec": ("s", 1), "second": ("s", 1), "min": ("s", 60), "minute": ("s", 60),
    "hour": ("s", 3600), "hr": ("s", 3600),
    "day": ("d", 1), "week": ("d", 7), "month": ("m", 1), "year": ("m", 12),
}  # fmt: skip
_NUM = "[0-9]{1,6}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_UNIT = (
    "giây|phút|giờ|tiếng|ngày|tuần|tháng|năm"
    "|sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|days?|weeks?|months?|years?"
)
# The look-behinds keep the tail of "mười hai" / "hai mươi hai" from reading as "hai" (2):
# numbers above 19 in words are left to dateparser.
_NUM_START = r"(?<!\w)(?<!mười )(?<!mươi )"
_PAIR_RE = re.compile(rf"{_NUM_START}({_NUM}) ?({_UNIT})(?!\w)")
_AGO_RE = re.compile(
    rf"(?:(cách đây) )?((?:{_NUM_START}(?:{_NUM}) ?(?:{_UNIT})(?!\w) ?){{1,4}})(trước|ago)?"
)
_LAST_RE = re.compile(r"(?<!\w)(?:(tuần|tháng|năm) (?:trước|ngoái)|last (week|month|year))(?!\w)")
_DAY_WORD_RE = re.compile(r"(?<!\w)(hôm nay|hôm qua|hôm kia|today|yesterday)(?!\w)")
_DAY_WORDS = {"hôm nay": 0, "today": 0, "hôm qua": 1, "yesterday": 1, "hôm kia": 2}
_JUST_NOW_RE = re.compile(r"(?<!\w)(vừa xong|vừa mới|vừa đăng|mới đăng|just now)(?!\w)")
# Any of these without `now` means the text is relative: never guess from the wall clock.
RELATIVE_HINT_RE = re.compile(
    r"(?<!\w)(trước|qua|nay|kia|ngoái|vừa|mới|cách đây|sau|tới|mai"
    r"|ago|yesterday|today|tomorrow|now|last|next)(?!\w)"
)


def _months_back(day: date, months: int) -> date | None:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    return date(year, month + 1, min(day.day, days_in(year, month + 1)))


def _back(now: datetime, seconds: int, days: int, months: int) -> Result:
    if seconds + days * 86400 + months * 31 * 86400 > _MAX_DAYS_BACK * 86400:
        return None
    if seconds:  # sub-day units keep the clock
        moment = (now - timedelta(days=days, seconds=seconds)).astimezone(VN_TZ)
        if months:
            back = _months_back(moment.date(), months)
            moment = None if back is None else datetime.combine(back, moment.timetz())
        ok = moment is not None and MIN_YEAR <= moment.year <= MAX_YEAR
        return moment if ok else None
    day = now.date() - timedelta(days=days)
    result = _months_back(day, months) if months else day
    return result if result is not None and MIN_YEAR <= result.year <= MAX_YEAR else None


def relative(s: str, now: datetime) -> Result | Invalid:
    for m in _AGO_RE.finditer(s):
        if m.group(1) is None and m.group(3) is None:
            continue  # "3 ngày" alone is a duration, not a date
        amounts = {"s": 0, "d": 0, "m": 0}
        for pair in _PAIR_RE.finditer(m.group(2)):
            number, unit = pair.groups()
            kind, size = _UNITS[unit.rstrip("s") if unit.isascii() else unit]
            count = int(number) if number.isdigit() else _NUMBER_WORDS[number]
            amounts[kind] += count * size
        return _back(now, amounts["s"], amounts["d"], amounts["m"])
    if (m := _LAST_RE.search(s)) is not None:
        unit = m.group(1) or m.group(2)
        kind, size = _UNITS[unit]
        return _back(now, 0, size if kind == "d" else 0, size if kind == "m" else 0)
    if (m := _DAY_WORD_RE.search(s)) is not None:
        day = now.date() - timedelta(days=_DAY_WORDS[m.group(1)])
        return with_time(s, m.start(), m.end(), day)  # "hôm qua 09:07"
    if _JUST_NOW_RE.search(s) is not None:
        return now
    return None
