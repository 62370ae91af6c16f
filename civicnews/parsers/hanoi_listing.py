"""Listing entries of the Hanoi platform and the national platform's other templates.

- ``div.news-item[data-id]`` entries (title in ``.news-title``, the date in the ``title``
  attribute of ``span.news-time``: "15:28, 28/08/2026", the text may be the day only or "2 giờ
  trước"), on category pages and in the fragments the paging API answers (``hanoi_paging``);
- chinhphu.vn / baochinhphu.vn / vpcp templates (box-item, box-stream, box-category): title
  links marked ``data-linktype="newsdetail"`` / ``data-type="title"``, and links to article URLs;
- the timeline template's page 2, which its script builds from the zone id (no link).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from civicnews.parsers import blocks, datelines, links
from civicnews.parsers.model import Link
from civicnews.text import normalize_inline

#: An article's URL: ``/<category>/<slug>-<id>.htm``, the id of 14-19 digits.
ARTICLE_PATH = re.compile(r"-(\d{14,19})\.html?$")

_ITEM = ".news-item[data-id], .news-item"

# Not entries of the page: the national platform's sidebars, header and footer boxes.
_ASIDE = re.compile(r"(?:^|\s)(?:box-right|header|footer|menu)", re.I)


def platform_entries(sel: Selector, url: str) -> list[Link]:
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
        text = blocks.text_of(a) or normalize_inline(a.get("title")) or ""
        if not marked and not (ARTICLE_PATH.search(href) and len(text.split()) >= 4):
            continue
        if not text or any(_ASIDE.search(anc.get("class") or "") for anc in a.iterancestors()):
            continue
        box = links.entry_box(a, url)
        out[href] = Link(
            url=href, text=text, date_raw=links.box_date(box) if box is not a else None
        )
    return list(out.values())


def timeline_page(sel: Selector, url: str) -> list[str]:
    """Page 2 of a category on the platform's timeline template: the page's script builds it
    from ``input#hdZoneId`` and ``timeline.url = '/timelinelist/{0}/{1}.htm'`` (no link)."""
    zone = sel.css("input#hdZoneId::attr(value)").get()
    case = sel.css("input#case::attr(value)").get()
    if not zone or (case and case != "list"):
        return []
    script = " ".join(sel.xpath("//script[not(@src)]/text()").getall())
    m = re.search(r"['\"](/?timelinelist/)\{0\}/\{1\}(\.htm)['\"]", script)
    return [urljoin(url, f"/{m.group(1).strip('/')}/{zone.strip()}/2{m.group(2)}")] if m else []


def news_items(sel: Selector, url: str) -> list[Link]:
    out: list[Link] = []
    seen: set[str] = set()
    for item in sel.css(_ITEM):
        link = _entry(item, url)
        if link and link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return out


def _entry(item: Selector, url: str) -> Link | None:
    title_node = blocks.first_css(item, (".news-title", "h3", "h2", "h4"))
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
    text = blocks.text_of(title_node.root) if title_node is not None else ""
    text = text or blocks.text_of(anchor.root) or normalize_inline(anchor.attrib.get("title")) or ""
    return Link(url=href, text=text, date_raw=item_date(item))


def item_date(item: Selector) -> str | None:
    """The entry's time: the ``title`` attribute of its time element, else its text."""
    for node in item.css(".news-time, [class*=time], time"):
        for value in (node.attrib.get("title"), node.attrib.get("datetime")):
            value = normalize_inline(value)
            if value and datelines.looks_like_date_line(value):
                return value
    for node in item.css(".news-time, [class*=time], time"):
        raw = datelines.first_date_text([blocks.text_of(node.root)])
        if raw:
            return raw
    return None


def link_dates(root: etree._Element, url: str) -> dict[str, str]:
    """URL -> date of every entry box on the page (related boxes are made of them too)."""
    out: dict[str, str] = {}
    for a in root.iter("a"):
        href = links.absolute(url, a.get("href"))
        if not href or href in out:
            continue
        for box in a.iterancestors():
            if box.tag in ("li", "article") or "news-item" in (box.get("class") or ""):
                date = item_date(Selector(root=box))
                if date:
                    out[href] = date
                break
    return out
