"""Publication dates of Vietnamese local-government news portals.

``parse_date(text, now=None, date_order="DMY")`` returns

* an aware ``datetime`` in Asia/Ho_Chi_Minh when the text gives a time of day,
* a ``date`` when it gives only a day,
* ``None`` when it holds no real date: junk, lone numbers, month-only text,
  impossible values (30/02, 32/12, 25:07, 09:61), years outside 1900..2100,
  and relative expressions when no ``now`` (crawl time) is given.

It never raises on a ``str``; only an unknown ``date_order`` raises ``ValueError``.

Families read by the fast path (compiled regexes, no dateparser):

* numeric days ``d/m/y`` with ``/ - .`` (spaces allowed around them, same separator
  twice), unpadded parts, 2-digit years (00-68 -> 20xx, 69-99 -> 19xx), year-first
  ``yyyy-mm-dd``; the order of day and month follows ``date_order`` (DMY, MDY, YMD);
* Vietnamese long forms: ``ngày 29 tháng 11 năm 2018``, ``01 tháng 12, 2018``,
  ``1 thg 12, 2018``, month words ``tháng Giêng/Một .. Mười Hai/Chạp``;
* English month names: ``Dec 1, 2018``, ``1 December 2018``, RFC 822 ``Sun, 19 Oct 2025``;
* a time of day before or after the day, close to it: ``09:07``, ``9:7``, ``09:07:00``,
  ``08h15``, ``8h``, ``08g15``, ``9 giờ 7 phút``, optional AM/PM, a.m./p.m., SA/CH,
  sáng/trưa/chiều/tối/đêm, then an optional zone: ``Z``, ``+0700``, ``-05:00``,
  ``GMT``, ``(GMT+7)``, ``GMT+07:00`` (converted to Asia/Ho_Chi_Minh);
* weekdays, labels, view counts and other words around the date are ignored
  (when a weekday disagrees with the numbers, the numbers win);
* relative expressions, only with ``now``: ``2 giờ trước``, ``15 phút trước``,
  ``cách đây 3 ngày``, ``hôm nay/qua/kia`` (optionally with a time), ``tuần trước``,
  ``N tuần/tháng/năm trước``, ``vừa xong``, ``5 minutes ago``, ``yesterday``.
  Seconds/minutes/hours give a datetime, days and longer give a date.

Anything else that is short and holds a digit goes to dateparser (Vietnamese), whose
result is validated. Text is NFKC-normalised (no-break and other Unicode spaces become
spaces, zero-width characters and BOM are dropped) and only its first 500 characters
are read, so the work per call is bounded.
"""

from __future__ import annotations

import calendar
import functools
import logging
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

__all__ = ["DATE_ORDERS", "VN_TZ", "parse_date", "parse_date_traced", "to_iso"]

log = logging.getLogger(__name__)

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_ORDERS = ("DMY", "MDY", "YMD")
MIN_YEAR, MAX_YEAR = 1900, 2100

_RAW_LIMIT = 2000  # chars read before normalising (NFKC can expand a char)
_LIMIT = 500  # chars read after normalising: dates sit at the start of their node
_FALLBACK_LIMIT = 80  # dateparser only sees short strings
_GAP = 32  # max chars between a day and its time ("lúc 09:07 Thứ Bảy, 1 tháng 12, 2018")
_MAX_DAYS_BACK = 200 * 366  # bound relative arithmetic; results are range-checked anyway

Result = datetime | date | None


class _Invalid:
    """The text has a date shape with impossible values: answer None, skip dateparser."""


_INVALID = _Invalid()

# ---------------------------------------------------------------- normalisation

_DROP = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_SPACES_RE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    text = text.lstrip()[:_RAW_LIMIT]  # scraped nodes often start with long indentation
    if not text.isascii():  # ASCII is already NFKC and holds no zero-width characters
        # NFKC composes NFD marks and turns U+00A0, U+2000..U+200A, U+3000 and
        # full-width digits into their plain forms; zero-width characters are removed.
        text = unicodedata.normalize("NFKC", text.translate(_DROP))
    # One space per run keeps every regex below to a bounded " ?" (no backtracking).
    return _SPACES_RE.sub(" ", text).strip()[:_LIMIT].lower()


