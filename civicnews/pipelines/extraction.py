"""Count, per portal and run, which fields the stored articles came with (extraction health)."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from civicnews.extraction import FIELDS, STATS_PREFIX, present
from civicnews.items import is_status_only


class ExtractionPipeline:
    """Counts the articles about to be stored and which of their fields were read.

    Runs after validation (dropped items are not stored, so not counted) and before the store.
    Stats: ``civicnews/extraction/articles`` and ``civicnews/extraction/<field>`` for each of
    :data:`civicnews.extraction.FIELDS`; :func:`civicnews.extraction.figures` makes shares of
    them.  A 304 or 404/410 carries no page, so it is not counted.
    """

    def __init__(self, stats: Any):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractionPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if is_status_only(adapter):
            return item
        self.stats.inc_value(STATS_PREFIX + "articles")
        found = present(adapter)
        for name in FIELDS:
            if found[name]:
                self.stats.inc_value(STATS_PREFIX + name)
        return item
