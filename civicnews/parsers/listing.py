"""The shared listing rules: entries found by shape on a page of unknown markup.

Links inside the site whose text reads like a title and whose URL like an article's, each in
its own box (photo, title, date, summary), kept where the boxes repeat as a list; the date
printed in each box; pager links; failing that, a list of documents each linking its file.
Used by the generic parser, and by family parsers whose own selectors find no entries.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from civicnews.parsers import blocks, datelines, links, mainblock
from civicnews.parsers.model import Link, Listing
from civicnews.text import fold_key

#: Entries a run of sibling boxes needs to be a list (a lone link beside it is a sidebar's).
MIN_LIST_ENTRIES = 3

#: A shorter link text ("Luật Thủ đô") is an entry only among the siblings of real entries.
_SHORT_ENTRY_CHARS = 8

#: Levels above an entry's box where its list is looked for.
_LIST_DEPTH = 3


def read_listing(sel: Selector, url: str) -> Listing:
    """The shared listing rules on a parsed page (for family parsers whose selectors find no
    entries)."""
    return find_listing(sel.root, url, mainblock.Stats(sel.root))


def find_listing(root: etree._Element, url: str, stats: mainblock.Stats) -> Listing:
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
        text = blocks.text_of(a)
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
        if (
            date_raw is not None
            and named is not None
            and datelines.day_of(date_raw) != datelines.day_of(named)
        ):
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
        text = blocks.text_of(a)
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
        text = blocks.text_of(el)
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


def _same_site(host: str | None, page_host: str | None) -> bool:
    """The page's host or one of its subdomains or parents (moh.gov.vn / ncov.moh.gov.vn)."""
    if not host or not page_host:
        return False
    return host == page_host or host.endswith("." + page_host) or page_host.endswith("." + host)


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
