"""The hashes stored in the archive: what makes two fetches the same content, text or bytes.

Every archive row holds values computed here (``articles.content_hash``, ``text_hash``,
``raw_bodies.digest``, ``file_bodies.digest``), so these definitions are as frozen as a
shipped migration: changing one needs a migration that recomputes the stored values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any


def content_hash(row: Mapping[str, Any]) -> str:
    """Hash of what makes an article's content: title, date and body."""
    text = "\x1f".join(str(row.get(k) or "") for k in ("title", "published_at", "body_text"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def text_hash(body_text: str) -> str:
    """Hash of the normalised body alone: the same text on two portals matches."""
    return hashlib.sha256(" ".join(body_text.split()).encode("utf-8")).hexdigest()


def body_digest(body: bytes) -> str:
    """The key of a raw body: ``sha256:`` and the hex digest of the bytes as sent."""
    return "sha256:" + hashlib.sha256(body).hexdigest()
