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
    if (
        block is not None
        and mainblock.reads_like_article(block, stats, url)
        and not mainblock.in_entry_run(block, stats, url)
    ):
        title, title_el, title_rule = find_title(sel, root, block, stats)
        if title:
            page.article = _article(sel, root, block, (title, title_el, title_rule), url, stats)
            return page
    listing = _listing(root, url, stats)
    # A page that pages is a listing; one at an article's URL with its title over a video or
    # photos is an article with little or no text.
    found = (
        None
        if listing.next_pages or not links.article_like(url)
        else _titled_media(sel, root, stats)
    )
    if found is not None:
        block, title_el, rule = found
        title = normalize_inline(" ".join(title_el.itertext())) or ""
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


# --- text statistics and the main block ---------------------------------------------------------


# --- article ----------------------------------------------------------------------------------


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
    sapo_el, rules["sapo"] = find_sapo(root, block)
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
    published_raw, rules["published"] = find_date(sel, root, block, title_el)
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


# --- tags ---------------------------------------------------------------------------------------


def find_title(
    sel: Selector, root: etree._Element, block: etree._Element, stats: mainblock.Stats
) -> tuple[str | None, etree._Element | None, str | None]:
    """The title of the article whose body is ``block``, its element, and the rule that found it.

    The heading or element named like a title (``h1``-``h3``, class/id "title", "tieude"...) that
    best matches ``og:title`` / ``<title>`` and sits closest before the body; else ``og:title``;
    else ``<title>`` without the site's name.
    """
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
        if best[0] >= 2 or not (og or page_title):
            rule = (
                "common:title-heading"
                if best[3].tag in ("h1", "h2", "h3")
                else "common:title-named"
            )
            return best[2], best[3], rule
    text, rule = meta.page_title(sel)
    # A page without og:title whose <title> is only the site's section ("Trung ương") is named
    # by its breadcrumb's last item, when that item is the page itself.
    crumb = meta.current_crumb(root, root.base or "") if rule != "meta:og:title" else None
    if crumb is not None and not mainblock.in_skipped(crumb, stats):
        crumb_text = normalize_inline(" ".join(crumb.itertext())) or ""
        if len(crumb_text) > len(text or "") and 8 <= len(crumb_text) <= 400:
            return crumb_text, crumb, "common:title-breadcrumb"
    return text, None, rule


_SAPO_NAMES = re.compile(r"sapo|chapeau|tomtat|tom-tat|summary|description", re.I)


def find_sapo(
    root: etree._Element, block: etree._Element
) -> tuple[etree._Element | None, str | None]:
    """The summary printed above the body: an element named like one ("sapo", "tomtat"...)
    before the body's end (never in a list entry), else a bold paragraph of at least a
    sentence opening the body."""
    end = blocks.last_descendant(block)
    for el in root.iter():
        if el is end:
            break
        if not isinstance(el.tag, str) or el.tag in ("meta", "a", "li"):
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('data-role') or ''}"
        if names.strip() and _SAPO_NAMES.search(names):
            text = normalize_inline(" ".join(el.itertext())) or ""
            if (
                30 <= len(text) <= 800
                and el is not block
                and not blocks.inside(block, el)
                and not any(a.tag in ("li", "a") for a in el.iterancestors())
            ):
                return el, "common:sapo-named"
    lead = byline.bold_lead(block)
    return (lead, "common:sapo-bold-lead") if lead is not None else (None, None)


def find_date(
    sel: Selector, root: etree._Element, block: etree._Element, title_el: etree._Element | None
) -> tuple[str | None, str | None]:
    """The publication date as printed, and the rule that found it: the first date line between
    the title and the body; an element named like a date ("date", "time", "publish", "ngay",
    ``<time>``) nearest the body's start; the page's metadata."""
    found: list[tuple[str, str]] = []
    if line := _date_near_title(block, title_el):
        found.append((line, "common:date-line"))
    if not found or not _timed(found[0][0]):
        if named := _date_named(root, block):
            found.append((named, "common:date-named"))
    if not found or not _timed(found[0][0]):
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
    day = _day(first[0])
    return next((f for f in found[1:] if _timed(f[0]) and _day(f[0]) == day), first)


