"""What a date read from a page may be: the portals' time zone, the years accepted, real days,
and the marker for a text that has a date's shape but impossible values.

The bottom of ``civicnews.dates``: the grammar modules beside it import this, never each other's
internals, so a rule about what counts as a real date lives here once.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_YEAR, MAX_YEAR = 1900, 2100

Result = datetime | date | None


class Invalid:
    """The text has a date shape with impossible values: answer None, skip dateparser."""


INVALID = Invalid()


def days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def valid_day(year: int, month: int, day: int) -> date | None:
    if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12 and 1 <= day <= days_in(year, month):
        return date(year, month, day)
    return None
