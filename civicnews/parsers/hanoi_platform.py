"""The new Hanoi platform (hanoi.gov.vn; ward portals on the old district hosts since mid-2025).

Shapes read (see README, "CMS families"):

- article ``/<category>/<slug>-<id>.htm`` (id: 14-19 digits): the ``h1`` title, the date in
  ``.detail-time`` or ``.news-info .time``, the sapo in ``[data-role=sapo]`` (its own field,
  never body text), the body ``div.detail-content.afcbc-body[data-role=content]`` whose
  ``div.VCSortableInPreviewMode`` boxes hold photos (``type=Photo``, caption underneath),
  tables (``type=BoxTable``) and sometimes a related box; tags after "Từ khóa:"; related
  blocks headed "Tin liên quan" / "Tin cùng chuyên mục"; the breadcrumb gives the category;
  read here;
- listing ``/<category>``: ``div.news-item[data-id]`` entries, and the national platform's
  other templates (``hanoi_listing``); its further pages come from the paging API
  (``hanoi_paging``).
"""

from __future__ import annotations

from lxml import etree
from parsel import Selector

from civicnews.parsers import blocks, byline, cascade, datelines, links, media, meta, related
from civicnews.parsers.hanoi_listing import link_dates, news_items, platform_entries, timeline_page
from civicnews.parsers.hanoi_paging import api_pager
from civicnews.parsers.model import Article, Link, Listing, Page
from civicnews.text import fold_key, normalize_inline

FAMILY = "hanoi-platform"

_BODY = (
    "div.detail-content[data-role=content]",
    "[data-role=content]",
    "div.detail-content.afcbc-body",
    ".afcbc-body",
    ".detail-content",
)
_TITLE = ("[data-role=title]", "h1.detail-title", ".detail-title", "h1")
_DATE = (
    ".detail-time",
    ".news-info .time",
    "[data-role=publishdate]",
    ".detail-info .time",
    ".news-info [class*=time]",
)
_TAG_LABEL = "tu khoa"


def parse(url: str, html: str) -> Page:
    sel = blocks.selector(html, url)
    page = Page(url=url)
    body = blocks.first_css(sel, _BODY)
    if body is not None:
        title, title_rule = _title(sel)
        if title:
            page.article = _article(sel, body, title, url)
            page.article.rules["title"] = title_rule
            return page
    entries = news_items(sel, url) or platform_entries(sel, url)
    pager = api_pager(sel, url) if entries else None
    timeline = timeline_page(sel, url)
    if entries or pager or timeline:
        page.listing = Listing(
            entries=entries, api_pagers=[pager] if pager else [], next_pages=timeline
        )
    return page


def _title(sel: Selector) -> tuple[str | None, str]:
    for css in _TITLE:
        for node in sel.css(css):
            text = blocks.text_of(node.root)
            # A logo h1 ("UBND PHƯỜNG ...") has no text or sits in the header; skip non-titles.
            if (
                text
                and fold_key(text) not in related.RELATED_HEADINGS
                and not node.xpath("ancestor::header | ancestor::*[contains(@class,'header')]")
            ):
                return text, f"{FAMILY}:{css}"
    return meta.meta(sel, "og:title"), "meta:og:title"


# --- article ----------------------------------------------------------------------------------


def _article(sel: Selector, body: Selector, title: str, url: str) -> Article:
    root = sel.root
    related_news, boxes = related.related_links(root, url)
    dates = link_dates(root, url)
    for link in related_news:
        if link.date_raw is None:
            link.date_raw = dates.get(link.url)
    common_titles(root, url, related_news)
    tag_names, tag_box = _tags(root, url)
    drop = [b for b in boxes if not _contains(b, body.root)]
    # A related box around the body (its heading typed among the body's paragraphs): drop only
    # the heading and the link lines after it, never the whole body (the shared rule).
    if any(_contains(b, body.root) for b in boxes):
        drop += related.typed_related(body.root)
    if tag_box is not None and not _contains(tag_box, body.root):
        drop.append(tag_box)
    author, author_line, inline_source, author_rule = byline.find_author(body.root)
    lines, body_date, source = byline.body_lines(
        body.root, author_line=author_line, title=title, drop=drop
    )
    sapo_node = blocks.first_css(sel, ("[data-role=sapo]", ".detail-sapo", ".sapo"))
    sapo = blocks.text_of(sapo_node.root) if sapo_node is not None else None
    if sapo:
        lines = [line for line in lines if line != sapo]
    published_raw, date_rule = _date(sel)
    if published_raw is None and body_date:
        published_raw, date_rule = body_date, "common:date-line-body-top"
    if published_raw is None:
        published_raw = meta.meta(sel, "article:published_time", "pubdate", "datePublished")
        date_rule = "meta:article:published_time"
    byline_node = _byline(sel) if author is None else None
    rules = {
        "published": published_raw and date_rule,
        "author": (author and f"common:{author_rule}") or (byline_node and f"{FAMILY}:author"),
        "body": f"{FAMILY}:{_body_rule(sel)}",
        "sapo": sapo and f"{FAMILY}:sapo",
    }
    crumbs = meta.breadcrumb(sel)
    category = meta.category_from_breadcrumb(crumbs, title)
    if category is None:
        cate = blocks.first_css(sel, (".detail-cate a", "[data-role=cate]", ".detail-cate"))
        category = blocks.text_of(cate.root) if cate is not None else None
    article = Article(
        title=title,
        published_raw=published_raw,
        author=author or byline_node,
        body_text="\n".join(lines),
        sapo=sapo or None,
        category=category or None,
        tags=tag_names,
        images=_images(body.root, url),
        attachments=media.attachments(body.root, url),
        source=source or inline_source,
        canonical_url=meta.canonical(sel, url),
        related=related_news,
        extractor=FAMILY,
        rules={k: v for k, v in rules.items() if v},
    )
    return cascade.complete(article, sel, body.root, FAMILY)


