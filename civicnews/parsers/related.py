"""Related-news blocks: headings ("Các tin khác", "Tin liên quan", "Tham khảo thêm"...) and the
links after them, kept out of article bodies.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from civicnews.parsers import blocks, datelines, links
from civicnews.parsers.model import Link
from civicnews.text import fold_key, normalize_inline

RELATED_HEADINGS = (
    "cac tin tuc khac",
    "cac tin khac",
    "cac bai khac",
    "tin lien quan",
    "tin cung chuyen muc",
    "cac tin da dua",
    "bai viet lien quan",
    "tin bai lien quan",
    "cac tin lien quan",
    "tin khac",
    # Boxes editors put inside the body: links to other articles, not body text.
    "tham khao them",
    "xem them",
    "doc them",
    "bai lien quan",
    "cac bai lien quan",
    "tin bai khac",
    "other news",
)


def _is_heading_text(text: str | None) -> bool:
    if not text:
        return False
    text = text.strip()
    # Cheap length filter first: folding every text node of a page is what
    # made heading detection the slowest part of parsing.
    return 5 <= len(text) <= 50 and fold_key(text) in RELATED_HEADINGS


_HEADING_TEXT_NODES = etree.XPath(
    "//text()[string-length(normalize-space(.)) >= 3 and string-length(normalize-space(.)) <= 50]"
    "[not(ancestor::a) and not(ancestor::script) and not(ancestor::style)]"
)


def related_headings(root: etree._Element) -> list[etree._Element]:
    """The innermost elements whose whole text is a related-news heading."""
    found: list[etree._Element] = []
    seen: set = set()
    # Candidate text nodes are picked in C by XPath; folding every element's
    # text in Python made this the slowest step of parsing a page.
    for text in _HEADING_TEXT_NODES(root.getroottree()):
        el = text.getparent()
        if el is None or el in seen:
            continue
        seen.add(el)
        if _is_heading_text(str(text)) or (
            len(el) and _is_heading_text(blocks.text_of(el))  # "<h3>Các tin <b>khác</b></h3>"
        ):
            found.append(el)
    # The same heading text found at several depths: keep the innermost.
    inner = set(found)
    for el in found:
        for parent in el.iterancestors():
            inner.discard(parent)
    return [el for el in found if el in inner]


def _following_anchors(el: etree._Element, headings: set) -> Iterator[etree._Element]:
    for sib in el.itersiblings():
        if not isinstance(sib.tag, str):
            continue
        if sib in headings or any(d in headings for d in sib.iter()):
            # Another related-news heading starts a new block: stop here.
            break
        if sib.tag == "a":
            yield sib
        yield from sib.iter("a")


def related_links(root: etree._Element, base_url: str) -> tuple[list[Link], list[etree._Element]]:
    """Links of every related-news block, and the block containers (to exclude from bodies)."""
    out: list[Link] = []
    containers: list[etree._Element] = []
    seen: set[str] = set()
    headings = related_headings(root)
    heading_set = set(headings)
    for heading in headings:
        el = heading
        anchors: list[etree._Element] = []
        for _ in range(4):  # the heading may be wrapped: climb until links follow it
            anchors = list(_following_anchors(el, heading_set))
            if anchors or el.getparent() is None:
                break
            el = el.getparent()
        if not anchors:
            continue
        containers.append(el.getparent() if el.getparent() is not None else el)
        for a in anchors:
            link = links.anchor_link(a, base_url)
            if link and link.url not in seen:
                seen.add(link.url)
                out.append(link)
    return out, containers


def related_blocks(root: etree._Element, base_url: str) -> tuple[list[Link], list[etree._Element]]:
    """Like :func:`related_links`, but the blocks returned are tight: each heading and the
    siblings after it that hold its links, never the heading's whole parent (on table layouts
    and SharePoint web parts that parent is the whole article, body included).

    Links carry the date printed beside them, inside their entry box too (:func:`nearby_date`).
    """
    headings = related_headings(root)
    heading_set = set(headings)
    anchors: list[etree._Element] = []
    boxes: list[etree._Element] = []
    for heading in headings:
        el, found = heading, []
        for _ in range(4):  # the heading may be wrapped: climb until links follow it
            found = []
            for sib in el.itersiblings():
                if not isinstance(sib.tag, str):
                    continue
                if sib in heading_set or any(d in heading_set for d in sib.iter()):
                    break  # another related-news heading starts a new block
                if sib.tag == "a" or sib.find(".//a") is not None:
                    found.append(sib)
            if found or el.getparent() is None:
                break
            el = el.getparent()
        if not found:
            continue
        boxes += [el, *found]
        for sib in found:
            anchors += [sib] if sib.tag == "a" else list(sib.iter("a"))
    return links.entry_links(anchors, base_url), boxes


def typed_related(container: etree._Element) -> list[etree._Element]:
    """A related list typed among paragraphs: its heading and the link lines after it."""
    out = []
    for heading in related_headings(container):
        line = heading
        while line.getparent() is not None and line.getparent() is not container:
            line = line.getparent()
        if line.getparent() is not container:
            continue
        out.append(line)
        for sib in line.itersiblings():
            if not isinstance(sib.tag, str):
                continue
            text = datelines.split_date_suffix(normalize_inline(" ".join(sib.itertext())) or "")[0]
            linked = " ".join(" ".join(a.itertext()) for a in sib.iter("a"))
            if not text or len(normalize_inline(linked) or "") < 0.8 * len(text):
                break
            out.append(sib)
    return out
