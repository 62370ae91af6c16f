from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from civicnews.items import is_status_only


class ValidatePipeline:
    """Drops items that are not articles, with the reason counted.

    Stats: ``civicnews/dropped/<reason>``.  Setting ``CIVICNEWS_MIN_BODY_CHARS``
    (default 20) is the shortest body accepted.
    """

    def __init__(self, stats, min_body_chars: int = 20):
        self.stats = stats
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.getint("CIVICNEWS_MIN_BODY_CHARS", 20))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if is_status_only(adapter) and adapter.get("url"):
            # A refetch without page content (not modified, gone): nothing to
            # validate, and the store must record it.
            return item
        reason = None
        if not adapter.get("url"):
            reason = "no_url"
        elif not adapter.get("title"):
            reason = "no_title"
        elif len(adapter.get("body_text") or "") < self.min_body_chars:
            reason = "no_body"
        if reason:
            self.stats.inc_value(f"civicnews/dropped/{reason}")
            self.stats.inc_value("civicnews/dropped")
            raise DropItem(f"{reason}: {adapter.get('fetched_url') or adapter.get('url')}")
        return item
