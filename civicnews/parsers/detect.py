"""Which CMS family made a page: scored markers from its URL, its links and its markup.

``detect(url, html) -> Detection`` adds up, per family, the weights of the markers
(:data:`civicnews.families.FAMILIES`) the page shows: Liferay's ``/-/asset_publisher/`` URLs
and ``portlet-boundary`` classes, SharePoint's ``ctl00_SPWebPartManager`` ids, the Hanoi
platform's ``-<14-19 digit id>.htm`` URLs and ``afcbc-body``, FITC's ``TT_TinChiTiet``.
No single string decides: a marker is worth 1-3 points, a family needs
:data:`MIN_SCORE` to be named at all, and is *confident* when it also outscores every
other family by :data:`MARGIN` times.  A page no family reaches is ``generic``.

Links only count when they stay on the page's host: a commune portal linking to
baochinhphu.vn articles is not the national platform.  Pure functions, no Scrapy: the
spider (``family = "auto"``) and ``civicnews probe`` both call :func:`detect`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from civicnews.families import FAMILIES, GENERIC, Marker

#: Points a family needs to be named: one strong marker, or two weaker ones.
MIN_SCORE = 3.0
#: A confident answer outscores the runner-up by this factor.
MARGIN = 2.0
#: Markup read per page: markers sit in the head, the portlets and the first articles.
_HTML_LIMIT = 600_000

# Searched in the lower-cased page (see _Page): case-insensitive regexes are several times
# slower on long pages, and a detection runs on every crawl's first pages.
# No leading \b: a pattern opening with a literal is searched for far faster (data-href counts).
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")


@dataclass(frozen=True)
class Evidence:
    family: str
    marker: str
    weight: float
    found: str  # the text that matched (a URL, an id, a class), shortened

    def __str__(self) -> str:
        return f"{self.marker} (+{self.weight:g}): {self.found}"


@dataclass(frozen=True)
class Detection:
    """The verdict on one page: ``family`` (``generic`` when none scored), how sure, and why."""

    family: str
    confident: bool
    scores: dict[str, float] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()

    @property
    def score(self) -> float:
        return self.scores.get(self.family, 0.0)

    def evidence_for(self, family: str | None = None) -> list[Evidence]:
        family = family or self.family
        return [e for e in self.evidence if e.family == family]

    def summary(self) -> str:
        """One line: the family, its score and its markers, e.g. for a log."""
        if self.family == GENERIC:
            best = max(self.scores.items(), key=lambda kv: kv[1], default=(None, 0.0))
            hint = f" (best: {best[0]} {best[1]:g})" if best[0] and best[1] else ""
            return f"generic: no family reaches {MIN_SCORE:g} points{hint}"
        markers = ", ".join(e.marker for e in self.evidence_for())
        sure = "confident" if self.confident else "not confident"
        return f"{self.family} ({self.score:g} points, {sure}): {markers}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "confident": self.confident,
            "scores": dict(self.scores),
            "evidence": [
                {"family": e.family, "marker": e.marker, "weight": e.weight, "found": e.found}
                for e in self.evidence
            ],
        }


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    # CMS names are written in one case, but servers and editors vary it (/_LAYOUTS/, /pages/).
    return re.compile(pattern, re.I)


@cache
def _lowered(pattern: str) -> re.Pattern[str]:
    """``pattern`` for lower-cased text (marker patterns use no upper-case escapes)."""
    return re.compile(pattern.lower())


class _Page:
    """The markup and, when lower-casing keeps every offset, its lower-cased copy."""

    def __init__(self, html: str):
        self.html = html
        lowered = html.lower()
        # A few characters ("İ") grow when lower-cased: offsets then no longer match.
        self.lowered = lowered if len(lowered) == len(html) else None

    def search(self, pattern: str) -> str | None:
        if self.lowered is None:
            found = _compiled(pattern).search(self.html)
            return found.group(0) if found else None
        found = _lowered(pattern).search(self.lowered)
        return self.html[found.start() : found.end()] if found else None

    def hrefs(self):
        if self.lowered is None:
            for match in re.finditer(_HREF.pattern, self.html, re.I):
                yield match.group(1) or match.group(2) or match.group(3) or ""
            return
        for match in _HREF.finditer(self.lowered):
            group = next(g for g in (1, 2, 3) if match.group(g) is not None)
            yield self.html[match.start(group) : match.end(group)]


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def same_site_links(url: str, html: str | _Page) -> list[str]:
    """The paths (with query) of the page's links that stay on its host."""
    page = html if isinstance(html, _Page) else _Page(html)
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    out = []
    for href in page.hrefs():
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        try:
            parts = urlsplit(urljoin(url, href) if url else href)
        except ValueError:
            continue
        link_host = (parts.hostname or "").lower().removeprefix("www.")
        if link_host and host and link_host != host:
            continue
        if parts.scheme not in ("http", "https", "file", ""):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def _match(marker: Marker, url_path: str, page: _Page, links: list[str]) -> str | None:
    regex = _compiled(marker.pattern)
    if marker.where == "url":
        found = regex.search(url_path)
        return url_path if found else None
    if marker.where == "links":
        hits = [link for link in links if regex.search(link)]
        if len(hits) < marker.min_links:
            return None
        return f"{len(hits)} links, e.g. {hits[0]}"
    return page.search(marker.pattern)


