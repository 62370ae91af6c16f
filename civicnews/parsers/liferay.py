"""Liferay 6.x portals (Bắc Từ Liêm, Phú Xuyên, Sở Y tế until ~2025).

Shapes read (see docs in README, "CMS families"):
- article: ``div.asset-full-content`` with a header (``h1``-``h3``, usually
  ``.header-title``) above ``div.asset-content`` › ``div.journal-content-article``;
  the date in ``div.asset-metadata`` or as the first line of the body;
- listing: ``div.asset-abstract`` entries with ``.asset-title a``, paginated by
  portlet parameters ``_101_INSTANCE_<id>_cur=N``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from civicnews.parsers import blocks, byline, datelines, links, media, meta, related
from civicnews.parsers.model import Article, Link, Listing, Page
from civicnews.text import fold_key, normalize_inline

FAMILY = "liferay"

_BODY = ".journal-content-article"


def parse(url: str, html: str) -> Page:
    sel = blocks.selector(html, url)
    page = Page(url=url)
    full = sel.css(".asset-full-content")
    body = (full or sel).css(_BODY)
    # A listing page may carry an intro web content; without an asset shown in
    # full, journal content beside listing entries is not an article.
    if body and (full or not sel.css(".asset-abstract")):
        page.article = _article(sel, full[0] if full else None, body[0], url)
    # Article pages carry no pagination; only look for it on other pages.
    if sel.css(".asset-abstract") or (page.article is None and _pager_links(sel, url)):
        page.listing = _listing(sel, url)
    return page


_HEADINGS = ("h1", "h2", "h3")


def _heading_text(node) -> str | None:
    text = normalize_inline(" ".join(node.xpath(".//text()").getall()))
    if text and fold_key(text) not in related.RELATED_HEADINGS:
        return text
    return None


def _title(sel, full, body) -> str | None:
    """The article title, from the most to the least specific place a theme puts it."""
    # 1. The asset publisher's header above the content.
    if full is not None:
        for css in (".header-title", ".asset-title", *_HEADINGS):
            for node in full.css(css):
                # A heading inside the body or the related block is not the title.
                if node.xpath(f"ancestor::*[contains(concat(' ', @class, ' '), ' {_BODY[1:]} ')]"):
                    continue
                if text := _heading_text(node):
                    return text
    # 2. Web content display pages: editors open the body with the title.
    for node in body.xpath("./*[position() <= 2]"):
        heading = node if node.root.tag in _HEADINGS else None
        if heading is None:
            found = node.xpath(".//h1 | .//h2 | .//h3")
            heading = found[0] if found else None
        if heading is not None and (text := _heading_text(heading)):
            return text
    if og := meta.meta(sel, "og:title"):
        return og
    # 3. The nearest heading before the body that is not a portlet's name.
    for node in body.xpath(
        "preceding::*[self::h1 or self::h2 or self::h3][not(contains(@class, 'portlet-title'))][1]"
    ):
        if text := _heading_text(node):
            return text
    return None


def _article(sel, full, body, url: str) -> Article:
    root = sel.root
    related_news, related_boxes = related.related_links(root, url)
    title = _title(sel, full, body)
    scope = full if full is not None else sel
    meta_texts = scope.css(".asset-metadata ::text, .metadata-publish-date ::text").getall()
    published_raw = datelines.first_date_text(meta_texts)
    if published_raw is None:
        # Some themes print the date line between the header and the content.
        published_raw = datelines.first_date_text(
            t
            for t in scope.xpath("./*[not(contains(@class,'asset-content'))]//text()").getall()[:40]
        )
    author, author_line, inline_source, author_rule = byline.find_author(body.root)
    lines, body_date, source = byline.body_lines(
        body.root, author_line=author_line, title=title, drop=related_boxes
    )
    source = source or inline_source
    if published_raw is None:
        published_raw = body_date
    elif body_date is not None and body_date != published_raw:
        lines.insert(0, body_date)  # not the date line after all; keep the text
    crumbs = meta.breadcrumb(sel)
    return Article(
        title=title,
        published_raw=published_raw,
        author=author,
        body_text="\n".join(lines),
        category=meta.category_from_breadcrumb(crumbs, title),
        images=media.images(body.root, url),
        attachments=media.attachments(body.root, url),
        source=source,
        canonical_url=meta.canonical(sel, url),
        related=related_news,
        extractor=FAMILY,
    )


def _pager_links(sel, url: str) -> list[str]:
    out = []
    for a in sel.root.iter("a"):
        href = a.get("href") or ""
        if "_cur=" in href:
            full = links.absolute(url, href)
            parts = urlsplit(full) if full else None
            if (
                parts
                and "/-/" not in parts.path
                and any(k.endswith("_cur") for k, _ in parse_qsl(parts.query))
            ):
                out.append(full)
                continue
        text = a.text_content()
        if href and links.is_pager_word(text):
            full = links.absolute(url, href)
            if full:
                out.append(full)
    return list(dict.fromkeys(out))


def _listing(sel, url: str) -> Listing:
    entries: list[Link] = []
    for item in sel.css(".asset-abstract"):
        a = item.css(".asset-title a, h3 a, h2 a, h4 a") or item.css("a")
        href = links.absolute(url, a[0].attrib.get("href")) if a else None
        if not href:
            continue
        text = normalize_inline(" ".join(a[0].css("::text").getall())) or ""
        date_raw = links.box_date(item.root)
        entries.append(Link(url=href, text=text, date_raw=date_raw))
    return Listing(entries=entries, next_pages=_pager_links(sel, url))