def _day(text: str):
    value = parse_date(text)
    return value.date() if hasattr(value, "hour") else value


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
        text = normalize_inline(" ".join(el.itertext())) or ""
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
                if found is None or (not _timed(found) and _timed(value)):
                    found = value  # the printed day, with the time kept in the attribute
        if found:
            if inside:
                return found
            before = found
    return before


def _timed(text: str) -> bool:
    return hasattr(parse_date(text), "hour")


def _date_near_title(block: etree._Element, title_el: etree._Element | None) -> str | None:
    """The first date-like line between the title and the body (or just above the title)."""
    if title_el is None or blocks.inside(title_el, block):
        return None
    title = normalize_inline(" ".join(title_el.itertext())) or ""
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
        if found := datelines.date_in_line(line):
            return found
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


#: Entries a run of sibling boxes needs to be a list (a lone link beside it is a sidebar's).
MIN_LIST_ENTRIES = 3


def _listing(root: etree._Element, url: str, stats: mainblock.Stats) -> Listing:
    """Entries of a listing: links whose text reads like a title and whose URL like an
    article's, each in its own box (:func:`links.entry_box`: photo, title, date, summary), kept
    when the boxes repeat as siblings (a list) and lone links elsewhere are dropped; the date
    printed in each box; pager links."""
    host = urlsplit(url).hostname
    entries: dict[str, tuple[Link, etree._Element]] = {}
    pages: list[str] = []
    here = links.clean_url(url)
    for a in root.iter("a"):
        href = links.absolute(url, a.get("href"))
        if (
            not href
            or not _same_site(urlsplit(href).hostname, host)
            or mainblock.in_skipped(a, stats)
        ):
            continue
        text = normalize_inline(" ".join(a.itertext())) or ""
        if links.is_pager_text(text) or (len(text) <= 20 and links.is_pager_url(href)):
            if href != url and links.clean_url(href) != here and href not in pages:
                pages.append(href)
            continue
        title, date_raw = datelines.split_date_suffix(text)
        if (
            links.clean_url(href) == here  # the page itself (a diagram's own node)
            or len(title) < _SHORT_ENTRY_CHARS
            or len(title.split()) < 2
            or not links.article_like(href)
        ):
            continue
        link_url = links.clean_url(href)
        # One entry per item: its other views (properties, print page) are no entries.
        key = links.item_key(link_url)
        if key in entries:
            continue
        box = links.entry_box(a, url)
        named = links.box_date(box, named_only=True) if box is not a else None
        if date_raw is not None and named is not None and _day(date_raw) != _day(named):
            # The box prints the entry's date apart: the date ending the title is the title's
            # own ("… Capital Liberation Day (10/10/1954)").
            title, date_raw = text, None
        if date_raw is None and box is not a:
            date_raw = named or links.box_date(box)
        entries[key] = (Link(url=link_url, text=title, date_raw=date_raw), box)
    found = _same_shape(list(entries.values()))
    listed = _in_lists(found) or _document_entries(root, url)
    return Listing(entries=listed, next_pages=pages)


# Link texts that say "open it", not what it is: the entry's title is printed beside them.
_GENERIC_LINK_TEXTS = frozenset(
    "link tai day xem chi tiet xem tiep tai ve download file van ban dinh kem here".split()
)


def _document_entries(root: etree._Element, url: str) -> list[Link]:
    """A list of documents rather than articles (a timeline of decrees, each linking its file,
    often on another portal: "Xem chi tiết tại: Link"): boxes that each hold one link and a
    date, repeated at least ``MIN_LIST_ENTRIES`` times; each entry's title is its link's text
    when that names it, else the box's first bold or heading text (the document's number)."""
    found: dict[str, Link] = {}
    for a in root.iter("a"):
        href = links.absolute(url, a.get("href"))
        # Themes put such lists in boxes named "widget", skipped when looking for articles;
        # only the page's furniture (navigation, header, footer, menus, related news) is not.
        if not href or mainblock.in_furniture(a):
            continue
        text = normalize_inline(" ".join(a.itertext())) or ""
        if links.is_pager_text(text) or links.is_pager_url(href):
            continue
        box = _own_box(a, url)
        if box is a or (date_raw := links.box_date(box)) is None:
            continue
        title = text if len(text) >= _SHORT_ENTRY_CHARS and not _generic_text(text) else None
        title = title or _box_title(box)
        key = links.clean_url(href)
        if title and key not in found:
            found[key] = Link(url=key, text=title, date_raw=date_raw)
    return list(found.values()) if len(found) >= MIN_LIST_ENTRIES else []


