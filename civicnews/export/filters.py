"""Which articles an export selects: the filters, and their parsing from option values.

:func:`make_filters` validates the command line's (or a library caller's) raw values once into
a :class:`Filters`; :class:`civicnews.export.select.ArchiveReader` applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from civicnews.export.errors import UsageError
from civicnews.values import day as parse_day


@dataclass(frozen=True)
class Filters:
    portals: tuple[str, ...] = ()
    since: str | None = None  # YYYY-MM-DD, inclusive, on the publication date
    until: str | None = None  # YYYY-MM-DD, inclusive
    as_of: str | None = None  # ISO 8601 UTC instant, normalised by parse_as_of
    with_revisions: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "portals": sorted(self.portals),
            "since": self.since,
            "until": self.until,
            "as_of": self.as_of,
            "with_revisions": self.with_revisions,
        }


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_as_of(value: str) -> str:
    """Normalise ``--as-of`` to a UTC instant ``YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00``.

    A bare date means the end of that day (UTC); a time without an offset is UTC.
    """
    try:
        if _DATE.fullmatch(value):
            moment = datetime.combine(date.fromisoformat(value), time.max, UTC)
        else:
            moment = datetime.fromisoformat(value.replace("z", "Z"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError:
        raise UsageError(
            f"--as-of: {value!r} is not an ISO 8601 date or timestamp "
            "(e.g. 2024-05-01 or 2024-05-01T10:00:00Z)"
        ) from None
    return moment.astimezone(UTC).isoformat()


def make_filters(
    portals: tuple[str, ...] | list[str] = (),
    since: str | None = None,
    until: str | None = None,
    as_of: str | None = None,
    with_revisions: bool = False,
) -> Filters:
    """Validate raw option values into :class:`Filters` (raises :class:`UsageError`)."""
    since = parse_day(since, "--since").isoformat() if since else None
    until = parse_day(until, "--until").isoformat() if until else None
    if since and until and since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    return Filters(
        portals=tuple(sorted(set(portals))),
        since=since,
        until=until,
        as_of=parse_as_of(as_of) if as_of else None,
        with_revisions=with_revisions,
    )
