"""Golden tests: every saved page under tests/fixtures/constructed/<family>/<case>/.

Each case has ``input.html``, ``meta.json`` (url, family) and a hand-written
``expected.json``.  Keys compared exactly: kind, title, published_raw, author,
source, sapo, category, tags, related, images, attachments, entries,
next_pages; ``body_contains`` / ``body_not_contains`` / ``body_starts_with`` /
``body_ends_with`` are snippet checks (trafilatura style), tolerant of
harmless markup changes; ``related_count`` / ``entries_count`` check sizes.
``python tests/golden.py CASE_DIR`` prints a parser's current output for review.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from civicnews.parsers import parse_page
from tests.conftest import PAGES, saved_page

CASES = sorted(p.parent for p in PAGES.glob("*/*/meta.json"))
EXACT_ARTICLE = (
    "title", "published_raw", "author", "source", "sapo", "category", "tags", "images",
    "attachments", "extractor",
)  # fmt: skip


def load(case: Path):
    saved = saved_page(case)
    return parse_page(saved.family, saved.url, saved.html), saved.expected


def test_there_are_cases_for_every_family_parser():
    families = {"liferay", "sharepoint", "aspnet-table", "hanoi-platform", "generic"}
    assert {c.parent.name for c in CASES} >= families


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_golden(case: Path):
    page, expected = load(case)
    assert page.kind == expected["kind"]
    if page.article is not None and expected["kind"] == "article":
        art = page.article
        for key in EXACT_ARTICLE:
            if key in expected:
                assert getattr(art, key) == expected[key], key
        body = art.body_text
        for snippet in expected.get("body_contains", []):
            assert snippet in body
        for snippet in expected.get("body_not_contains", []):
            assert snippet not in body
        if "body_starts_with" in expected:
            assert body.startswith(expected["body_starts_with"])
        if "body_ends_with" in expected:
            assert body.endswith(expected["body_ends_with"])
        if "related" in expected:
            assert [asdict(link) for link in art.related] == expected["related"]
        if "related_count" in expected:
            assert len(art.related) == expected["related_count"]
        if "related_first" in expected:
            assert asdict(art.related[0]) == expected["related_first"]
    if expected["kind"] == "listing" or "entries" in expected:
        listing = page.listing
        assert listing is not None
        if "entries" in expected:
            assert [asdict(e) for e in listing.entries] == expected["entries"]
        if "entries_count" in expected:
            assert len(listing.entries) == expected["entries_count"]
        if "next_pages" in expected:
            assert listing.next_pages == expected["next_pages"]
