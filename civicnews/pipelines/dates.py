from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from itemadapter import ItemAdapter

from civicnews.dates import parse_date, to_iso
from civicnews.items import is_status_only

logger = logging.getLogger(__name__)


class ParseDatePipeline:
    """Sets ``published_at`` from ``published_raw`` (or the listing's date).

    ``now`` for relative dates ("2 giờ trước") is the item's ``fetched_at``.
    An unparseable date stays NULL beside its raw text, is counted in
    ``civicnews/date_unparsed`` and logged once per portal with an example;
    it is never replaced by the crawl time.
    """

    def __init__(self, stats):
        self.stats = stats
        self._warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if is_status_only(adapter):
            return item  # a "not modified" or "gone" signal carries no page to date
        now = _fetched_at(adapter.get("fetched_at"))
        order = adapter.get("date_order") or "DMY"
        raw = adapter.get("published_raw")
        value, source = None, None
        if raw:
            value = parse_date(raw, now=now, date_order=order)
            source = "page"
            if value is None:
                self.stats.inc_value("civicnews/date_unparsed")
                portal = adapter.get("portal") or "?"
                if portal not in self._warned:
                    self._warned.add(portal)
                    logger.warning(
                        "portal %s: cannot read the date %r (on %s); stored as NULL",
                        portal,
                        raw,
                        adapter.get("url"),
                    )
        if value is None and adapter.get("listing_date_raw"):
            value = parse_date(adapter["listing_date_raw"], now=now, date_order=order)
            if value is not None:
                source = "listing"
                if not raw:
                    adapter["published_raw"] = adapter["listing_date_raw"]
        if value is None:
            source = None
            self.stats.inc_value("civicnews/date_missing")
        adapter["published_at"] = to_iso(value)
        if "date_source" in adapter:
            adapter["date_source"] = source
        return item


def _fetched_at(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
