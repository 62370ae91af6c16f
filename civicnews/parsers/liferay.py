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

from civicnews.parsers import (
    blocks,
    byline,
    cascade,
    datelines,
    links,
    mainblock,
    media,
    meta,
    related,
)
from civicnews.parsers.listing import read_listing
from civicnews.parsers.model import Article, Link, Listing, Page
from civicnews.text import fold_key, normalize_inline

FAMILY = "liferay"

_BODY = ".journal-content-article"


def parse(url: str, html: str) -> Page:
    sel = blocks.selector(html, url)
    page = Page(url=url)
    full = sel.css(".asset-full-content")
    body = (full or sel).css(_BODY)
    abstracts = sel.css(".asset-abstract")
    # A listing page may carry an intro web content ("Đường dây nóng 19009095"); without an
    # asset shown in full, journal content is an article only when it has an article's text
    # and no entries stand beside it.
    if body and (full or (not abstracts and _has_text(body[0]))):
        page.article = _article(sel, full[0] if full else None, body[0], url)
    if abstracts:
        page.listing = _listing(sel, url)
    elif page.article is None:
        # Liferay 7 templates are free-form (no asset-abstract): the shared listing rules.
        shared = read_listing(sel, url)
        pager = _pager_links(sel, url)
        if shared.entries or pager:
            shared.next_pages = list(dict.fromkeys(pager + shared.next_pages))
            page.listing = shared
    return page


def _has_text(body) -> bool:
    return len(blocks.text_of(body.root)) >= mainblock.MIN_ARTICLE_CHARS


_HEADINGS = ("h1", "h2", "h3")


def _heading_text(node) -> str | None:
    text = normalize_inline(" ".join(node.xpath(".//text()").getall()))
    if text and fold_key(text) not in related.RELATED_HEADINGS:
        return text
    return None


# Hanoi's view_content template prints the title in a div above the content, no heading.
_TITLE_OUTSIDE = (".asset-full-content-title", ".journal-content-title")
# Date lines of the templates: 6.x asset metadata; Hanoi's "assetPublishDate block_timer"
# ("Ngày đăng 13/05/2016 | 5:05 PM | View count: 889"); Liferay 7 themes' "date"/"time" spans.
_DATE = (
    ".asset-metadata", ".metadata-publish-date", "[class*=assetPublishDate]", ".block_timer",
    "[class*=publish-date]", "[class*=PublishDate]",
)  # fmt: skip
_SAPO = (".sapo", "[class*=sapo]", ".asset-summary")
#: The posting account of Hanoi's view_content template ("admin admin"), not the byline.
_ACCOUNT = ".view-content-author"


def _title(sel, full, body) -> tuple[str | None, str | None]:
    """The article title from the places this family's themes put it, and the rule; None when
    none holds it (the shared rules take over)."""
    # 1. The asset publisher's header above the content.
    if full is not None:
        for css in (".header-title", ".asset-title", *_HEADINGS):
            for node in full.css(css):
                # A heading inside the body or the related block is not the title.
                if node.xpath(f"ancestor::*[contains(concat(' ', @class, ' '), ' {_BODY[1:]} ')]"):
                    continue
                if text := _heading_text(node):
                    return text, f"{FAMILY}:{css}"
    for css in _TITLE_OUTSIDE:
        for node in sel.css(css):
            if text := _heading_text(node):
                return text, f"{FAMILY}:{css}"
    # 2. Web content display pages: editors open the body with the title.
    for node in body.xpath("./*[position() <= 2]"):
        heading = node if node.root.tag in _HEADINGS else None
        if heading is None:
            found = node.xpath(".//h1 | .//h2 | .//h3")
            heading = found[0] if found else None
        if heading is not None and (text := _heading_text(heading)):
            return text, f"{FAMILY}:body-opening-heading"
    return None, None


def _date(sel, full) -> tuple[str | None, str | None]:
    scope = full if full is not None else sel
    for css in _DATE:
        for node in scope.css(css) or sel.css(css):
            if node.xpath("ancestor::*[contains(@class, 'asset-abstract')]"):
                continue  # a listing entry's date, beside the article
            if raw := datelines.date_text(node.root):
                return raw, f"{FAMILY}:{css}"
    # Some themes print the date line between the header and the content.
    texts = scope.xpath("./*[not(contains(@class,'asset-content'))]//text()").getall()[:40]
    if raw := datelines.first_date_text(texts):
        return raw, f"{FAMILY}:header-date-line"
    return None, None


def _article(sel, full, body, url: str) -> Article:
    root = sel.root
    related_news, related_boxes = related.related_links(root, url)
    title, title_rule = _title(sel, full, body)
    published_raw, date_rule = _date(sel, full)
    rules = {"title": title_rule, "published": date_rule, "body": f"{FAMILY}:{_BODY}"}
    author, author_line, inline_source, author_rule = byline.find_author(body.root)
    posted_by, account_line = None, None
    account = sel.css(_ACCOUNT)
    if account:
        posted_by = account_line = blocks.text_of(account[0].root) or None
        rules["posted_by"] = f"{FAMILY}:{_ACCOUNT}"
    else:
        posted_by, account_line = byline.find_account(body.root)
        rules["posted_by"] = posted_by and "common:account-line"
    if author == posted_by:
        author = author_line = None
    rules["author"] = author and f"common:{author_rule}"
    if author is None and posted_by and not byline.is_account(posted_by):
        # The template's poster line holds a person's name and no byline closes the body:
        # that name is the author (an account such as "admin admin" never is).
        author, author_line, posted_by, account_line = posted_by, account_line, None, None
        rules["author"], rules["posted_by"] = f"{FAMILY}:{_ACCOUNT}", None
    sapo, sapo_drop = None, []
    for css in _SAPO:
        nodes = (full or sel).css(css)
        if nodes and not nodes[0].xpath("ancestor::*[contains(@class, 'asset-abstract')]"):
            sapo = blocks.text_of(nodes[0].root) or None
            sapo_drop = [nodes[0].root]
            rules["sapo"] = sapo and f"{FAMILY}:{css}"
            break
    if sapo is None:
        lead = byline.bold_lead(body.root)
        if lead is not None:
            sapo, sapo_drop, rules["sapo"] = blocks.text_of(lead), [lead], "common:sapo-bold-lead"
    lines, body_date, source = byline.body_lines(
        body.root,
        author_line=author_line,
        # A title printed outside the body and repeated as its first line by the editor is
        # article text; only a heading opening the body is the title itself.
        title=title if title_rule == f"{FAMILY}:body-opening-heading" else None,
        drop=[*related_boxes, *sapo_drop],
        account_line=account_line,
    )
    source = source or inline_source
    if published_raw is None and body_date:
        published_raw, rules["published"] = body_date, "common:date-line-body-top"
    elif body_date is not None and body_date != published_raw:
        lines.insert(0, body_date)  # not the date line after all; keep the text
    crumbs = meta.breadcrumb(sel)
    article = Article(
        title=title,
        published_raw=published_raw,
        author=author,
        body_text="\n".join(lines),
        sapo=sapo,
        posted_by=posted_by,
        category=meta.category_from_breadcrumb(crumbs, title),
        images=media.images(body.root, url),
        attachments=media.attachments(body.root, url),
        source=source,
        canonical_url=meta.canonical(sel, url),
        related=related_news,
        extractor=FAMILY,
        rules={k: v for k, v in rules.items() if v},
    )
    return cascade.complete(article, sel, body.root, FAMILY)


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