# ---------------------------------------------------------------- days

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


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _day(year: int, month: int, day: int) -> date | None:
    if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12 and 1 <= day <= _days_in(year, month):
        return date(year, month, day)
    return None


def _numeric_day(m: re.Match[str], s: str, order: str) -> date | _Invalid | None:
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
    return _day(_year(y), int(mo), int(d)) or _INVALID


def _find_day(s: str, order: str) -> tuple[int, int, date] | _Invalid | None:
    """The earliest valid day; _INVALID if there are only impossible ones."""
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
            day = _day(_year(y), month, int(d)) or _INVALID
        elif en_day_first is not None:
            d, mo, y = m.group("ed", "em", "ey")
            day = _day(_year(y), _EN_MONTHS[mo[:3]], int(d)) or _INVALID
        else:
            mo, d, y = m.group("fm", "fd", "fy")
            day = _day(_year(y), _EN_MONTHS[mo[:3]], int(d)) or _INVALID
        if isinstance(day, date):
            return m.start(), m.end(), day
        invalid = invalid or day is _INVALID
    return _INVALID if invalid else None


# ---------------------------------------------------------------- times

_ZONE_HOURS = {
    "gmt": 0, "utc": 0, "ut": 0, "z": 0, "ict": 7,
    "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
}  # fmt: skip
_ZONE = (
    r" ?'? ?\(? ?(?P<zone>gmt|utc|ut|z|ict|[ecmp][sd]t)(?!\w)"
    r"(?: ?(?P<zsign>[+-]) ?(?P<zh>[0-9]{1,2})(?::?(?P<zm>[0-9]{2}))?(?![0-9]))?"
)
# A time with its optional am/pm and zone, in one match.
_TIME_RE = re.compile(
    r"(?<![0-9])(?P<h>[0-9]{1,2})(?:"
    r":(?P<m>[0-9]{1,2})(?::(?P<s>[0-9]{1,2})(?:\.[0-9]+)?)?(?![0-9])"  # 09:07, 9:7, 09:07:00
    r"|(?: ?(?:giờ|h|g)(?: ?(?P<hm>[0-9]{1,2})(?![0-9])(?: ?(?:phút|p)(?!\w))?)?)"  # 08h15
    r"(?![^\W\d_])"
    r"|(?= ?[ap]\.? ?m\b)"  # bare hour, only with am/pm: "9 AM"
    r")"
    r"(?: ?'? ?(?P<ampm>a\.? ?m\b\.?|p\.? ?m\b\.?|sa|ch|sáng|trưa|chiều|tối|đêm)(?!\w))?"
    rf"(?:{_ZONE}|(?P<bsign> ?[+-])(?P<bh>[0-9]{{2}}):?(?P<bm>[0-9]{{2}})(?![0-9]))?"
)
# Only a named zone may trail the day when the time came first: "09:07 01/12/2018 (GMT+7)".
_ZONE_RE = re.compile(_ZONE)

# (hour, minute, second, UTC offset in minutes or None for local time)
_Time = tuple[int, int, int, int | None]


def _offset(
    zone: str | None, sign: str | None, hours: str, mins: str | None
) -> int | _Invalid | None:
    """UTC offset in minutes, or None for local time."""
    if sign is None:
        return None if zone is None else _ZONE_HOURS[zone] * 60
    hh, mm = int(hours), int(mins or 0)
    if hh > 14 or mm > 59:
        return _INVALID
    return (hh * 60 + mm) * (-1 if sign.strip() == "-" else 1)


