"""The new Hanoi platform (hanoi.gov.vn; ward portals on the old district hosts since mid-2025).

Shapes read (see README, "CMS families"):

- article ``/<category>/<slug>-<id>.htm`` (id: 14-19 digits): the ``h1`` title, the date in
  ``.detail-time`` or ``.news-info .time``, the sapo in ``[data-role=sapo]`` (its own field,
  never body text), the body ``div.detail-content.afcbc-body[data-role=content]`` whose
  ``div.VCSortableInPreviewMode`` boxes hold photos (``type=Photo``, caption underneath),
  tables (``type=BoxTable``) and sometimes a related box; tags after "Từ khóa:"; related
  blocks headed "Tin liên quan" / "Tin cùng chuyên mục"; the breadcrumb gives the category;
- listing ``/<category>``: ``div.news-item[data-id]`` entries (title in ``.news-title``, the
  date in the ``title`` attribute of ``span.news-time``: "15:28, 28/08/2026", the text may be
  the day only or "2 giờ trước"). The page shows page 0 only; further pages come from
  ``POST /api/NewsZone/NewsZone`` (``PageIndex`` 0-based, ``PageSize``, ``Catname``,
  ``LanguageId``, ``Site``, optional ``DataIds[]``), answering a fragment of the same
  ``div.news-item`` entries, which this parser reads too.

Where the form values come from is not documented anywhere we could read; the page's own
"load more" script needs them, so they are looked for, in this order, in ``data-*``
attributes of one element (``data-catname``, ``data-site``, ``data-languageid``,
``data-pagesize``, ``data-ids``, ``data-api``; dashed forms too), hidden inputs named like
the fields, and inline script assignments (``Catname: 'tin-tuc'``, ``"PageSize": "10"``,
``var site = "x"``). A category page with none of them still pages with ``Catname`` set to its
own path segment, the only value the URL itself gives.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector

from civicnews.parsers import blocks, byline, cascade, datelines, links, media, meta, related
from civicnews.parsers.model import ApiPager, Article, Link, Listing, Page
from civicnews.text import fold_key, normalize_inline

FAMILY = "hanoi-platform"
API_PATH = "/api/NewsZone/NewsZone"
ARTICLE_PATH = re.compile(r"-(\d{14,19})\.html?$")

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
_ITEM = ".news-item[data-id], .news-item"
_TAG_LABEL = "tu khoa"

# Form fields of the paging API and the spellings their values are found under.
_FIELDS = ("Catname", "Site", "LanguageId", "PageSize")
_ATTR_NAMES = {
    "Catname": ("data-catname", "data-cat-name", "data-cat", "data-zone"),
    "Site": ("data-site", "data-site-id", "data-siteid"),
    "LanguageId": ("data-languageid", "data-language-id", "data-lang"),
    "PageSize": ("data-pagesize", "data-page-size"),
}
_IDS_ATTRS = ("data-ids", "data-dataids", "data-data-ids", "data-exclude-ids")
_API_ATTRS = ("data-api", "data-api-url", "data-url", "data-action")


def parse(url: str, html: str) -> Page:
    sel = blocks.selector(html, url)
    page = Page(url=url)
    body = _first(sel, _BODY)
    if body is not None:
        title, title_rule = _title(sel)
        if title:
            page.article = _article(sel, body, title, url)
            page.article.rules["title"] = title_rule
            return page
    entries = _entries(sel, url) or _platform_entries(sel, url)
    pager = _pager(sel, url) if entries else None
    timeline = _timeline_page(sel, url)
    if entries or pager or timeline:
        page.listing = Listing(
            entries=entries, api_pagers=[pager] if pager else [], next_pages=timeline
        )
    return page


# Not entries of the page: the national platform's sidebars, header and footer boxes.
_ASIDE = re.compile(r"(?:^|\s)(?:box-right|header|footer|menu)", re.I)


def _platform_entries(sel: Selector, url: str) -> list[Link]:
    """Entries of the platform's other templates (chinhphu.vn, baochinhphu.vn, vpcp: box-item,
    box-stream, box-category), in page order: title links marked
    ``data-linktype="newsdetail"`` / ``data-type="title"``, and links to article URLs
    (``…-<id>.htm``) whose text reads like a title; never inside a sidebar (``box-right``)."""
    out: dict[str, Link] = {}
    for a in sel.root.iter("a"):
        href = links.absolute(url, a.get("href"))
        if not href or href in out:
            continue
        marked = a.get("data-linktype") == "newsdetail" or a.get("data-type") == "title"
        text = _text(a) or normalize_inline(a.get("title")) or ""
        if not marked and not (ARTICLE_PATH.search(href) and len(text.split()) >= 4):
            continue
        if not text or any(_ASIDE.search(anc.get("class") or "") for anc in a.iterancestors()):
            continue
        box = links.entry_box(a, url)
        out[href] = Link(
            url=href, text=text, date_raw=links.box_date(box) if box is not a else None
        )
    return list(out.values())


def _timeline_page(sel: Selector, url: str) -> list[str]:
    """Page 2 of a category on the platform's timeline template: the page's script builds it
    from ``input#hdZoneId`` and ``timeline.url = '/timelinelist/{0}/{1}.htm'`` (no link)."""
    zone = sel.css("input#hdZoneId::attr(value)").get()
    case = sel.css("input#case::attr(value)").get()
    if not zone or (case and case != "list"):
        return []
    script = " ".join(sel.xpath("//script[not(@src)]/text()").getall())
    m = re.search(r"['\"](/?timelinelist/)\{0\}/\{1\}(\.htm)['\"]", script)
    return [urljoin(url, f"/{m.group(1).strip('/')}/{zone.strip()}/2{m.group(2)}")] if m else []


