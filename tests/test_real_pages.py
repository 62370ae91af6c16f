"""Every applicable parser on every real page (and real-shaped constructed page) we hold.

Per page and parser (the page's family parser, then the generic parser): no crash, the page read
as the kind it is, its title exact and its date exact to the minute where a time is printed, the
rule that read each named; a listing's entries read with the date printed beside them, and its
next pages by the family's parser. Over all article pages: authors and
bodies (start, end, no boilerplate) right on at least 95%. Where the pages come from and what
``expected.json`` holds: ``tests/fixtures/real/README.md``; the scoring: ``tests/real_pages.py``.
"""

from __future__ import annotations

import pytest

from tests import real_pages
from tests.real_pages import Case

CASES = real_pages.cases()
RUNS = [
    (case, family)
    for case in CASES
    for family in real_pages.parsers_for(real_pages.expected(case).get("family"))
]
#: Share of article pages whose author and body each parser must read exactly.
MIN_SHARE = 0.95


def test_there_are_pages_to_read():
    # The constructed real-shaped pages are always there; real ones when shared/ holds them.
    assert any(case.label == "constructed" for case in CASES)


@pytest.mark.parametrize(("case", "family"), RUNS, ids=[f"{c.name}:{f}" for c, f in RUNS])
def test_title_date_and_entries(case: Case, family: str):
    exp = real_pages.expected(case)
    page = real_pages.parse(case, family)
    got = real_pages.score(page, exp)
    assert got["kind"], f"read as {page.kind}, not {exp['kind']}"
    if exp["kind"] == "article":
        art = page.article
        assert got["title"], (art.title, exp["title"])
        assert got["date"], (art.published_raw, exp.get("published_at"))
        assert art.rules.get("title") and (art.published_raw is None or art.rules.get("published"))
    else:
        assert got["entries"], [(e.text, e.url, e.date_raw) for e in page.listing.entries[:3]]
        assert got.get("entry_dates", True), [e.date_raw for e in page.listing.entries[:3]]
        # Pagers built only by a page's script are known to its family's parser alone.
        if family == real_pages.parsers_for(exp.get("family"))[0]:
            assert got.get("next_pages", True), page.listing.next_pages


@pytest.mark.parametrize("family", ["family", "generic"])
@pytest.mark.parametrize("field", ["author", "body"])
def test_authors_and_bodies_on_most_article_pages(field: str, family: str):
    results = []
    for case in CASES:
        exp = real_pages.expected(case)
        if exp.get("kind") != "article":
            continue
        parser = real_pages.parsers_for(exp.get("family"))[0 if family == "family" else -1]
        got = real_pages.score(real_pages.parse(case, parser), exp)
        if field in got:
            results.append((got[field], case.name))
    assert results
    wrong = [name for ok, name in results if not ok]
    assert len(wrong) <= (1 - MIN_SHARE) * len(results), wrong