def _hour_24(hour: int, suffix: str | None) -> int:
    if suffix is None or hour > 12:  # "14:05 PM" is 14:05: the suffix is redundant
        return hour
    if suffix[0] == "a" or suffix in ("sa", "sáng"):
        return 0 if hour == 12 else hour  # 12 AM / 12 SA is midnight
    if suffix[0] == "p" or suffix in ("ch", "chiều", "tối"):
        return hour if hour == 12 else hour + 12  # 12 PM / 12 CH is noon
    if suffix == "trưa":  # midday: "11 giờ trưa" 11:00, "1 giờ trưa" 13:00
        return hour + 12 if 1 <= hour <= 5 else hour
    # "đêm" (night): "10 giờ đêm" 22:00, "12 giờ đêm" 00:00, "2 giờ đêm" 02:00
    return hour + 12 if 6 <= hour <= 11 else (0 if hour == 12 else hour)


def _read_time(s: str, m: re.Match[str], date_end: int) -> _Time | _Invalid | None:
    hh, mm, ss, h_mm, suffix, bare_sign = m.group("h", "m", "s", "hm", "ampm", "bsign")
    hour, minute, second = int(hh), int(mm or h_mm or 0), int(ss or 0)
    if hour > 23 or minute > 59 or second > 59:
        # "25:07" is an impossible time; "24h" / "30g" are more likely words ("báo 24h").
        return _INVALID if mm is not None else None
    if bare_sign is not None:
        offset = _offset(None, *m.group("bsign", "bh", "bm"))
    else:
        offset = _offset(*m.group("zone", "zsign", "zh", "zm"))
    if offset is None and m.start() < date_end and (z := _ZONE_RE.match(s, date_end)):
        offset = _offset(*z.group("zone", "zsign", "zh", "zm"))
    if isinstance(offset, _Invalid):
        return offset
    if suffix is not None:
        suffix = suffix.replace(".", "").replace(" ", "")
    return _hour_24(hour, suffix), minute, second, offset


def _time_near(s: str, start: int, end: int) -> _Time | _Invalid | None:
    """The time closest to the day at s[start:end], within _GAP chars on either side."""
    best: tuple[int, re.Match[str]] | None = None
    after = _TIME_RE.search(s, end)
    if after is not None and after.start() - end <= _GAP:
        best = (after.start() - end, after)
    if start:
        before = None
        for m in _TIME_RE.finditer(s, max(0, start - _GAP - 16), start):
            before = m
        if before is not None and start - before.end() <= _GAP:
            if best is None or start - before.end() < best[0]:
                best = (start - before.end(), before)
    return None if best is None else _read_time(s, best[1], end)


def _with_time(s: str, start: int, end: int, day: date) -> Result | _Invalid:
    found = _time_near(s, start, end)
    if found is None or isinstance(found, _Invalid):
        return day if found is None else found
    hour, minute, second, offset = found
    naive = datetime(day.year, day.month, day.day, hour, minute, second)
    if offset is None:
        return naive.replace(tzinfo=VN_TZ)  # portal times are local
    aware = naive.replace(tzinfo=timezone(timedelta(minutes=offset))).astimezone(VN_TZ)
    return aware if MIN_YEAR <= aware.year <= MAX_YEAR else _INVALID


def _absolute(s: str, order: str) -> Result | _Invalid:
    found = _find_day(s, order)
    if found is None or isinstance(found, _Invalid):
        return found
    return _with_time(s, *found)


# ---------------------------------------------------------------- relative

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
_RELATIVE_HINT_RE = re.compile(
    r"(?<!\w)(trước|qua|nay|kia|ngoái|vừa|mới|cách đây|sau|tới|mai"
    r"|ago|yesterday|today|tomorrow|now|last|next)(?!\w)"
)


def _months_back(day: date, months: int) -> date | None:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    return date(year, month + 1, min(day.day, _days_in(year, month + 1)))


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


def _relative(s: str, now: datetime) -> Result | _Invalid:
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
        return _with_time(s, m.start(), m.end(), day)  # "hôm qua 09:07"
    if _JUST_NOW_RE.search(s) is not None:
        return now
    return None


# ---------------------------------------------------------------- dateparser fallback

_DIGIT_RE = re.compile(r"[0-9]")
_NUMBER_RE = re.compile(r"[0-9]+")
_NO_BASE = datetime(1800, 1, 1)  # without `now`, any relative leak lands out of range