def _first(sel: Selector, queries: tuple[str, ...]) -> Selector | None:
    for css in queries:
        found = sel.css(css)
        if found:
            return found[0]
    return None


def _text(node: Selector | etree._Element) -> str:
    root = node.root if isinstance(node, Selector) else node
    return normalize_inline(" ".join(root.itertext())) or ""


def _title(sel: Selector) -> tuple[str | None, str]:
    for css in _TITLE:
        for node in sel.css(css):
            text = _text(node)
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
    dates = _link_dates(root, url)
    for link in related_news:
        if link.date_raw is None:
            link.date_raw = dates.get(link.url)
    common_titles(root, url, related_news)
    tag_names, tag_box = _tags(root, url)
    drop = [b for b in boxes if not _contains(b, body.root)]
    # A related box inside the body whose heading's parent is the body itself: drop only the
    # heading and what follows it, never the whole body.
    drop += _inner_related(body.root, boxes)
    if tag_box is not None and not _contains(tag_box, body.root):
        drop.append(tag_box)
    author, author_line, inline_source, author_rule = byline.find_author(body.root)
    lines, body_date, source = byline.body_lines(
        body.root, author_line=author_line, title=title, drop=drop
    )
    sapo_node = _first(sel, ("[data-role=sapo]", ".detail-sapo", ".sapo"))
    sapo = _text(sapo_node) if sapo_node is not None else None
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
        cate = _first(sel, (".detail-cate a", "[data-role=cate]", ".detail-cate"))
        category = _text(cate) if cate is not None else None
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
            link.text = _text(a) or normalize_inline(a.get("title")) or ""


def _contains(outer: etree._Element, inner: etree._Element) -> bool:
    """True when ``outer`` is ``inner`` or one of its ancestors."""
    return outer is inner or any(a is outer for a in inner.iterancestors())


def _inner_related(body: etree._Element, boxes: list[etree._Element]) -> list[etree._Element]:
    out = []
    for box in boxes:
        if not _contains(box, body):
            continue
        for heading in related.related_headings(body):
            # Climb to the heading's block that is a direct child of the body...
            block = heading
            while block.getparent() is not None and block.getparent() is not body:
                block = block.getparent()
            if block.getparent() is not body:
                continue
            out.append(block)
            # ...and drop the link-only blocks after it (the list of related titles).
            for sib in block.itersiblings():
                if not isinstance(sib.tag, str):
                    continue
                text = datelines.split_date_suffix(_text(sib))[0]
                linked = " ".join(_text(a) for a in sib.iter("a"))
                if not text or len(linked) < 0.8 * len(text):
                    break
                out.append(sib)
    return out


def _date(sel: Selector) -> tuple[str | None, str | None]:
    for css in _DATE:
        for node in sel.css(css):
            raw = datelines.first_date_text([_text(node)]) or datelines.first_date_text(
                node.css("::text").getall()
            )
            if raw:
                return raw, f"{FAMILY}:{css}"
            title = node.attrib.get("title")
            if title and datelines.looks_like_date_line(normalize_inline(title) or ""):
                return normalize_inline(title), f"{FAMILY}:{css}[title]"
    return None, None


def _byline(sel: Selector) -> str | None:
    node = _first(sel, ("[data-role=author]", ".detail-author", ".author"))
    return (_text(node) or None) if node is not None else None


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
                    name = _text(a).lstrip("#").strip()
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
        if len(_text(el)) > 60:
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
                    caption = _text(cap[0])
                break
        out.append({"url": src, "caption": caption or normalize_inline(img.get("alt")) or ""})
    return out


# --- listings and the paging API --------------------------------------------------------------


def _entries(sel: Selector, url: str) -> list[Link]:
    out: list[Link] = []
    seen: set[str] = set()
    for item in sel.css(_ITEM):
        link = _entry(item, url)
        if link and link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return out


