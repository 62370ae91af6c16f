"""SharePoint 2010/2013 portals (Hà Đông until ~2024, ministries, Quảng Ninh).

Shapes read (see README, "CMS families"):

- article (``/<site>/Pages/<list>.aspx?ItemID=<n>`` or ``/DetailNews.aspx?NewsId=<n>``): a
  publishing web part ``ctl00_SPWebPartManager1_g_<guid>`` whose ids are matched by suffix only
  (the guid differs per portal and per page layout):
  ``…divArticleDescription3`` the title, ``…divArticleDescription1`` the sapo,
  ``…divArticleDescription2`` the body (older layouts: ``divArticleDescription`` sapo and
  ``divArticleContent`` body); ``…_pnHide`` the date (unpadded ``1/12/2018 9:7``, sometimes
  ``(Ngày 20 - 03 - 2012)``), ``…_pnNguontin`` the author and/or "Nguồn: …",
  ``…_pnTinLienQuan`` related news; or a separate web part ``div.top_F`` "Các tin khác" then
  ``ul li a`` with ``span.time_update`` "(Ngày …)". Without ``pnNguontin`` the author is the
  body's last right-aligned bold line.
- listing (``…aspx?CateID=<n>&Page=N``): links to articles (``ItemID=``/``NewsId=``, usually with
  ``CateID=`` and ``Source=<listing>``), the date beside each, "Trước"/"Sau" and page numbers.

Image sources written ``https&#58;//…`` come out as ``https://…`` (see ``links.absolute``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from civicnews.parsers import (
    blocks,
    byline,
    cascade,
    datelines,
    generic,
    links,
    media,
    meta,
    related,
    tags,
)
from civicnews.parsers.listing import read_listing
from civicnews.parsers.model import Article, Link, Listing, Page
from civicnews.text import fold_key, normalize_inline

FAMILY = "sharepoint"

# Query parameters that name one article (SharePoint list item / news id).
_ID_PARAMS = ("itemid", "newsid")
_PAGE_PARAMS = ("page", "pageindex", "p")
_SOURCE = re.compile(r"^[\(\[]?\s*((?:nguồn(?: tin)?|theo)\b\s*[:：]?\s*.+?)[\)\]]?$", re.I)
_INLINE_SOURCE = re.compile(
    r"^(.*?)\s*[\(\[-]\s*((?:nguồn(?: tin)?|theo)\s*[:：].+?)[\)\]]?$", re.I
)
_AUTHOR_LABEL = re.compile(
    r"^(tác giả|người viết|phóng viên|(?:bài|tin)(?:,? (?:và )?ảnh)?)\s*[:：]\s*", re.I
)


def parse(url: str, html: str) -> Page:
    sel = blocks.selector(html, url)
    root = sel.root
    page = Page(url=url)
    body = _by_id_suffix(root, "divArticleDescription2", "divArticleContent")
    title_el = _by_id_suffix(root, "divArticleDescription3")
    if body is not None or title_el is not None:
        page.article = _article(sel, root, body, title_el, url)
        return page
    # Not the publishing layout: a page of another template of the portal (a legal
    # document's full text) whose main block reads like an article is read by the shared rules.
    shared = generic.parse(url, html)
    if shared.article is not None:
        shared.article.extractor = FAMILY
        return shared
    entries = links.entry_links((a for a in root.iter("a") if _is_article(url, a)), url)
    listing = Listing(
        entries=_listed(entries, read_listing(sel, url)),
        next_pages=links.pager_links(root, url, _PAGE_PARAMS),
    )
    if listing.entries or listing.next_pages:
        page.listing = listing
    return page


def _listed(entries: list[Link], shared: Listing) -> list[Link]:
    """The links to list items that the shared listing rules take for entries (each in its own
    repeated box: not the page's tabs, menus or breadcrumb), one per item whatever its views
    (full text, properties, print page); all of them when the shared rules find none."""
    found = {links.item_key(link.url): link for link in shared.entries if is_article_url(link.url)}
    if not found:
        return entries
    out: dict[str, Link] = {}
    for link in entries:
        key = links.item_key(links.clean_url(link.url))
        if key in found and key not in out:
            link.text = link.text or found[key].text
            link.date_raw = link.date_raw or found[key].date_raw
            out[key] = link
    return list(out.values())


def is_article_url(url: str | None) -> bool:
    """``…?ItemID=12`` / ``…?NewsId=12``: the query names one list item."""
    if not url:
        return False
    keys = {p.split("=", 1)[0].lower() for p in urlsplit(url).query.split("&") if "=" in p}
    return bool(keys & set(_ID_PARAMS))


def _is_article(base_url: str, a: etree._Element) -> bool:
    return is_article_url(links.absolute(base_url, a.get("href")))


def _by_id_suffix(root: etree._Element, *suffixes: str) -> etree._Element | None:
    """First element whose id ends with one of ``suffixes`` (tried in order), ignoring case.

    SharePoint prefixes control ids with the web part's path (``ctl00_SPWebPartManager1_g_<guid>
    _ctl00_``), which differs per portal: only the suffix is stable.
    """
    ids = [(el.get("id", "").lower(), el) for el in root.iter() if el.get("id")]
    for suffix in suffixes:
        low = suffix.lower()
        for el_id, el in ids:
            if el_id.endswith(low) and el_id[: -len(low)][-1:] in ("", "_"):
                return el
    return None


def _text(el: etree._Element | None) -> str | None:
    return (blocks.text_of(el) or None) if el is not None else None


def _title(sel, title_el: etree._Element | None, part: etree._Element | None) -> str | None:
    """``divArticleDescription3``; else a heading of the article's web part (the site's own
    ``h1`` banner is outside it); else ``og:title``."""
    if title_el is not None:
        # The title box may also hold a date or icons: its heading, when it has one, is the title.
        heading = next(title_el.iter("h1", "h2", "h3", "h4"), None)
        title = _text(heading) or _text(title_el)
        if title:
            return title
    for node in part.iter("h1", "h2", "h3") if part is not None else ():
        text = _text(node)
        if text and fold_key(text) not in related.RELATED_HEADINGS:
            return text
    return meta.meta(sel, "og:title")


def _nguontin(el: etree._Element | None) -> tuple[str | None, str | None]:
    """(author, source) from the ``pnNguontin`` panel: "Minh Vịnh", "Nguồn: Báo Hà Nội mới",
    "Minh Vịnh (Nguồn: …)" or "Tác giả: Minh Vịnh", on one line or several."""
    if el is None:
        return None, None
    author = source = None
    for line in blocks.clean_lines(blocks.block_text(el)):
        m = _INLINE_SOURCE.match(line)
        if m and m.group(1):
            author = author or m.group(1).strip()
            source = source or m.group(2).strip()
            continue
        m = _SOURCE.match(line)
        if m:
            source = source or m.group(1).strip()
            continue
        name = _AUTHOR_LABEL.sub("", line).strip()
        if name and len(name) <= 60 and author is None:
            author = name
    return author, source


def _related(root: etree._Element, url: str) -> tuple[list[Link], list[etree._Element]]:
    """Related news: the ``pnTinLienQuan`` panel and blocks headed "Các tin khác"/"Tin liên quan"
    (``div.top_F``), links to articles only (not "Xem thêm" links to the listing)."""
    found, boxes = related.related_blocks(root, url)
    panel = _by_id_suffix(root, "pnTinLienQuan")
    if panel is not None:
        found = links.entry_links(panel.iter("a"), url) + found
        boxes.insert(0, panel)
    unique = {link.url: link for link in reversed(found)}  # the first of each URL wins
    return [
        unique[u] for u in dict.fromkeys(link.url for link in found) if is_article_url(u)
    ], boxes


def _webpart(body: etree._Element | None) -> etree._Element | None:
    """The publishing web part around the body (id ``…_g_<guid>``), for attachments and dates."""
    if body is None:
        return None
    for anc in body.iterancestors():
        if "_g_" in (anc.get("id") or ""):
            return anc
    return body.getparent()


def _article(sel, root, body, title_el, url: str) -> Article:
    related, boxes = _related(root, url)
    part = _webpart(body if body is not None else title_el)
    title = _title(sel, title_el, part)
    sapo = _text(_by_id_suffix(root, "divArticleDescription1", "divArticleDescription"))
    date_el = _by_id_suffix(root, "pnHide")
    published_raw = datelines.date_text(date_el) if date_el is not None else None
    author, source = _nguontin(_by_id_suffix(root, "pnNguontin"))
    lines: list[str] = []
    images: list[dict[str, str]] = []
    if body is not None:
        author_line = inline_source = None
        if author is None:
            author, author_line, inline_source, author_rule = byline.find_author(body)
        lines, body_date, body_source = byline.body_lines(
            body, author_line=author_line, title=title, drop=boxes
        )
        source = source or body_source or inline_source
        if published_raw is None:
            published_raw = body_date
        elif body_date is not None and body_date != published_raw:
            lines.insert(0, body_date)  # not the date line after all; keep the text
        images = media.images(body, url)
    if published_raw is None and part is not None:
        # Layouts without pnHide print the date in a span of the web part's header; the body
        # and the related lists (dated links) are not that header.
        # Sets of elements, not of id()s: lxml proxies only keep their identity while alive.
        skip = {el for box in [body, *boxes] if box is not None for el in box.iter()}
        published_raw = datelines.first_date_text(
            t
            for t in part.xpath(".//text()[not(ancestor::a)]")
            if len(t.strip()) <= 60 and _owner(t) not in skip
        )
    in_related = {a for box in boxes for a in box.iter("a")}
    attachments = []
    if part is not None:
        keep = {links.absolute(url, a.get("href")) for a in part.iter("a") if a not in in_related}
        attachments = [f for f in media.attachments(part, url) if f["url"] in keep]
    article = Article(
        title=title,
        published_raw=published_raw,
        author=author,
        body_text="\n".join(lines),
        sapo=sapo,
        category=meta.category_from_breadcrumb(_crumbs(sel), title),
        tags=_tags(part),
        images=images,
        attachments=attachments,
        source=source,
        canonical_url=meta.canonical(sel, url),
        related=related,
        extractor=FAMILY,
    )
    return cascade.complete(article, sel, _first_of(body, title_el, root), FAMILY)


def _first_of(*elements: etree._Element | None) -> etree._Element:
    # Not `a or b`: an lxml element without children is falsy.
    return next(el for el in elements if el is not None)


def _owner(text) -> etree._Element:
    owner = text.getparent()
    return owner.getparent() if text.is_tail and owner.getparent() is not None else owner


def _crumbs(sel) -> list[str]:
    # SharePoint's SiteMapPath control: span#…SiteMapPath… › a + span separators.
    nodes = sel.xpath("//*[contains(@id, 'SiteMapPath') or contains(@id, 'Breadcrumb')]")
    if nodes:
        parts = [normalize_inline(t) for t in nodes[0].css("a::text, span::text").getall()]
        parts = [p for p in parts if p and p not in (">", "»", "/", "›", "|", ":")]
        if parts:
            return parts
    return meta.breadcrumb(sel)


def _tags(part: etree._Element | None) -> list[str]:
    """Links after a "Từ khóa:" label (or in a box named like tags) inside the web part."""
    if part is None:
        return []
    for el in part.iter():
        if not isinstance(el.tag, str):
            continue
        names = f"{el.get('class', '')} {el.get('id', '')}".lower()
        labelled = tags.is_tag_label(el.text)
        if labelled or "tukhoa" in names or re.search(r"\btags?\b", names):
            # The label may sit in its own <b>/<span>: the links are then its parent's.
            box = el if el.find(".//a") is not None or not labelled else el.getparent()
            words = [w for w in (_text(a) for a in box.iter("a")) if w]
            if words:
                return list(dict.fromkeys(words))
    return []
