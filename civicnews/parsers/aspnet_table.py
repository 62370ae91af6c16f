"""Table-layout ASP.NET portals (the "FITC" template and kin; several provinces).

The whole page is nested layout tables (banner, menu row, left menu column, content column,
right column), so nothing is read from the layout itself; only the template's class names,
matched by fragment (``TinChiTiet_TieuDe`` matches ``TT_TinChiTiet_TieuDe`` and variants):

- article: ``div.TT_TinChiTiet_TieuDe`` (title), ``div.TT_TinChiTiet_NgayCapNhat`` ("Ngày cập
  nhật <date>"), ``div.TT_TinChiTiet_DocTin`` (body; an illustrative-photo table
  ``TT_TinChiTiet_DongAnhMinhHoa`` with its caption may open it), the reading region between
  ``<!-- FitcBatDauDocTin -->`` and ``<!-- FitcKetThucDocTin -->`` (the comments wrap either the
  whole detail box or only the text: when they sit inside the body box, only what is between
  them is body); ``div.TT_TinChiTiet_TinLienQuanTieuDe`` "Các tin khác" (older portals: "CÁC TIN
  ĐÃ ĐƯA") then ``a.TT_TinChiTiet_TinLienQuan`` with ``span.TT_TinChiTiet_TinLienQuan_ThoiGian``
  " (date)"; the category in ``div.TMCD2_DongTruongMuc`` ("Tin tức >> Tin địa phương"); the
  author is the body's last right-aligned bold line (``p[align=right] b``, ``td[align=right]``).
- category page: ``a.TMCD2_TieuDe`` entries (photo, title, summary, date), then a "Các bài
  khác" block (``td.TMCD2_TieuDeLienQuan`` + ``a.TMCD2_TinLienQuan``), then a pager.
"""

from __future__ import annotations

import re

from lxml import etree

from civicnews.parsers import blocks, byline, cascade, datelines, links, media, meta, related
from civicnews.parsers.model import Article, Link, Listing, Page

FAMILY = "aspnet-table"

_PAGE_PARAMS = ("trang", "page", "p", "pageindex", "pagenum")
_START, _END = "fitcbatdaudoctin", "fitcketthucdoctin"
_CRUMB_SPLIT = re.compile(r"\s*(?:>>|»|>|›|/)\s*")
_TOOLS = ("TinChiTiet_DongChucNang", "TinChiTiet_ChucNang", "TinChiTiet_DeMuc")


def parse(url: str, html: str) -> Page:
    sel = blocks.selector(html, url)
    root = sel.root
    page = Page(url=url)
    region = _reading_region(root)
    body = _body(root, region)
    title_el = _by_class(root, "TinChiTiet_TieuDe")
    if body is not None or title_el is not None:
        page.article = _article(sel, root, region, body, title_el, url)
        return page
    entries = links.entry_links((a for a in root.iter("a") if _is_entry_anchor(a)), url)
    # "Các bài khác" / "CÁC TIN ĐÃ ĐƯA" blocks of portals whose link classes differ.
    entries = _merge(entries, related.related_blocks(root, url)[0])
    listing = Listing(
        entries=[e for e in entries if e.text],
        next_pages=links.pager_links(root, url, _PAGE_PARAMS),
    )
    if listing.entries:
        page.listing = listing
    return page


def _merge(first: list[Link], more: list[Link]) -> list[Link]:
    seen = {link.url for link in first}
    return first + [link for link in more if link.url not in seen]


def _first(*elements: etree._Element | None) -> etree._Element | None:
    # Not `a or b`: an lxml element without children is falsy.
    return next((el for el in elements if el is not None), None)


def _classes(el: etree._Element) -> str:
    if not isinstance(el.tag, str):  # comments and processing instructions
        return ""
    return el.get("class") or ""


def _by_class(root: etree._Element, fragment: str, exclude: str = "") -> etree._Element | None:
    for el in root.iter():
        cls = _classes(el)
        if fragment in cls and not (exclude and exclude in cls):
            return el
    return None


def _is_entry_anchor(a: etree._Element) -> bool:
    # TMCD2_TieuDe / TMCD1_TieuDe (titles) and TMCD2_TinLienQuan ("Các bài khác" links).
    cls = _classes(a)
    return "TMCD" in cls and ("TieuDe" in cls or "TinLienQuan" in cls)


def _comment_key(node: etree._Element) -> str:
    return re.sub(r"\s+", "", node.text or "").lower()