def _entry(item: Selector, url: str) -> Link | None:
    title_node = _first(item, (".news-title", "h3", "h2", "h4"))
    anchor = None
    if title_node is not None:
        # The title sits inside its link ("<a><h3 class=news-title>"), or holds it.
        anchor = (title_node.xpath("ancestor::a[@href][1]") or title_node.css("a[href]") or [None])[
            0
        ]
    if anchor is None:
        anchor = next(
            (a for a in item.css("a[href]") if ARTICLE_PATH.search(a.attrib["href"])), None
        )
    if anchor is None:
        return None
    href = links.absolute(url, anchor.attrib.get("href"))
    if not href:
        return None
    text = _text(title_node) if title_node is not None else ""
    text = text or _text(anchor) or normalize_inline(anchor.attrib.get("title")) or ""
    return Link(url=href, text=text, date_raw=_item_date(item))


def _item_date(item: Selector) -> str | None:
    """The entry's time: the ``title`` attribute of its time element, else its text."""
    for node in item.css(".news-time, [class*=time], time"):
        for value in (node.attrib.get("title"), node.attrib.get("datetime")):
            value = normalize_inline(value)
            if value and datelines.looks_like_date_line(value):
                return value
    for node in item.css(".news-time, [class*=time], time"):
        raw = datelines.first_date_text([_text(node)])
        if raw:
            return raw
    return None


def _link_dates(root: etree._Element, url: str) -> dict[str, str]:
    """URL -> date of every entry box on the page (related boxes are made of them too)."""
    out: dict[str, str] = {}
    for a in root.iter("a"):
        href = links.absolute(url, a.get("href"))
        if not href or href in out:
            continue
        for box in a.iterancestors():
            if box.tag in ("li", "article") or "news-item" in (box.get("class") or ""):
                date = _item_date(Selector(root=box))
                if date:
                    out[href] = date
                break
    return out


def _pager(sel: Selector, url: str) -> ApiPager | None:
    parts = urlsplit(url)
    if parts.path.rstrip("/").lower().endswith(API_PATH.lower()):
        return None  # an API answer: the spider already knows how it pages
    config, ids, api = _zone_config(sel)
    if "Catname" not in config:
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) != 1 or ARTICLE_PATH.search(segments[0]) or "." in segments[0]:
            return None  # not a category page: the home page's boxes do not page
        config["Catname"] = segments[0]
    formdata: dict[str, str | list[str]] = {k: config[k] for k in _FIELDS if k in config}
    if ids:
        formdata["DataIds[]"] = ids
    return ApiPager(url=urljoin(url, api or API_PATH), formdata=formdata)


def _zone_config(sel: Selector) -> tuple[dict[str, str], list[str], str | None]:
    """The API's form values, the ids to exclude, and the API URL, wherever the page keeps them."""
    config: dict[str, str] = {}
    ids: list[str] = []
    api: str | None = None
    # 1. data-* attributes, all on one element (the zone box that "Xem thêm" reloads).
    best, best_count = None, 0
    for el in sel.root.iter():
        if not isinstance(el.tag, str):
            continue
        count = sum(any(el.get(n) is not None for n in names) for names in _ATTR_NAMES.values())
        if count > best_count:
            best, best_count = el, count
    if best is not None:
        for field, names in _ATTR_NAMES.items():
            value = next((best.get(n) for n in names if best.get(n) is not None), None)
            if value is not None and value.strip():
                config[field] = value.strip()
        raw_ids = next((best.get(n) for n in _IDS_ATTRS if best.get(n)), None)
        if raw_ids:
            ids = [i for i in re.split(r"[\s,;]+", raw_ids) if i]
        api = next((best.get(n) for n in _API_ATTRS if best.get(n)), None)
    # 2. inputs named like the fields ("Catname", "hdCatname", "ctl00_Site"...).
    for el in sel.root.iter("input"):
        names = [(el.get(a) or "").lower() for a in ("name", "id")]
        for field in _FIELDS:
            value = (el.get("value") or "").strip()
            if field not in config and value and any(n.endswith(field.lower()) for n in names):
                config[field] = value
    # 3. inline scripts, and JSON configs kept in an attribute (data-config='{"Catname":..}').
    script = "\n".join(
        sel.xpath("//script[not(@src)]/text()").getall()
        + sel.xpath("//@*[contains(., 'Catname') or contains(., 'catname')]").getall()
    )
    if script:
        for field in _FIELDS:
            if field not in config:
                value = _script_value(script, field)
                if value:
                    config[field] = value
        if not ids:
            m = re.search(r"DataIds(?:\[\])?[\"']?\s*[:=]\s*\[([^\]]*)\]", script, re.I)
            if m:
                ids = re.findall(r"\d{6,19}", m.group(1))
        if api is None:
            m = re.search(r"[\"']((?:https?://[^\"'/]+)?/[^\"']*NewsZone/NewsZone)[\"']", script)
            api = m.group(1) if m else None
    if api and "newszone" not in api.lower():
        api = None  # a data-url of something else
    return config, ids, api


def _script_value(script: str, field: str) -> str | None:
    m = re.search(
        rf"(?<![\w$.])[\"']?{field}[\"']?\s*[:=]\s*(?:\"([^\"]*)\"|'([^']*)'|([\w.\-]+))",
        script,
        re.I,
    )
    if not m:
        return None
    value = next(g for g in m.groups() if g is not None).strip()
    return value or None
