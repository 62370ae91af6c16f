"""Counts an export's manifest reports, accumulated while a format streams the articles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Tally:
    """Counts that the manifest reports, accumulated while streaming."""

    articles: int = 0
    revisions: int = 0
    captures: int = 0
    per_portal: dict[str, int] = field(default_factory=dict)
    #: Distinct stored file contents (digests) the selected articles link.
    file_digests: set[str] = field(default_factory=set)
    first_published: str | None = None
    last_published: str | None = None

    def add(self, article: dict[str, Any]) -> None:
        self.articles += 1
        portal = article["portal"]
        self.per_portal[portal] = self.per_portal.get(portal, 0) + 1
        published = article.get("published_at")
        if published:
            if self.first_published is None or published < self.first_published:
                self.first_published = published
            if self.last_published is None or published > self.last_published:
                self.last_published = published

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "revisions": self.revisions,
            "captures": self.captures,
            "files": len(self.file_digests),
            "per_portal": dict(sorted(self.per_portal.items())),
        }
