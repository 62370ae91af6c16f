"""Text of page blocks: one line per paragraph or row, page furniture dropped, element helpers.

Everything here works on the shape of a page (block elements, table rows), never on one
portal's class names, so that portals never seen still read.
"""

from __future__ import annotations

import copy
import re

from lxml import etree
from lxml import html as lxml_html
from parsel import Selector

from civicnews.dates import parse_date
from civicnews.htmlfix import repair_html
from civicnews.text import fold_key, normalize_block, normalize_inline

_BLOCK_TAGS = {
    "p", "div", "section", "article", "header", "footer", "li", "ul", "ol", "tr", "table",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "figcaption", "dd", "dt",
    "pre", "center", "tbody", "thead", "form", "aside", "nav", "main",
}  # fmt: skip


_CELL_TAGS = {"td", "th"}


_DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "button", "select")


# Lines that are page furniture, not article text (compared after folding).
_BOILERPLATE_LINES = {
    "in bai", "in", "chia se", "aa", "a a", "tang co chu", "giam co chu",
    "tang co chu giam co chu", "tro lai", "quay lai", "tro ve", "ban in", "gui email",
    "gui bai viet", "email", "print", "share", "luu bai viet", "xem them", "phan hoi",
    "dong", "binh luan", "gop y", "in trang", "facebook", "zalo", "twitter", "tweet",
    "trang chu",
}  # fmt: skip


_VIEWCOUNT = re.compile(r"^(luot xem|so luot xem|da xem|luot doc|views?)\b[\s\d:.,]*$")


# "396 | 23/09/2026": a view count then the date, printed above some articles.
_VIEWCOUNT_DATE = re.compile(r"^[\d.,]{1,9}\s*\|\s*(.{6,30})$")


def selector(html: str, url: str) -> Selector:
    # Every family parser starts here, so the repairs browsers make
    # implicitly (see civicnews.htmlfix) apply to saved pages and crawls alike.
    return Selector(text=repair_html(html) or "<html></html>", base_url=url)


def is_boilerplate_line(line: str) -> bool:
    key = fold_key(line)
    if not key:
        return True
    if key in _BOILERPLATE_LINES or _VIEWCOUNT.match(key):
        return True
    m = _VIEWCOUNT_DATE.match(line)
    if m and parse_date(m.group(1)) is not None:
        # Only when the rest is a date: a Word-table row "1 | Giao thông | 7.500" is text.
        return True
    return False


def block_text(element: etree._Element) -> str:
    """Text of an element with one line per block element (paragraph, row...)."""
    el = copy.deepcopy(element)
    etree.strip_elements(
        el, etree.Comment, etree.ProcessingInstruction, *_DROP_TAGS, with_tail=False
    )
    _flatten_data_rows(el)
    # One walk reads each text and tail once and writes nothing back into the tree: a legal code
    # of ~1 MB is read this way several times per parse, and every text crossing into or out of
    # libxml2 is re-encoded (rewriting them, as the line breaks and source breaks once were, took
    # most of the time).
    pre = {d for p in el.iter("pre") for d in p.iter()}
    pieces: list[str] = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        tag = tag.rsplit("}", 1)[-1].lower()
        if event == "start":
            if tag in _BLOCK_TAGS or tag in _CELL_TAGS:
                pieces.append("\n")
            text = node.text
            if text:
                pieces.append(_without_source_breaks(text, node in pre))
        elif node is not el:  # the element's own tail is not its text
            if tag == "br" or tag in _BLOCK_TAGS or tag in _CELL_TAGS:
                pieces.append("\n")
            tail = node.tail
            if tail:
                pieces.append(_without_source_breaks(tail, bool(pre) and node.getparent() in pre))
    return normalize_block("".join(pieces)) or ""


_SOURCE_BREAK = re.compile(r"[ \t\r]*[\r\n][ \t\r\n]*")


def _without_source_breaks(text: str, in_pre: bool) -> str:
    """Line breaks in the HTML source are spaces, as a browser shows them: a page whose
    source wraps its paragraphs at 100 columns (or a label and its value on two source lines,
    "<span>Ngày ban hành:</span>\n 15/04/1992") reads as written. Only elements and ``<br>``
    break lines; ``<pre>`` keeps its own."""
    if in_pre or ("\n" not in text and "\r" not in text):
        return text
    return _SOURCE_BREAK.sub(" ", text)


def _flatten_data_rows(el: etree._Element) -> None:
    """Write each row of a data table (Word-pasted) as one line: "a | b | c".

    Layout tables (rows with long cells or nested tables, as table-layout
    portals use for whole pages) are left as blocks.
    """
    for tr in list(el.iter("tr")):
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in _CELL_TAGS]
        # A row of one cell is a box, not data: its paragraphs stay lines.
        if len(cells) < 2 or any(c.find(".//table") is not None for c in cells):
            continue
        texts = [normalize_inline(" ".join(c.itertext())) or "" for c in cells]
        if any(len(t) > 300 for t in texts):
            continue
        for child in list(tr):
            tr.remove(child)
        tr.text = " | ".join(t for t in texts if t)


def clean_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line and not is_boilerplate_line(line)]


def text_of(el: etree._Element) -> str:
    return normalize_inline(" ".join(el.itertext())) or ""


def first_css(sel: Selector, queries: tuple[str, ...]) -> Selector | None:
    """The first node of the first query that matches: ``queries`` run from the family's most
    specific selector to its loosest."""
    for css in queries:
        found = sel.css(css)
        if found:
            return found[0]
    return None


def parse_fragment(html: str) -> etree._Element:
    return lxml_html.fromstring(html)


def inside(el: etree._Element, container: etree._Element) -> bool:
    """``el`` is a strict descendant of ``container``."""
    return any(a is container for a in el.iterancestors())


def last_descendant(el: etree._Element) -> etree._Element:
    last = el
    for last in el.iter():  # noqa: B007 - the loop variable is the point
        pass
    return last
