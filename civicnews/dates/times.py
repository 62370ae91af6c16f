"""Times of day and time zones: ``09:07``, ``08h15``, ``9 giờ 7 phút``, am/pm and Vietnamese
parts of the day, named and numeric zones; a day with the time printed near it becomes an aware
datetime in Asia/Ho_Chi_Minh (a time without a zone is the portal's local time).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from civicnews.dates.bounds import INVALID, MAX_YEAR, MIN_YEAR, VN_TZ, Invalid, Result

_GAP = 32  # max chars between a day and its time ("lúc 09:07 Thứ Bảy, 1 tháng 12, 2018")

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
) -> int | Invalid | None:
    """UTC offset in minutes, or None for local time."""
    if sign is None:
        return None if zone is None else _ZONE_HOURS[zone] * 60
    hh, mm = int(hours), int(mins or 0)
    if hh > 14 or mm > 59:
        return INVALID
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


def _read_time(s: str, m: re.Match[str], date_end: int) -> _Time | Invalid | None:
    hh, mm, ss, h_mm, suffix, bare_sign = m.group("h", "m", "s", "hm", "ampm", "bsign")
    hour, minute, second = int(hh), int(mm or h_mm or 0), int(ss or 0)
    if hour > 23 or minute > 59 or second > 59:
        # "25:07" is an impossible time; "24h" / "30g" are more likely words ("báo 24h").
        return INVALID if mm is not None else None
    if bare_sign is not None:
        offset = _offset(None, *m.group("bsign", "bh", "bm"))
    else:
        offset = _offset(*m.group("zone", "zsign", "zh", "zm"))
    if offset is None and m.start() < date_end and (z := _ZONE_RE.match(s, date_end)):
        offset = _offset(*z.group("zone", "zsign", "zh", "zm"))
    if isinstance(offset, Invalid):
        return offset
    if suffix is not None:
        suffix = suffix.replace(".", "").replace(" ", "")
    return _hour_24(hour, suffix), minute, second, offset


def _time_near(s: str, start: int, end: int) -> _Time | Invalid | None:
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


def with_time(s: str, start: int, end: int, day: date) -> Result | Invalid:
    found = _time_near(s, start, end)
    if found is None or isinstance(found, Invalid):
        return day if found is None else found
    hour, minute, second, offset = found
    naive = datetime(day.year, day.month, day.day, hour, minute, second)
    if offset is None:
        return naive.replace(tzinfo=VN_TZ)  # portal times are local
    aware = naive.replace(tzinfo=timezone(timedelta(minutes=offset))).astimezone(VN_TZ)
    return aware if MIN_YEAR <= aware.year <= MAX_YEAR else INVALID
