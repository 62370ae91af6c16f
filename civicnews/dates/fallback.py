"""The dateparser fallback, for short texts with a digit that the regex grammar did not read;
its answers are validated (a day or a moment, in range, with its year and day written).
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING

from civicnews.dates.bounds import MAX_YEAR, MIN_YEAR, VN_TZ, Result
from civicnews.dates.relative import RELATIVE_HINT_RE

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

log = logging.getLogger(__name__)

_FALLBACK_LIMIT = 80  # dateparser only sees short strings

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


def fallback(s: str, now: datetime | None, order: str) -> Result:
    relative = now is not None and RELATIVE_HINT_RE.search(s) is not None
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
