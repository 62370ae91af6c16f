"""Real pages read exactly, per family and field: family parser, generic parser, trafilatura.

Run (trafilatura is a peer to compare with, not a dependency of civicnews or its tests, so it
lives in a separate environment):

    python3 -m venv .venv-bench
    .venv-bench/bin/pip install -e . "trafilatura==2.3.*" lxml_html_clean
    CIVICNEWS_REAL_PAGES=/path/to/real-pages .venv-bench/bin/python bench/real_pages.py

Without trafilatura installed its column reads "-". Pages are found as the test harness finds
them (``tests/real_pages.py``: tests/fixtures/real, ``$CIVICNEWS_REAL_PAGES`` or
../shared/data/real-pages); ``--constructed`` adds the real-shaped constructed pages. A cell is
"read exactly / pages that say something about the field"; the scoring is the harness's
(title exact, date to the minute, author exact, body start and end right and no excluded text;
listing entries: count, first and last entry, their dates; next pages). trafilatura reads
articles only (its date asked for as "%Y-%m-%d %H:%M", a bare midnight taken as a day).
``--failures`` lists what each parser got wrong.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from civicnews.parsers import Article, Page  # noqa: E402
from tests import real_pages  # noqa: E402

FIELDS = ("kind", *real_pages.ARTICLE_FIELDS, *real_pages.LISTING_FIELDS)


def trafilatura_page(case: real_pages.Case) -> Page | None:
    try:
        import trafilatura
    except ImportError:
        return None
    exp = real_pages.expected(case)
    html = real_pages.read_html(case.html)
    doc = trafilatura.bare_extraction(
        html,
        url=exp["url"],
        with_metadata=True,
        date_extraction_params={"outputformat": "%Y-%m-%d %H:%M", "extensive_search": True},
    )
    page = Page(url=exp["url"])
    if doc is None:
        return page
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    date = data.get("date")
    if date and date.endswith(" 00:00"):
        date = date[:10]
    page.article = Article(
        title=data.get("title"),
        published_raw=date,
        author=data.get("author"),
        body_text=data.get("text") or "",
    )
    return page


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--constructed", action="store_true", help="add the constructed pages")
    ap.add_argument("--failures", action="store_true", help="list each wrong field")
    args = ap.parse_args()
    cases = [c for c in real_pages.cases() if args.constructed or c.label == "real"]
    # table[family][field][reader] = [exact, total]
    table: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: [0, 0])))
    failures: list[str] = []
    seconds: dict[str, float] = defaultdict(float)
    for case in cases:
        exp = real_pages.expected(case)
        family = exp.get("family") or "?"
        own = real_pages.parsers_for(family)[0]
        readers = {"family": own if own != "generic" else None, "generic": "generic"}
        for reader, parser in readers.items():
            if parser is None:
                continue
            start = time.perf_counter()
            try:
                page = real_pages.parse(case, parser)
            except Exception as exc:  # a crash is a result to report, not a reason to stop
                failures.append(f"{case.name} {parser}: CRASH {exc!r}")
                page = Page(url=exp["url"])
            seconds[reader] += time.perf_counter() - start
            _count(table, family, reader, case, page, exp, failures, parser)
        if exp.get("kind") == "article":
            start = time.perf_counter()
            page = trafilatura_page(case)
            seconds["trafilatura"] += time.perf_counter() - start
            if page is not None:
                _count(table, family, "trafilatura", case, page, exp, failures, "trafilatura")
    _print(table, len(cases))
    print("\nseconds reading all pages: " + ", ".join(f"{k} {v:.2f}" for k, v in seconds.items()))
    if args.failures:
        print("\n" + "\n".join(failures))
    return 0


def _count(table, family, reader, case, page, exp, failures, parser) -> None:
    for field, ok in real_pages.score(page, exp).items():
        cell = table[family][field][reader]
        cell[0] += ok
        cell[1] += 1
        if not ok and parser != "trafilatura":
            failures.append(f"{case.name} {parser}: {field} {_got(page, field)!r}")


def _got(page: Page, field: str):
    art, listing = page.article, page.listing
    if art is not None:
        return {
            "title": art.title,
            "date": art.published_raw,
            "author": art.author,
            "posted_by": art.posted_by,
            "sapo": art.sapo,
            "body": (art.body_text[:60], art.body_text[-60:]),
        }.get(field, page.kind)
    if listing is not None:
        entries = listing.entries
        return {
            "entries": (len(entries), [(e.text, e.url) for e in entries[:1] + entries[-1:]]),
            "entry_dates": [e.date_raw for e in entries[:1] + entries[-1:]],
            "next_pages": (len(listing.next_pages), listing.next_pages[:2]),
        }.get(field, page.kind)
    return page.kind


def _print(table, count: int) -> None:
    print(f"{count} pages. Cells: read exactly / pages (family parser | generic | trafilatura)\n")
    print("| family | field | family parser | generic | trafilatura |")
    print("| --- | --- | --- | --- | --- |")
    totals: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for family in sorted(table):
        for field in FIELDS:
            if field not in table[family]:
                continue
            row = table[family][field]
            cells = []
            for reader in ("family", "generic", "trafilatura"):
                exact, total = row[reader] if reader in row else (None, None)
                cells.append(f"{exact}/{total}" if total else "-")
                if total:
                    totals[field][reader][0] += exact
                    totals[field][reader][1] += total
            print(f"| {family} | {field} | " + " | ".join(cells) + " |")
    for field in FIELDS:
        if field in totals:
            cells = []
            for reader in ("family", "generic", "trafilatura"):
                exact, total = totals[field][reader]
                cells.append(f"{exact}/{total}" if total else "-")
            print(f"| **all** | {field} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
