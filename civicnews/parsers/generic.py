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

Each rule lives in a module of its own beside this one, shared with the family parsers (which
run it through ``cascade`` when their selectors miss a field): ``mainblock``, ``headline``
(title, sapo), ``published`` (date), ``byline``, ``related``, ``tags``, ``listing``. This module
only decides what the page is and assembles the article.

Every article it returns has ``extractor = "generic"``, stored in the archive's ``extractor``
column, so generically extracted rows can be found and re-parsed once the family is known.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from civicnews.parsers import (
    blocks,
    byline,
    headline,
    links,
    mainblock,
    media,
    meta,
    published,
    related,
    tags,
)
from civicnews.parsers.listing import find_listing
from civicnews.parsers.model import Article, Page
from civicnews.text import normalize_inline

FAMILY = "generic"


def parse(url: str, html: str) -> Page:
    sel = blocks.selector(html, url)
    root = sel.root
    page = Page(url=url)
    stats = mainblock.Stats(root)
    block = stats.main_block()
    if (
        block is not None
        and mainblock.reads_like_article(block, stats, url)
        and not mainblock.in_entry_run(block, stats, url)
    ):
        title, title_el, title_rule = headline.find_title(sel, root, block, stats)
        if title:
            page.article = _article(sel, root, block, (title, title_el, title_rule), url, stats)
            return page
    listing = find_listing(root, url, stats)
    # A page that pages is a listing; one at an article's URL with its title over a video or
    # photos is an article with little or no text.
    found = (
        None
        if listing.next_pages or not links.article_like(url)
        else _titled_media(sel, root, stats)
    )
    if found is not None:
        block, title_el, rule = found
        title = blocks.text_of(title_el)
        page.article = _article(sel, root, block, (title, title_el, rule), url, stats)
        return page
    if listing.entries or listing.next_pages:
        page.listing = listing
    return page


_MEDIA = ("video", "iframe", "object", "embed", "img", "audio")


def _titled_media(
    sel: Selector, root: etree._Element, stats: mainblock.Stats
) -> tuple[etree._Element, etree._Element, str] | None:
    """An article page whose body is a video or photos (no text to find it by): a heading
    printing exactly the page's title (``og:title`` / ``<title>`` without the site name), and
    the nearest box around it holding the media; None when the page has no such heading."""
    wanted, _rule = meta.page_title(sel)
    if not wanted:
        return None
    for el in root.iter("h1", "h2", "h3", "h4"):
        if mainblock.in_skipped(el, stats) or normalize_inline(" ".join(el.itertext())) != wanted:
            continue
        box = el.getparent()
        for _ in range(4):
            if box is None or box.tag in ("body", "html"):
                break
            if any(m is not el for m in box.iter(*_MEDIA)):
                return box, el, "common:title-heading"
            box = box.getparent()
    return None


def _article(
    sel: Selector,
    root: etree._Element,
    block: etree._Element,
    found_title: tuple[str, etree._Element | None, str],
    url: str,
    stats: mainblock.Stats,
) -> Article:
    title, title_el, title_rule = found_title
    rules = {"title": title_rule, "body": "common:main-block"}
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
    sapo_el, rules["sapo"] = headline.find_sapo(root, block)
    if sapo_el is not None and blocks.inside(sapo_el, block):
        drop.append(sapo_el)
    tag_names, tag_boxes = tags.find_tags(root, block, stats)
    drop += [box for box in tag_boxes if blocks.inside(box, block)]
    author, author_line, inline_source, author_rule = byline.find_author(block)
    posted_by, account_line = byline.find_account(block)
    lines, body_date, source = byline.body_lines(
        block,
        author_line=author_line,
        # The title's own element inside the block is no body text; a title printed above the
        # body and repeated by the editor as its first line is.
        title=title if title_el is None or blocks.inside(title_el, block) else None,
        drop=drop,
        account_line=account_line,
    )
    lines, tail_source = byline.trim_tail(lines, author_line)
    source = source or tail_source
    if author is None:
        author, source = byline.author_after(block, source)
        author_rule = "byline-after-body"
    published_raw, rules["published"] = published.find_date(sel, root, block, title_el, stats)
    if published_raw is None and body_date:
        published_raw, rules["published"] = body_date, "common:date-line-body-top"
    rules.update(
        author=author and f"common:{author_rule}", posted_by=posted_by and "common:account-line"
    )
    crumbs = meta.breadcrumb(sel)
    sapo = normalize_inline(" ".join(sapo_el.itertext())) if sapo_el is not None else None
    return Article(
        title=title,
        published_raw=published_raw,
        author=author,
        body_text="\n".join(lines),
        sapo=sapo or None,
        posted_by=posted_by,
        rules={k: v for k, v in rules.items() if v},
        category=meta.category_from_breadcrumb(crumbs, title),
        tags=tag_names,
        images=media.images(block, url),
        attachments=media.attachments(block, url),
        source=source or inline_source,
        canonical_url=_canonical(sel, url),
        related=related_news,
        extractor=FAMILY,
    )


def _canonical(sel: Selector, url: str) -> str:
    host = urlsplit(url).hostname
    for value in (
        meta.canonical(sel, url),
        links.absolute(url, sel.css('meta[property="og:url"]::attr(content)').get()),
    ):
        if value and urlsplit(value).hostname == host:
            return links.clean_url(value)
    return links.clean_url(url)
