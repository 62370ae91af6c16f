from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from civicnews.text import normalize_block, normalize_inline

_INLINE = ("title", "author", "sapo", "category", "source")
_BLOCK = ("body_text",)


class NormalizeTextPipeline:
    """NFC, no-break and zero-width spaces, whitespace: on every text field.

    ``published_raw`` is left exactly as printed: it is the evidence the
    parsed date came from.
    """

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for key in _INLINE:
            if key in adapter and isinstance(adapter.get(key), str):
                adapter[key] = normalize_inline(adapter[key]) or None
        for key in _BLOCK:
            if key in adapter and isinstance(adapter.get(key), str):
                adapter[key] = normalize_block(adapter[key]) or ""
        if "tags" in adapter and adapter.get("tags"):
            adapter["tags"] = [t for t in (normalize_inline(t) for t in adapter["tags"]) if t]
        return item
