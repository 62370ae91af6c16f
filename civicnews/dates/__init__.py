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

import re
import unicodedata
from datetime import date, datetime

from civicnews.dates.bounds import VN_TZ, Invalid, Result
from civicnews.dates.days import DATE_ORDERS, find_day
from civicnews.dates.fallback import fallback
from civicnews.dates.relative import RELATIVE_HINT_RE, relative
from civicnews.dates.times import with_time

# The grammar lives in the modules beside this one (days, times, relative, fallback; what a
# real date is in bounds); callers import only what this module exports.
__all__ = ["DATE_ORDERS", "VN_TZ", "parse_date", "parse_date_traced", "to_iso"]

_RAW_LIMIT = 2000  # chars read before normalising (NFKC can expand a char)
_LIMIT = 500  # chars read after normalising: dates sit at the start of their node

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


def _absolute(s: str, order: str) -> Result | Invalid:
    found = find_day(s, order)
    if found is None or isinstance(found, Invalid):
        return found
    return with_time(s, *found)


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
        return (None, "none") if isinstance(found, Invalid) else (found, "fast")
    local_now = None
    if now is not None:
        local_now = now.replace(tzinfo=VN_TZ) if now.tzinfo is None else now.astimezone(VN_TZ)
        local_now = local_now.replace(microsecond=0)
        found = relative(s, local_now)
        if found is not None:
            return (None, "none") if isinstance(found, Invalid) else (found, "relative")
    elif RELATIVE_HINT_RE.search(s):
        return None, "none"
    value = fallback(s, local_now, order)
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