def detect(url: str, html: str) -> Detection:
    """Score every family's markers on the page at ``url``; see the module docstring."""
    html = html[:_HTML_LIMIT]
    parts = urlsplit(url or "")
    url_path = parts.path + (f"?{parts.query}" if parts.query else "")
    page = _Page(html)
    links = same_site_links(url, page)
    scores: dict[str, float] = {}
    evidence: list[Evidence] = []
    for family in FAMILIES.values():
        total = 0.0
        for marker in family.markers:
            found = _match(marker, url_path, page, links)
            if found is None:
                continue
            total += marker.weight
            evidence.append(Evidence(family.name, marker.name, marker.weight, _short(found)))
        if family.markers:
            scores[family.name] = total
    return decide(scores, evidence)


def decide(scores: dict[str, float], evidence: list[Evidence] | tuple = ()) -> Detection:
    """The verdict for per-family ``scores`` (one page's, or a sum over several pages)."""
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, top = ranked[0] if ranked else (GENERIC, 0.0)
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if top < MIN_SCORE:
        return Detection(GENERIC, False, dict(scores), tuple(evidence))
    confident = top >= MARGIN * runner_up
    return Detection(best, confident, dict(scores), tuple(evidence))


class FamilyVote:
    """The family of a whole portal, from the first pages of a crawl.

    Feed it each page's :class:`Detection` with :meth:`add`; it settles on the first
    confident answer, or after ``pages`` pages on the sum of their scores (``generic`` when
    no family reaches :data:`MIN_SCORE` even then).  Until it settles, :attr:`leader` is the
    best guess to read pages with.
    """

    def __init__(self, pages: int = 5):
        self.pages = max(1, pages)
        self.seen = 0
        self.scores: dict[str, float] = {}
        self.evidence: list[Evidence] = []
        self.result: Detection | None = None

    @property
    def settled(self) -> bool:
        return self.result is not None

    @property
    def leader(self) -> str:
        if self.result is not None:
            return self.result.family
        return decide(self.scores).family

    def add(self, found: Detection) -> Detection | None:
        """Count one page; returns the verdict when this page settles it, else None."""
        if self.result is not None:
            return None
        self.seen += 1
        for family, score in found.scores.items():
            self.scores[family] = self.scores.get(family, 0.0) + score
        for item in found.evidence:
            if item not in self.evidence:
                self.evidence.append(item)
        if found.confident and found.family != GENERIC:
            self.result = found
        elif self.seen >= self.pages:
            self.result = decide(self.scores, self.evidence)
        return self.result
