"""The shared publication-date rules: where an article prints its date around the title and
body, elements named like a date, then the page's metadata.

Used by the generic parser, and by every family parser through ``cascade`` when its own
selectors find no date.
"""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

from civicnews.dates import parse_date
from civicnews.parsers import blocks, datelines, mainblock, meta
from civicnews.text import normalize_inline


def find_date(
    sel: Selector,
    root: etree._Element,
    block: etree._Element,
    title_el: etree._Element | None,
    stats: mainblock.Stats,
) -> tuple[str | None, str | None]:
    """The publication date as printed, and the rule that found it: the first date line between
    the title and the body; an element named like a date ("date", "time", "publish", "ngay",
    ``<time>``) nearest the body's start; the page's metadata."""
    found: list[tuple[str, str]] = []
    if line := _date_near_title(block, title_el, stats):
        found.append((line, "common:date-line"))
    if not found or not datelines.timed(found[0][0]):
        if named := _date_named(root, block):
            found.append((named, "common:date-named"))
    if not found or not datelines.timed(found[0][0]):
        for name in _DATE_META:
            value = meta.meta(sel, name)
            if value and parse_date(value) is not None:
                found.append((value, f"meta:{name}"))
                break
        else:
            value = normalize_inline(sel.css("[itemprop=datePublished]::attr(content)").get())
            if value and parse_date(value) is not None:
                found.append((value, "meta:itemprop=datePublished"))
    if not found:
        return None, None
    # A printed day without its time: a later rule that gives the same day with the time wins.
    first = found[0]
    day = datelines.day_of(first[0])
    return next(
        (f for f in found[1:] if datelines.timed(f[0]) and datelines.day_of(f[0]) == day), first
    )


_DATE_META = (
    "article:published_time", "og:published_time", "datePublished", "pubdate", "publishdate",
    "dc.date", "dc.date.issued", "DC.date.issued",
)  # fmt: skip
_DATE_NAMES = re.compile(r"date|time|publish|ngay|thoigian|thoi-gian|capnhat", re.I)
_DATE_NAMED_MAX = 120  # a longer element holds more than a date line


def _date_named(root: etree._Element, block: etree._Element) -> str | None:
    """The date in the element named like a date (or ``<time>``) nearest the body's start:
    the last one before it, else the first inside it. Entries of lists (``a``, ``li``) are not
    the article's."""
    before: str | None = None
    inside = False
    end = blocks.last_descendant(block)
    for el in root.iter():
        if inside and el is end:
            break  # what follows the body (related lists, footers) dates other pages
        if el is block:
            if before:
                return before
            inside = True
        if not isinstance(el.tag, str) or el.tag in ("a", "li", "ul", "script", "style"):
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if el.tag != "time" and not (names.strip() and _DATE_NAMES.search(names)):
            continue
        if any(a.tag in ("a", "li") for a in el.iterancestors()):
            continue
        text = blocks.text_of(el)
        found = None
        if text and len(text) <= _DATE_NAMED_MAX:
            found = next(
                (
                    d
                    for line in blocks.block_text(el).split("\n")
                    if (d := datelines.date_in_line(line))
                ),
                None,
            )
        for attr in ("datetime", "title", "content"):
            value = normalize_inline(el.get(attr))
            if value and datelines.looks_like_date_line(value):
                if found is None or (not datelines.timed(found) and datelines.timed(value)):
                    found = value  # the printed day, with the time kept in the attribute
        if found:
            if inside:
                return found
            before = found
    return before


def _date_near_title(
    block: etree._Element, title_el: etree._Element | None, stats: mainblock.Stats
) -> str | None:
    """The first date-like line between the title and the body (or just above the title)."""
    if title_el is None or blocks.inside(title_el, block):
        return None
    title = blocks.text_of(title_el)
    common_root = title_el
    while common_root is not None and not blocks.inside(block, common_root):
        common_root = common_root.getparent()
    if common_root is None:
        return None
    lines = stats.block_text(common_root).split("\n")
    body_lines = stats.block_text(block).split("\n")
    start = next((i for i, line in enumerate(lines) if line == title), None)
    if start is None:
        return None
    first_body = body_lines[0] if body_lines else None
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i] == first_body), min(len(lines), 40)
    )
    for line in lines[start + 1 : end] + lines[max(0, start - 3) : start]:
        if found := datelines.date_in_line(line):
            return found
    return None