def _generic_text(text: str) -> bool:
    words = fold_key(text).split()
    return bool(words) and all(w in _GENERIC_LINK_TEXTS for w in words)


def _own_box(a: etree._Element, url: str, limit: int = 8) -> etree._Element:
    """The largest element around ``a`` holding no link elsewhere (any URL but its own)."""
    own = links.absolute(url, a.get("href"))
    box = a
    for _ in range(limit):
        parent = box.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        if any(
            (t := links.absolute(url, x.get("href"))) is not None and t != own
            for x in parent.iter("a")
        ):
            break
        box = parent
    return box


def _box_title(box: etree._Element) -> str | None:
    """The first bold or heading text of an entry's box that is neither a date nor a label."""
    for el in box.iter("strong", "b", "h1", "h2", "h3", "h4", "h5", "h6"):
        text = normalize_inline(" ".join(el.itertext())) or ""
        if (
            len(text) >= _SHORT_ENTRY_CHARS
            and not text.endswith(":")
            and not datelines.looks_like_date_line(text)
        ):
            return text
    return None


#: Share of entries (more than) that must name their page by an id before slug-only links are
#: dropped.
_ID_SHAPE_SHARE = 0.5


def _same_shape(found: list[tuple[Link, etree._Element]]) -> list[tuple[Link, etree._Element]]:
    """A portal names its articles one way: where most entries' URLs carry an id
    (``…-102260305092012481.htm``, ``?ItemID=7``), a link named by a slug alone is a topic or
    category page (``/chu-de/bau-cu-…-276.htm``), not an entry."""
    shapes = [links.url_shape(link.url) for link, _box in found]
    ids = shapes.count("id")
    if ids < MIN_LIST_ENTRIES or ids <= _ID_SHAPE_SHARE * len(found):
        return found
    return [entry for entry, shape in zip(found, shapes, strict=True) if shape == "id"]


def read_listing(sel: Selector, url: str) -> Listing:
    """The shared listing rules on a parsed page (for family parsers whose selectors find no
    entries)."""
    return _listing(sel.root, url, mainblock.Stats(sel.root))


def _same_site(host: str | None, page_host: str | None) -> bool:
    """The page's host or one of its subdomains or parents (moh.gov.vn / ncov.moh.gov.vn)."""
    if not host or not page_host:
        return False
    return host == page_host or host.endswith("." + page_host) or page_host.endswith("." + host)


#: A shorter link text ("Luật Thủ đô") is an entry only among the siblings of real entries.
_SHORT_ENTRY_CHARS = 8


def _is_short(link: Link) -> bool:
    return len(link.text) < mainblock.MIN_ENTRY_CHARS or len(link.text.split()) < 4


def _in_lists(found: list[tuple[Link, etree._Element]]) -> list[Link]:
    """The entries that belong to a list: some element up to ``_LIST_DEPTH`` levels above the
    entry's box holds at least ``MIN_LIST_ENTRIES`` entries, two of them with a full title (a
    list's siblings, or a section's featured entry beside its list); a short title ("Luật Thủ
    đô") counts only there. Without any list: the dated entries, else all but short ones."""
    counts: dict[etree._Element, list[int]] = {}
    chains = []
    for link, box in found:
        chain = [a for a, _ in zip(box.iterancestors(), range(_LIST_DEPTH), strict=False)]
        chains.append(chain)
        for anc in chain:
            count = counts.setdefault(anc, [0, 0, 0])
            count[0] += 1
            count[1] += not _is_short(link)
            count[2] += bool(link.date_raw)
    # A list of short titles is a list when each entry prints its date (document numbers such
    # as "Luật 31/VBHN-VPQH"); a menu of short links prints none.
    listed = [
        link
        for (link, _box), chain in zip(found, chains, strict=True)
        if any(
            counts[a][0] >= MIN_LIST_ENTRIES
            and (counts[a][1] >= 2 or counts[a][2] >= MIN_LIST_ENTRIES)
            for a in chain
        )
    ]
    if listed:
        return listed
    full = [link for link, _box in found if not _is_short(link)]
    return [link for link in full if link.date_raw] or full


_LIST_DEPTH = 3
