"""Parsers of the values a person types: option values, ``--set`` values, settings.

Each takes what was given (a string from a command line, or an already typed value from
a settings module or a library caller) and the name to blame (``--since``,
``CIVICNEWS_BATCH_SIZE``), and returns the typed value or raises
:class:`civicnews.errors.UsageError` with one line naming the value and what is expected.
Every command and every setting uses these, so the same mistake gets the same message
wherever it is made.
"""

from __future__ import annotations

import codecs
import math
import re
from datetime import date
from typing import Any

from civicnews.errors import UsageError

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# Characters that would split an HTTP header or a log line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _fail(name: str, expected: str, value: Any) -> UsageError:
    return UsageError(f"{name}: expected {expected}, got {value!r}")


def day(value: Any, name: str) -> date:
    """A calendar date written YYYY-MM-DD (a ``date`` passes as is)."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(name, "a date as YYYY-MM-DD", value) from None


def boolean(value: Any, name: str) -> bool:
    """true/false, yes/no, on/off, 1/0, in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise _fail(name, "true or false", value)


def integer(value: Any, name: str, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number within [minimum, maximum]."""
    try:
        if isinstance(value, bool) or isinstance(value, float):
            raise ValueError(value)
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or number < minimum or (maximum is not None and number > maximum):
        bound = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
        raise _fail(name, f"a whole number {bound}", value)
    return number


def number(
    value: Any,
    name: str,
    minimum: float = 0.0,
    maximum: float | None = None,
    *,
    unit: str = "",
    above_minimum: bool = False,
) -> float:
    """A finite number within the bounds (``above_minimum``: the minimum itself excluded).

    ``nan`` and ``inf`` are refused: a delay of ``inf`` hangs a crawl, ``nan`` compares
    false with everything and so slips past every later check.
    """
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        result = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        result = math.nan
    low_ok = result > minimum if above_minimum else result >= minimum
    if not (math.isfinite(result) and low_ok and (maximum is None or result <= maximum)):
        if maximum is not None and above_minimum:
            bound = f"above {_num(minimum)} and at most {_num(maximum)}"
        elif maximum is not None:
            bound = f"from {_num(minimum)} to {_num(maximum)}"
        elif above_minimum:
            bound = f"above {_num(minimum)}"
        else:
            bound = f"{_num(minimum)} or more"
        if unit:
            expected = f"a number of {unit} ({bound})"
        else:
            expected = f"a number {'of ' if bound[0].isdigit() else ''}{bound}"
        raise _fail(name, expected, value)
    return result


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def duration(value: Any, name: str) -> float:
    """Seconds, from ``3600``, ``90s``, ``45m``, ``2h`` or ``1h30m``; more than 0."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value).strip().lower())
        seconds = 0.0
        if match and any(match.groups()):
            hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
            seconds = hours * 3600 + minutes * 60 + secs
    if not (math.isfinite(seconds) and seconds > 0):
        raise _fail(name, "a duration such as 90m, 2h or 3600", value)
    return seconds


def text(value: Any, name: str, *, empty: bool = True) -> str:
    """One line of text (it may end up in an HTTP header or a log line)."""
    if not isinstance(value, str) or _CONTROL.search(value) or (not empty and not value):
        raise _fail(name, "one line of text" if empty else "a non-empty line of text", value)
    return value


def words(value: Any, name: str) -> list[str]:
    """A list of names: a list, or a comma-separated string."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise _fail(name, "a comma-separated list of names", value)
    names = [i.strip() for i in items if i.strip()]
    if not names:
        raise _fail(name, "a comma-separated list of names", value)
    return names


def codec(value: Any, name: str) -> str:
    """The name of a character encoding Python knows (``cp1258``, ``utf-8``...)."""
    try:
        return codecs.lookup(str(value).strip()).name
    except LookupError:
        raise _fail(name, "a character encoding such as cp1258 or utf-8", value) from None


def optional(parse, value: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """``parse`` the value, or None when it is None or empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse(value, name, *args, **kwargs)