@functools.lru_cache(maxsize=16)
def _dateparser(order: str, base: datetime) -> DateDataParser:
    # Imported lazily: dateparser is slow to import and rarely needed.
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["vi"],
        settings={
            "DATE_ORDER": order,
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["day", "month", "year"],  # month-only is not a day
            "RETURN_AS_TIMEZONE_AWARE": True,
            "RETURN_TIME_AS_PERIOD": True,  # period "time" tells us a time was given
            "TIMEZONE": "Asia/Ho_Chi_Minh",
            "TO_TIMEZONE": "Asia/Ho_Chi_Minh",
            "RELATIVE_BASE": base,
        },
    )


def _fallback(s: str, now: datetime | None, order: str) -> Result:
    relative = now is not None and _RELATIVE_HINT_RE.search(s) is not None
    if len(s) > _FALLBACK_LIMIT or not (relative or _DIGIT_RE.search(s)):
        return None
    base = _NO_BASE if now is None else now.replace(tzinfo=None)
    try:
        data = _dateparser(order, base).get_date_data(s)
    except Exception:  # third-party code fed arbitrary text
        log.debug("dateparser failed on %r", s, exc_info=True)
        return None
    value, period = data.date_obj, data.period
    # Only a day or a moment is a real date: "tháng này", "tuần này" are periods.
    if value is None or period not in ("day", "time") or not MIN_YEAR <= value.year <= MAX_YEAR:
        return None
    if not relative:
        # dateparser fills missing parts from the base and reads "2018 giờ" as 2018 hours
        # ago: an absolute answer must have its year and its day written in the text.
        numbers = set(_NUMBER_RE.findall(s))
        year, day = value.year, value.day
        if not {str(year), f"{year % 100:02d}"} & numbers or not {str(day), f"{day:02d}"} & numbers:
            return None
    value = value.astimezone(VN_TZ) if value.tzinfo else value.replace(tzinfo=VN_TZ)
    return value.replace(microsecond=0) if period == "time" else value.date()


# ---------------------------------------------------------------- public API


def parse_date_traced(
    text: str | None, *, now: datetime | None = None, date_order: str = "DMY"
) -> tuple[Result, str]:
    """Like parse_date, also naming the path that answered.

    Paths: "fast" (absolute regexes), "relative", "dateparser", "none" (nothing found,
    or a date shape with impossible values, or a relative text without ``now``).
    """
    order = date_order.upper() if isinstance(date_order, str) else date_order
    if order not in DATE_ORDERS:
        raise ValueError(f"date_order must be one of {DATE_ORDERS}, not {date_order!r}")
    if now is not None and not isinstance(now, datetime):
        raise TypeError(f"now must be a datetime, not {type(now).__name__}")
    if text is None:
        return None, "none"
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    s = _normalise(text)
    if not s:
        return None, "none"
    found = _absolute(s, order)
    if found is not None:
        return (None, "none") if isinstance(found, _Invalid) else (found, "fast")
    local_now = None
    if now is not None:
        local_now = now.replace(tzinfo=VN_TZ) if now.tzinfo is None else now.astimezone(VN_TZ)
        local_now = local_now.replace(microsecond=0)
        found = _relative(s, local_now)
        if found is not None:
            return (None, "none") if isinstance(found, _Invalid) else (found, "relative")
    elif _RELATIVE_HINT_RE.search(s):
        return None, "none"
    value = _fallback(s, local_now, order)
    return value, ("none" if value is None else "dateparser")


def parse_date(text: str, *, now: datetime | None = None, date_order: str = "DMY") -> Result:
    """Parse a portal's date string; see the module docstring for the families read.

    ``now`` (naive = Asia/Ho_Chi_Minh) is the crawl time relative expressions resolve
    against; without it they give None. ``date_order`` is "DMY", "MDY" or "YMD".
    """
    return parse_date_traced(text, now=now, date_order=date_order)[0]


def to_iso(value: datetime | date | None) -> str | None:
    """ISO 8601: datetimes with their Asia/Ho_Chi_Minh offset, dates as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=VN_TZ) if value.tzinfo is None else value
        return aware.astimezone(VN_TZ).isoformat()
    return value.isoformat()
