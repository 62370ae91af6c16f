"""Generic extraction, for a portal whose CMS family is unknown.

Nothing here knows a class name of any CMS. A page is read by its shape:

- the **main block** is found by descending from ``<body>`` into the child holding most of the
  text that is not link text (navigation, footers, sidebars, forms and scripts do not count),
  until no child holds most of it: a readability-style "densest block", on lxml, linear time;
- the **title** is the heading (``h1``-``h3`` or an element named like a title) that best matches
  ``og:title`` / ``<title>`` and sits closest before the main block; ``og:title`` otherwise;
- the **date**: a ``<time>`` element, then ``article:published_time``-style metadata, then the
  first date-like line between the title and the main block (or in its first lines);
- the page is an **article** when the main block has enough text of its own, little link text
  and is not a list of entries each linking an article; otherwise it is a **listing**: links
  inside the site whose text reads like a title and whose URL looks like an article's (an id,
  a long slug, an ``?ItemID=``-style parameter), the date printed beside each, and pagination
  links (page numbers, "Sau", "Tiếp", "»"...);
- related links follow the related-news headings of ``related.RELATED_HEADINGS``.

Every article it returns has ``extractor = "generic"``, stored in the archive's ``extractor``
column, so generically extracted rows can be found and re-parsed once the family is known.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from civicnews.dates import parse_date
from civicnews.parsers import (
    blocks,
    byline,
    datelines,
    links,
    mainblock,
    media,
    meta,
    related,
    tags,
)
from civicnews.parsers.model import Article, Link, Listing, Page
from civicnews.text import fold_key, normalize_inline

FAMILY = "generic"

_TITLE_NAMES = re.compile(r"title|tieude|tieu-de|tieu_de|headline|heading", re.I)


def parse(url: str, html: str) -> Page:
    sel = blocks.selector(html, url)
    root = sel.root
    page = Page(url=url)
    stats = mainblock.Stats(root)
    block = stats.main_block()
    if block is not None and mainblock.reads_like_article(block, stats, url):
        title, title_el = _title(sel, root, block, stats)
        if title:
            page.article = _article(sel, root, block, title, title_el, url, stats)
            return page
    listing = _listing(root, url, stats)
    if listing.entries or listing.next_pages:
        page.listing = listing
    return page


# --- text statistics and the main block ---------------------------------------------------------


# --- article ----------------------------------------------------------------------------------


def _article(
    sel: Selector,
    root: etree._Element,
    block: etree._Element,
    title: str,
    title_el: etree._Element | None,
    url: str,
    stats: mainblock.Stats,
) -> Article:
    related_news, boxes = related.related_links(root, url)
    for link in related_news:
        link.url = links.clean_url(link.url)
    links.fill_dates(root, url, related_news)
    links.fill_titles(root, url, related_news)
    drop: list[etree._Element] = []
    for box in boxes:
        if box is block or blocks.inside(block, box) or stats.density(box) < 0.5:
            # The heading's container holds article text too (a list typed into the body):
            # drop only the heading and the link lines after it.
            drop += related.typed_related(box)
        elif blocks.inside(box, block):
            drop.append(box)
    sapo_el = _sapo(root, block, title_el)
    if sapo_el is not None and blocks.inside(sapo_el, block):
        drop.append(sapo_el)
    tag_names, tag_boxes = tags.find_tags(root, block, stats)
    drop += [box for box in tag_boxes if blocks.inside(box, block)]
    author, author_line, inline_source = byline.find_author(block)
    lines, body_date, source = byline.body_lines(
        block, author_line=author_line, title=title, drop=drop
    )
    lines, tail_source = byline.trim_tail(lines, author_line)
    source = source or tail_source
    if author is None:
        author, source = byline.author_after(block, source)
    published_raw = _date(sel, root, block, title_el, title) or body_date
    crumbs = meta.breadcrumb(sel)
    sapo = normalize_inline(" ".join(sapo_el.itertext())) if sapo_el is not None else None
    return Article(
        title=title,
        published_raw=published_raw,
        author=author,
        body_text="\n".join(lines),
        sapo=sapo or None,
        category=meta.category_from_breadcrumb(crumbs, title),
        tags=tag_names,
        images=media.images(block, url),
        attachments=media.attachments(block, url),
        source=source or inline_source,
        canonical_url=_canonical(sel, url),
        related=related_news,
        extractor=FAMILY,
    )


# --- tags ---------------------------------------------------------------------------------------


def _title(
    sel: Selector, root: etree._Element, block: etree._Element, stats: mainblock.Stats
) -> tuple[str | None, etree._Element | None]:
    og = meta.meta(sel, "og:title", "twitter:title")
    page_title = normalize_inline(" ".join(sel.xpath("//head/title//text()").getall())) or ""
    block_at = stats.order.get(block, 0)
    # A block that starts with the title (title, date, body in one box) does not make it a
    # sub-heading.
    first_lines = blocks.block_text(block).split("\n")[:2]
    scored: list[tuple[float, int, str, etree._Element]] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        heading = el.tag in ("h1", "h2", "h3")
        named = bool(_TITLE_NAMES.search(f"{el.get('class') or ''} {el.get('id') or ''}"))
        if not (heading or named) or mainblock.in_skipped(el, stats):
            continue
        text = normalize_inline(" ".join(el.itertext())) or ""
        if not 8 <= len(text) <= 400 or fold_key(text) in related.RELATED_HEADINGS:
            continue
        score = meta.title_match(text, og) * 5 + meta.title_match(text, page_title) * 4
        score += {"h1": 1.0, "h2": 0.5, "h3": 0.3}.get(el.tag, 0.0)
        at = stats.order.get(el, 0)
        if blocks.inside(el, block) and text not in first_lines:
            score -= 2  # a heading inside the body is a sub-heading
        elif at < block_at or text in first_lines:
            score += 1
        scored.append((score, at, text, el))
    if scored:
        # Among candidates before the block, the closest one gets a bonus.
        before = [
            s
            for s in scored
            if (s[1] < block_at and not blocks.inside(s[3], block)) or s[2] in first_lines
        ]
        if before:
            closest = max(before, key=lambda s: s[1])
            scored[scored.index(closest)] = (closest[0] + 1.5, *closest[1:])
        best = max(scored, key=lambda s: (s[0], -s[1]))
        if best[0] >= 2 or not og:
            return best[2], best[3]
    return og, None


def _sapo(
    root: etree._Element, block: etree._Element, title_el: etree._Element | None
) -> etree._Element | None:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('data-role') or ''}"
        if re.search(r"sapo|chapeau|tomtat|tom-tat", names, re.I):
            text = normalize_inline(" ".join(el.itertext())) or ""
            if 30 <= len(text) <= 800 and el is not block and not blocks.inside(block, el):
                return el
    return None


def _date(
    sel: Selector,
    root: etree._Element,
    block: etree._Element,
    title_el: etree._Element | None,
    title: str,
) -> str | None:
    block_end = blocks.last_descendant(block)
    order = {el: i for i, el in enumerate(root.iter())}
    for time_el in root.iter("time"):
        if order.get(time_el, 0) > order.get(block_end, 0) or any(
            a.tag in ("a", "li") for a in time_el.iterancestors()
        ):
            continue
        text = normalize_inline(" ".join(time_el.itertext())) or ""
        value = normalize_inline(time_el.get("datetime")) or ""
        found = [v for v in (text, value) if v and datelines.looks_like_date_line(v)]
        if found:
            # The printed text wins unless only the attribute gives the time of day.
            timed = [v for v in found if hasattr(parse_date(v), "hour")]
            return (timed or found)[0]
    value = meta.meta(
        sel,
        "article:published_time",
        "og:published_time",
        "datePublished",
        "pubdate",
        "publishdate",
        "dc.date",
        "dc.date.issued",
        "DC.date.issued",
    ) or normalize_inline(sel.css("[itemprop=datePublished]::attr(content)").get())
    if value and parse_date(value) is not None:
        return value
    return _date_near_title(root, block, title_el, title)


def _date_near_title(
    root: etree._Element, block: etree._Element, title_el: etree._Element | None, title: str
) -> str | None:
    """The first date-like line between the title and the body (or just above the title)."""
    if title_el is None or blocks.inside(title_el, block):
        return None
    common_root = title_el
    while common_root is not None and not blocks.inside(block, common_root):
        common_root = common_root.getparent()
    if common_root is None:
        return None
    lines = blocks.block_text(common_root).split("\n")
    body_lines = blocks.block_text(block).split("\n")
    start = next((i for i, line in enumerate(lines) if line == title), None)
    if start is None:
        return None
    first_body = body_lines[0] if body_lines else None
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i] == first_body), min(len(lines), 40)
    )
    for line in lines[start + 1 : end] + lines[max(0, start - 3) : start]:
        for part in line.split("|"):
            part = part.strip()
            if (
                part
                and not blocks.is_boilerplate_line(part)
                and datelines.looks_like_date_line(part)
            ):
                return part
    return None


def _canonical(sel: Selector, url: str) -> str:
    host = urlsplit(url).hostname
    for value in (
        meta.canonical(sel, url),
        links.absolute(url, sel.css('meta[property="og:url"]::attr(content)').get()),
    ):
        if value and urlsplit(value).hostname == host:
            return links.clean_url(value)
    return links.clean_url(url)


# --- listings ---------------------------------------------------------------------------------


def _listing(root: etree._Element, url: str, stats: mainblock.Stats) -> Listing:
    host = urlsplit(url).hostname
    entries: dict[str, Link] = {}
    pages: list[str] = []
    here = links.clean_url(url)
    for a in root.iter("a"):
        href = links.absolute(url, a.get("href"))
        if not href or urlsplit(href).hostname != host or mainblock.in_skipped(a, stats):
            continue
        text = normalize_inline(" ".join(a.itertext())) or ""
        if links.is_pager_text(text):
            if href != url and links.clean_url(href) != here and href not in pages:
                pages.append(href)
            continue
        title, date_raw = datelines.split_date_suffix(text)
        if (
            len(title) < mainblock.MIN_ENTRY_CHARS
            or len(title.split()) < 4
            or not links.article_like(href)
        ):
            continue
        link_url = links.clean_url(href)
        if link_url in entries:
            continue
        entries[link_url] = Link(
            url=link_url, text=title, date_raw=date_raw or links.nearby_date(a, url)
        )
    return Listing(entries=list(entries.values()), next_pages=pages)