def _body_rule(sel: Selector) -> str:
    return next((css for css in _BODY if sel.css(css)), "body")


def common_titles(root: etree._Element, url: str, found: list[Link]) -> None:
    """Name links whose first anchor was a thumbnail (no text) by another anchor's text."""
    untitled = {link.url: link for link in found if not link.text}
    if not untitled:
        return
    for a in root.iter("a"):
        link = untitled.get(links.absolute(url, a.get("href")) or "")
        if link is not None and not link.text:
            link.text = blocks.text_of(a) or normalize_inline(a.get("title")) or ""


def _contains(outer: etree._Element, inner: etree._Element) -> bool:
    """True when ``outer`` is ``inner`` or one of its ancestors."""
    return outer is inner or any(a is outer for a in inner.iterancestors())


def _date(sel: Selector) -> tuple[str | None, str | None]:
    for css in _DATE:
        for node in sel.css(css):
            raw = datelines.first_date_text(
                [blocks.text_of(node.root)]
            ) or datelines.first_date_text(node.css("::text").getall())
            if raw:
                return raw, f"{FAMILY}:{css}"
            title = node.attrib.get("title")
            if title and datelines.looks_like_date_line(normalize_inline(title) or ""):
                return normalize_inline(title), f"{FAMILY}:{css}[title]"
    return None, None


def _byline(sel: Selector) -> str | None:
    node = blocks.first_css(sel, ("[data-role=author]", ".detail-author", ".author"))
    return (blocks.text_of(node.root) or None) if node is not None else None


def _tags(root: etree._Element, url: str) -> tuple[list[str], etree._Element | None]:
    """Tag names printed after a "Từ khóa:" label, and the box holding them."""
    for label in root.iter():
        if not isinstance(label.tag, str) or label.tag in ("script", "style", "a"):
            continue
        own = normalize_inline(label.text or "") or ""
        if not fold_key(own).startswith(_TAG_LABEL) or len(own) > 30:
            continue
        box = label
        for _ in range(3):
            anchors = _anchors_after(label, box)
            if anchors:
                tags = []
                for a in anchors:
                    name = blocks.text_of(a).lstrip("#").strip()
                    if name and name not in tags:
                        tags.append(name)
                return tags, box
            if box.getparent() is None:
                break
            box = box.getparent()
    return [], None


def _anchors_after(label: etree._Element, box: etree._Element) -> list[etree._Element]:
    """Anchors inside ``box`` that come after the label text in document order.

    The label may hold its tags ("<div>Từ khóa: <a>..</a></div>") or precede them
    ("<li><b>Từ khóa:</b></li><li><a>..</a></li>"); titles (long link texts) end the run.
    """
    out = []
    for el in box.iter("a"):
        if el.getparent() is None or (box is not label and _before(el, label)):
            continue
        if len(blocks.text_of(el)) > 60:
            break
        out.append(el)
    return out


def _before(el: etree._Element, label: etree._Element) -> bool:
    """``el`` comes before ``label`` (and is not inside it) in document order."""
    for node in label.getroottree().iter():
        if node is label:
            return False
        if node is el:
            return True
    return False


def _images(body: etree._Element, url: str) -> list[dict[str, str]]:
    out = []
    for img in body.iter("img"):
        # Lazy-loading themes keep the real file in data-original / data-src.
        src = links.absolute(url, img.get("data-original") or img.get("data-src") or img.get("src"))
        if not src:
            continue
        caption = ""
        for box in img.iterancestors():
            if "VCSortableInPreviewMode" in (box.get("class") or "") or box.tag == "figure":
                cap = box.xpath(
                    ".//*[contains(@class,'Caption') or contains(@class,'caption')"
                    " or self::figcaption]"
                )
                if cap:
                    caption = blocks.text_of(cap[0])
                break
        out.append({"url": src, "caption": caption or normalize_inline(img.get("alt")) or ""})
    return out