def _reading_region(root: etree._Element) -> etree._Element | None:
    """Wrap what lies between the FitcBatDauDocTin / FitcKetThucDocTin comments in one element.

    The tree is our own parse, so the nodes are moved, not copied: every later lookup (body,
    related blocks to drop) then works on one tree.
    """
    comments = list(root.iter(etree.Comment))
    start = next((c for c in comments if _START in _comment_key(c)), None)
    if start is None or start.getparent() is None:
        return None
    siblings = []
    for sib in start.itersiblings():
        if not isinstance(sib.tag, str) and _END in _comment_key(sib):
            break
        siblings.append(sib)
    else:
        # No end comment beside the start one: the start's parent is the best region.
        return start.getparent()
    region = etree.Element("div")
    region.text, start.tail = start.tail, None
    for sib in siblings:
        region.append(sib)  # moves the node with its tail
    start.addnext(region)
    return region


def _body(root: etree._Element, region: etree._Element | None) -> etree._Element | None:
    doc = _first(_by_class(root, "TinChiTiet_DocTin"), _by_class(root, "TinChiTiet_NoiDung"))
    if doc is not None and region is not None and doc in region.iterancestors():
        return region  # the comments sit inside the body box: only what is between them
    if doc is not None:
        return doc
    if region is not None and _by_class(region, "TinChiTiet_") is not None:
        return region  # an unknown body class: the reading region, furniture dropped later
    return None


def _text(el: etree._Element | None) -> str | None:
    return (blocks.text_of(el) or None) if el is not None else None


def _related(root: etree._Element, url: str) -> tuple[list[Link], list[etree._Element]]:
    """``a.TT_TinChiTiet_TinLienQuan`` links, and links under a related-news heading."""
    headed, boxes = related.related_blocks(root, url)
    marked = [a for a in root.iter("a") if "TinChiTiet_TinLienQuan" in _classes(a)]
    boxes += [a.getparent() for a in marked if a.getparent() is not None]
    return _merge(links.entry_links(marked, url), headed), boxes


def _category(sel, root: etree._Element, title: str | None) -> str | None:
    row = _first(_by_class(root, "DongTruongMuc"), _by_class(root, "TruongMuc"))
    text = _text(row)
    if text:
        parts = [p for p in _CRUMB_SPLIT.split(text) if p]
        return meta.category_from_breadcrumb(parts, title)
    return meta.category_from_breadcrumb(meta.breadcrumb(sel), title)


def _article(sel, root, region, body, title_el, url: str) -> Article:
    related, boxes = _related(root, url)
    title = _text(title_el) or meta.meta(sel, "og:title")
    date_el = _first(
        _by_class(root, "TinChiTiet_NgayCapNhat"),
        _by_class(root, "TinChiTiet_Ngay", exclude="LienQuan"),
    )
    published_raw = datelines.date_text(date_el) if date_el is not None else None
    lines: list[str] = []
    author = source = None
    images: list[dict[str, str]] = []
    attachments: list[dict[str, str]] = []
    if body is not None:
        # When the body is the whole reading region, its title, date, tools and related
        # blocks are furniture.
        furniture = [*boxes, *(el for el in (title_el, date_el) if el is not None)]
        furniture += [el for el in body.iter() if any(t in _classes(el) for t in _TOOLS)]
        furniture += [el for el in body.iter() if "TruongMuc" in _classes(el)]
        drop = [el for el in furniture if el is not body and body in el.iterancestors()]
        author, author_line, inline_source, author_rule = byline.find_author(body)
        lines, body_date, source = byline.body_lines(
            body, author_line=author_line, title=title, drop=drop
        )
        source = source or inline_source
        if published_raw is None:
            published_raw = body_date
        elif body_date is not None and body_date != published_raw:
            lines.insert(0, body_date)  # not the date line after all; keep the text
        # Font-size icons, share buttons and related links are not the article's files.
        foreign = {links.absolute(url, a.get("href")) for el in drop for a in el.iter("a")}
        foreign |= {links.absolute(url, i.get("src")) for el in drop for i in el.iter("img")}
        images = [i for i in media.images(body, url) if i["url"] not in foreign]
        attachments = [f for f in media.attachments(body, url) if f["url"] not in foreign]
    article = Article(
        title=title,
        published_raw=published_raw,
        author=author,
        body_text="\n".join(lines),
        category=_category(sel, root, title),
        images=images,
        attachments=attachments,
        source=source,
        canonical_url=meta.canonical(sel, url),
        related=related,
        extractor=FAMILY,
    )
    return cascade.complete(article, sel, _first(body, title_el, root), FAMILY)
